import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../engine/logger.js';
import { EngineError } from '../../engine/errors.js';
import type { MailTransport } from '../../engine/outbox-worker.js';
import { applicant } from './fixtures/fake-procedure.js';
import { car, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';
import { openSqliteFile, itSqlite } from '../helpers/sqlite-file.js';

describe('durability and storage failures', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine({ busyTimeoutMs: 50 });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  itSqlite('should answer a command only once it is committed and visible to another connection', async () => {
    const other = openSqliteFile(t.path, { readonly: true });
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

  itSqlite('should answer storage_busy (503) while another process holds the write lock, and recover', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const locker = openSqliteFile(t.path);
    locker.prepare('begin immediate').run();
    try {
      const e = await t.engine
        .applyEvent(view.id, { type: 'comment', payload: { text: 'blocked' } }, { actor: unit })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EngineError);
      expect(e).toMatchObject({ code: 'storage_busy', status: 503 });
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

  /**
   * The engine's Logger is pino's shape (engine/logger.ts), so a pino logger is passed as is
   * (server/main.ts does). What it must say through it: the missing SMTP configuration, a
   * failed transaction, a failed delivery — and never the applicant's name or e-mail, which
   * sit in every case's input and every mail's recipient.
   */
  itSqlite('should report problems through the given pino logger, without the applicant\'s personal data', async () => {
    const lines: string[] = [];
    const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const logs = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string }; [k: string]: unknown });
    const WARN = 40;
    const ERROR = 50;

    await t.reopen({ logger });
    expect(logs()).toContainEqual(expect.objectContaining({ level: WARN, msg: expect.stringMatching(/SMTP_URL/) }));

    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    expect(logs().filter((l) => l.level >= ERROR)).toEqual([]);
    const locker = openSqliteFile(t.path);
    locker.prepare('begin immediate').run();
    try {
      await expect(t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'blocked' } }, { actor: unit })).rejects.toMatchObject({
        code: 'storage_busy',
      });
    } finally {
      locker.prepare('rollback').run();
      locker.close();
    }
    const failures = logs().filter((l) => l.level >= ERROR);
    expect(failures.length).toBeGreaterThan(0);
    // pino's err serializer: the cause is logged, not just a message.
    expect(failures[0]!.err?.message).toEqual(expect.any(String));

    // A delivery that fails (the server refuses it for good): logged with the message's id.
    const refusing: MailTransport = {
      sendMail: () => Promise.reject(Object.assign(new Error('554 5.7.1 Message rejected'), { responseCode: 554 })),
    };
    await t.reopen({ logger, transport: refusing });
    await t.engine.start();
    const second = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.idle();
    const [mail] = await t.engine.messages(second.view.id);
    expect(mail).toMatchObject({ status: 'failed' });
    expect(logs()).toContainEqual(expect.objectContaining({ level: WARN, messageId: mail!.id, attempt: 1, final: true }));

    const all = lines.join('');
    expect(all).not.toContain(applicant.email);
    expect(all).not.toContain(applicant.name);
  });

  it("should not log the recipient's address or name when the SMTP server's refusal names them", async () => {
    const lines: string[] = [];
    const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    // A real refusal often quotes the recipient ("550 5.1.1 <a@b.kz>: Recipient address rejected").
    const refusing: MailTransport = {
      sendMail: (m) => Promise.reject(Object.assign(new Error(`550 5.1.1 <${m.to.address}>: Recipient address rejected`), { responseCode: 550 })),
    };
    await t.reopen({ logger, transport: refusing });
    await t.engine.start();
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.idle();
    const [mail] = await t.engine.messages(view.id);
    // The record keeps the server's words for staff (it is personal data only they read)…
    expect(mail).toMatchObject({ status: 'failed', lastError: expect.stringContaining(applicant.email) });
    // …the log says what happened without them.
    const warn = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.messageId === mail!.id && 'error' in l);
    expect(warn).toMatchObject({ error: expect.stringMatching(/^550 5\.1\.1 .*Recipient address rejected$/) });
    const all = lines.join('');
    expect(all).not.toContain(applicant.email);
    expect(all).not.toContain(applicant.name);
  });
});
