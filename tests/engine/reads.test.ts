/**
 * Issue 13 §1, in the engine: reads are recorded in the commit queue and listed per case;
 * the stored answers of idempotent commands (full case views, personal data) are purged
 * after IDEMPOTENCY_RETENTION by a periodic purge on the engine's clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, DEFAULT_IDEMPOTENCY_RETENTION_MS, IdempotencyPurge, SimulatedClock, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { loadConfig } from '../../server/config.js';
import { kz } from '../helpers/app.js';
import { auditOn } from '../helpers/audit.js';
import { onConnection, itSqlite } from '../helpers/sqlite-file.js';

const input = { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' };
const actor = { name: 'car-user', role: 'car' as const };

let dir: string;
let clock: SimulatedClock;
let engine: Engine;
const open = async (retention?: number) => {
  engine = await createEngine({
    databasePath: join(dir, 'e.sqlite'),
    synchronous: 'NORMAL',
    calendar: kz,
    procedures,
    clock,
    ...(retention !== undefined ? { idempotencyRetentionMs: retention } : {}),
  });
  await engine.start();
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qi-reads-engine-'));
  clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
});
afterEach(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('recorded reads', () => {
  it('should store reads with the time and list them per case and for all cases, oldest first', async () => {
    await open();
    const a = (await engine.createCase('feedback-inquiry', input, { actor })).view.id;
    const b = (await engine.createCase('feedback-inquiry', input, { actor })).view.id;
    await engine.recordReads([{ caseId: a, actor: 'x', role: 'car', route: 'GET /cases/{id}' }]);
    clock.set('2025-03-06T06:00:00.000Z');
    await engine.recordReads([
      { caseId: b, actor: 'y', role: 'auditor', route: 'GET /cases' },
      { caseId: a, actor: 'y', role: 'auditor', route: 'GET /cases' },
    ]);
    await engine.recordReads([]);
    expect(await engine.reads(a)).toEqual([
      { caseId: a, actor: 'x', role: 'car', route: 'GET /cases/{id}', readAt: '2025-03-06T05:00:00.000Z', readAtLocal: '2025-03-06T10:00:00.000+05:00' },
      { caseId: a, actor: 'y', role: 'auditor', route: 'GET /cases', readAt: '2025-03-06T06:00:00.000Z', readAtLocal: '2025-03-06T11:00:00.000+05:00' },
    ]);
    expect((await engine.reads()).map((r) => r.caseId)).toEqual([a, b, a]);
    await expect(engine.reads('missing')).rejects.toMatchObject({ code: 'not_found' });
    expect(await engine.actedOn('car-user', [a, b, 'missing'])).toEqual(new Set([a, b]));
    expect(await engine.actedOn('nobody', [a])).toEqual(new Set());
    expect(await engine.scope(a)).toEqual({ id: a, procedure: 'feedback-inquiry', unit: null, partUnits: [] });
    // The procedure, remembered after the first read (it never changes); an unknown case is 404.
    expect(await engine.procedureOf(a)).toBe('feedback-inquiry');
    expect(await engine.procedureOf(a)).toBe('feedback-inquiry');
    await expect(engine.procedureOf('missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('reads while the database refuses writes', () => {
  itSqlite('should answer the read and record it once the database takes writes again', async () => {
    await open();
    const a = (await engine.createCase('feedback-inquiry', input, { actor })).view.id;
    onConnection(engine, (db) => db.pragma('query_only = 1'));
    await expect(engine.recordReads([{ caseId: a, actor: 'x', role: 'car', route: 'GET /cases/{id}' }])).resolves.toBeUndefined();
    onConnection(engine, (db) => db.pragma('query_only = 0'));
    expect(await engine.reads(a)).toEqual([]);
    clock.set('2025-03-06T05:01:00.000Z');
    await engine.recordReads([{ caseId: a, actor: 'y', role: 'car', route: 'GET /cases' }]);
    expect((await engine.reads(a)).map((r) => [r.actor, r.readAt])).toEqual([
      ['x', '2025-03-06T05:00:00.000Z'],
      ['y', '2025-03-06T05:01:00.000Z'],
    ]);
  });
});

describe('audit reads (CLI)', () => {
  it('should list the reads of one case or of all, as jsonl or csv, beside the running engine', async () => {
    await open();
    const a = (await engine.createCase('feedback-inquiry', input, { actor })).view.id;
    const b = (await engine.createCase('feedback-inquiry', input, { actor })).view.id;
    await engine.recordReads([
      { caseId: a, actor: 'Асель', role: 'unit', route: 'GET /cases/{id}/history' },
      { caseId: b, actor: 'auditor-user', role: 'auditor', route: 'GET /cases' },
    ]);
    const db = join(dir, 'e.sqlite');
    const all = await auditOn(db, ['reads']);
    expect(all.code, all.err).toBe(0);
    expect(all.out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { caseId: a, actor: 'Асель', role: 'unit', route: 'GET /cases/{id}/history', readAt: '2025-03-06T05:00:00.000Z' },
      { caseId: b, actor: 'auditor-user', role: 'auditor', route: 'GET /cases', readAt: '2025-03-06T05:00:00.000Z' },
    ]);
    expect(all.err).toContain('2 read(s)');
    const csv = await auditOn(db, ['reads', '--case', b, '--format', 'csv']);
    expect(csv.out).toBe(`caseId,readAt,actor,role,route\r\n${b},2025-03-06T05:00:00.000Z,auditor-user,auditor,GET /cases\r\n`);
    expect((await auditOn(db, ['reads', '--case', 'nope'])).code).toBe(2);
    expect((await auditOn(db, ['reads', '--format', 'xml'])).code).toBe(2);
  });
});

describe('idempotency retention', () => {
  it('should default to 24 h, configurable by IDEMPOTENCY_RETENTION, refusing a bad value naming it', () => {
    expect(DEFAULT_IDEMPOTENCY_RETENTION_MS).toBe(24 * 3_600_000);
    expect(loadConfig({}).idempotencyRetentionMs).toBe(24 * 3_600_000);
    expect(loadConfig({ IDEMPOTENCY_RETENTION: '90m' }).idempotencyRetentionMs).toBe(90 * 60_000);
    expect(loadConfig({ IDEMPOTENCY_RETENTION: '7d' }).idempotencyRetentionMs).toBe(7 * 86_400_000);
    expect(() => loadConfig({ IDEMPOTENCY_RETENTION: '1w' })).toThrow(/IDEMPOTENCY_RETENTION/);
  });

  it('should purge stored answers older than the retention and keep younger ones', async () => {
    await open(); // the default: 24 h
    const first = await engine.createCase('feedback-inquiry', input, { actor, idempotencyKey: 'k1' });
    clock.set('2025-03-06T17:00:00.000Z');
    await engine.createCase('feedback-inquiry', input, { actor, idempotencyKey: 'k2' });
    // A retry within the retention gets the first answer.
    expect((await engine.createCase('feedback-inquiry', input, { actor, idempotencyKey: 'k1' })).view.id).toBe(first.view.id);
    clock.set('2025-03-07T05:00:00.001Z'); // just over 24 h after k1
    expect(await engine.idempotencyPurge.purge()).toBe(1);
    expect(await engine.storage.read.idempotency.find('k1')).toBeUndefined();
    expect(await engine.storage.read.idempotency.find('k2')).toBeDefined();
    // Purged: the same key is a new request now (a new case).
    expect((await engine.createCase('feedback-inquiry', input, { actor, idempotencyKey: 'k1' })).view.id).not.toBe(first.view.id);
  });

  it('should purge periodically while running, and stop with the engine', async () => {
    await open();
    await engine.createCase('feedback-inquiry', input, { actor, idempotencyKey: 'p' });
    const purge = new IdempotencyPurge({ queue: engine.runner.queue, clock, logger: { debug() {}, info() {}, warn() {}, error() {} }, retentionMs: 1000, everyMs: 5 });
    await purge.start(); // at start: nothing is older than 1 s yet
    expect(await engine.storage.read.idempotency.find('p')).toBeDefined();
    clock.set('2025-03-06T05:00:02.000Z');
    await expect.poll(() => engine.storage.read.idempotency.find('p'), { timeout: 2000, interval: 5 }).toBeUndefined();
    await purge.stop();
  });

  it('should purge at start what is already older than the retention', async () => {
    await open(60_000);
    await engine.createCase('feedback-inquiry', input, { actor, idempotencyKey: 'old' });
    await engine.close();
    clock.set('2025-03-06T05:02:00.000Z');
    await open(60_000);
    await engine.idle();
    expect(await engine.storage.read.idempotency.find('old')).toBeUndefined();
  });
});
