import SqliteDatabase from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../engine/logger.js';
import { EngineError } from '../../engine/errors.js';
import { car, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';

describe('durability and storage failures', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine({ busyTimeoutMs: 50 });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should answer a command only once it is committed and visible to another connection', async () => {
    const other = new SqliteDatabase(t.path, { readonly: true });
    try {
      const seen: number[] = [];
      await Promise.all(
        Array.from({ length: 5 }, () =>
          t.engine.createCase('test-procedure', inquiry(), { actor: car }).then((r) => {
            const row = other.prepare('select count(*) as n from events where case_id = ?').get(r.view.id) as { n: number };
            seen.push(row.n);
          }),
        ),
      );
      expect(seen).toEqual([1, 1, 1, 1, 1]);
    } finally {
      other.close();
    }
  });

  it('should answer storage_unavailable (503) while another process holds the write lock, and recover', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const locker = new SqliteDatabase(t.path);
    locker.prepare('begin immediate').run();
    try {
      const e = await t.engine
        .applyEvent(view.id, { type: 'comment', payload: { text: 'blocked' } }, { actor: unit })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EngineError);
      expect(e).toMatchObject({ code: 'storage_unavailable', status: 503 });
    } finally {
      locker.prepare('rollback').run();
      locker.close();
    }
    const ok = await t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'after' } }, { actor: unit });
    expect(ok.view.seq).toBe(2);
    expect((await t.engine.verify(view.id)).ok).toBe(true);
  });

  it('should refuse commands after close with storage_unavailable', async () => {
    await t.engine.close();
    const e = await t.engine.createCase('test-procedure', inquiry(), { actor: car }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'storage_unavailable' });
    t.engine = await t.reopen();
  });

  it('should bound later staff events by the creation even when the intake (system) created the case', async () => {
    const base = t.engine.registry.current('test-procedure')!;
    await t.reopen({ procedures: [{ ...base, createRoles: ['car', 'system'] }] });
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: { name: 'intake', role: 'system' } });
    const e = await t.engine
      .applyEvent(view.id, { type: 'comment', payload: { text: 'x' }, occurredAt: '2025-03-06T04:00:00Z' }, { actor: unit })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'invalid_request' });
  });

  it('should accept a pino logger', () => {
    const logger: Logger = pino({ level: 'silent' });
    expect(logger).toBeDefined();
  });
});
