/** The SQLite adapter through the storage port: what the engine relies on. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../storage/migrations/index.js';
import { SqliteStorage, StorageError, type CaseRecord, type EventRecord } from '../../storage/index.js';
import { caseRecord, T0 } from '../helpers/records.js';

const event = (caseId: string, seq: number): EventRecord => ({
  caseId,
  seq,
  type: 'comment',
  payloadJson: '{}',
  role: 'unit',
  actor: 'u',
  occurredAt: T0,
  recordedAt: T0,
  prevHash: 'p',
  hash: `h${seq}`,
  backdatingReason: null,
});

describe('storage (SQLite adapter)', () => {
  let dir: string;
  let storage: SqliteStorage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'storage-'));
    storage = await SqliteStorage.open({ path: join(dir, 't.db') });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should open with WAL, synchronous FULL, foreign keys and a busy timeout', async () => {
    expect(storage.pragmas()).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: 1, busyTimeout: 5000 });
  });

  it('should honour synchronous NORMAL and refuse other modes', async () => {
    const other = await SqliteStorage.open({ path: join(dir, 'n.db'), synchronous: 'NORMAL', busyTimeoutMs: 100 });
    expect(other.pragmas()).toMatchObject({ synchronous: 1, busyTimeout: 100 });
    await other.close();
    await expect(SqliteStorage.open({ path: join(dir, 'x.db'), synchronous: 'OFF' as never })).rejects.toThrow(/FULL or NORMAL/);
  });

  it('should apply every migration once and be a no-op on reopen', async () => {
    const applied = () => storage.withConnectionForTests((db) => db.prepare('select name from kysely_migration order by name').all() as { name: string }[]);
    expect(applied().map((m) => m.name)).toEqual(Object.keys(migrations));
    await storage.close();
    storage = await SqliteStorage.open({ path: join(dir, 't.db') });
    expect(applied()).toHaveLength(Object.keys(migrations).length);
  });

  it('should round-trip a case record, its roles list included', async () => {
    const c = caseRecord('c1', { waitingRoles: ['car', 'unit'], nextDueAt: T0 });
    await storage.read.cases.insert(c);
    expect(await storage.read.cases.find('c1')).toEqual(c);
    expect(await storage.read.cases.head('c1')).toEqual({ seq: 1, headHash: 'h1' });
    expect(await storage.read.cases.find('nope')).toBeUndefined();
    await storage.read.cases.insert(caseRecord('c2', { waitingRoles: [] }));
    expect((await storage.read.cases.find('c2'))?.waitingRoles).toEqual([]);
  });

  it('should refuse a second event with the same seq in a case', async () => {
    await storage.read.cases.insert(caseRecord('c1'));
    await storage.read.events.append(event('c1', 1));
    await expect(storage.read.events.append(event('c1', 1))).rejects.toThrow(/UNIQUE|PRIMARY/);
    await storage.read.events.append(event('c1', 2));
    expect((await storage.read.events.list('c1')).map((e) => e.seq)).toEqual([1, 2]);
    expect((await storage.read.events.list('c1', 1)).map((e) => e.seq)).toEqual([1]);
    expect((await storage.read.events.list('c1'))[0]).toEqual(event('c1', 1));
  });

  it('should enforce foreign keys and check constraints', async () => {
    await expect(storage.read.events.append(event('nope', 1))).rejects.toThrow(/FOREIGN KEY/);
    await expect(storage.read.cases.insert(caseRecord('bad', { status: 'weird' as never }))).rejects.toThrow(/CHECK/);
  });

  it('should update a case only at the expected seq', async () => {
    await storage.read.cases.insert(caseRecord('c1'));
    expect(await storage.read.cases.updateIfSeq(1, caseRecord('c1', { seq: 2 }))).toBe(true);
    expect(await storage.read.cases.updateIfSeq(1, caseRecord('c1', { seq: 3 }))).toBe(false);
    expect((await storage.read.cases.find('c1'))?.seq).toBe(2);
  });

  it('should write only the changed columns when given the previous record', async () => {
    const before = caseRecord('c1');
    await storage.read.cases.insert(before);
    // A trigger per indexed column records every UPDATE that names it in its SET list.
    storage.withConnectionForTests((db) => {
      db.exec('create table touched (col text)');
      for (const col of ['state', 'waiting_roles', 'next_due_at']) {
        db.exec(`create trigger t_${col} after update of ${col} on cases begin insert into touched values ('${col}'); end`);
      }
    });
    const touched = () => storage.withConnectionForTests((db) => (db.prepare('select col from touched').all() as { col: string }[]).map((r) => r.col));
    // A comment: seq, head and updatedAt move; state, roles and deadlines stay.
    const comment = { ...before, seq: 2, headHash: 'h2', updatedAt: '2025-03-06T06:00:00.000Z' };
    expect(await storage.read.cases.updateIfSeq(1, comment, before)).toBe(true);
    expect(touched()).toEqual([]);
    const step = { ...comment, seq: 3, headHash: 'h3', state: 'registered', waitingRoles: ['supervisor'] };
    expect(await storage.read.cases.updateIfSeq(2, step, comment)).toBe(true);
    expect(touched().sort()).toEqual(['state', 'waiting_roles']);
    expect(await storage.read.cases.find('c1')).toEqual(step);
  });

  it('should list cases by due date, roles, procedure and page', async () => {
    await storage.read.cases.insert(caseRecord('a', { nextDueAt: '2025-03-07T00:00:00.000Z' }));
    await storage.read.cases.insert(caseRecord('b', { nextDueAt: '2025-03-09T00:00:00.000Z', waitingRoles: ['car', 'unit'] }));
    await storage.read.cases.insert(caseRecord('c', { waitingRoles: [], procedure: 'other' }));
    const ids = async (f: Parameters<typeof storage.read.cases.list>[0]) => (await storage.read.cases.list(f)).map((c) => c.id);
    expect(await ids({ dueBefore: '2025-03-08T00:00:00.000Z' })).toEqual(['a']);
    expect(await ids({ waitingRoles: ['unit'] })).toEqual(['a', 'b']);
    expect(await ids({ waitingRoles: ['car', 'chairman'] })).toEqual(['b']);
    expect(await ids({ waitingRoles: [] })).toEqual([]);
    expect(await ids({ procedure: 'other' })).toEqual(['c']);
    expect(await ids({ limit: 2 })).toEqual(['a', 'b']);
    expect(await ids({ after: { createdAt: T0, id: 'b' } })).toEqual(['c']);
    expect(await storage.read.cases.count()).toBe(3);
    expect(await storage.read.cases.ids()).toEqual(['a', 'b', 'c']);
    // The work-queue indexes serve the lists (migrations 000200 and 000700).
    expect((await storage.explainCaseList({ waitingRoles: ['unit'] })).join(' ')).toMatch(/cases_waiting_created/);
    expect((await storage.explainCaseList({ dueBefore: T0 })).join(' ')).toMatch(/cases_due_created/);
  });

  it('should claim a due timer exactly once, and keep (caseId, key) unique', async () => {
    await storage.read.cases.insert(caseRecord('c1'));
    const timers = storage.read.timers;
    const timer = { caseId: 'c1', key: 'review', dueAt: T0, status: 'scheduled' as const, firedAt: null, createdAt: T0, updatedAt: T0 };
    await timers.insert(timer);
    await expect(timers.insert(timer)).rejects.toThrow(/UNIQUE|PRIMARY/);
    expect(await timers.nextDueAt()).toBe(T0);
    expect(await timers.listDue('2025-03-06T04:59:59.999Z')).toEqual([]);
    expect(await timers.listDue(T0)).toEqual([timer]);
    expect(await timers.claim('c1', 'review', '2025-03-06T06:00:00.000Z', T0)).toBe(false); // moved
    expect(await timers.claim('c1', 'review', T0, T0)).toBe(true);
    expect(await timers.claim('c1', 'review', T0, T0)).toBe(false);
    expect(await timers.nextDueAt()).toBeUndefined();
    await timers.update('c1', 'review', { dueAt: '2025-03-07T00:00:00.000Z', status: 'scheduled', firedAt: null, updatedAt: T0 });
    expect(await timers.listForCase('c1')).toMatchObject([{ dueAt: '2025-03-07T00:00:00.000Z', status: 'scheduled', firedAt: null }]);
  });

  it('should claim an outbox message once per attempt and record its attempts', async () => {
    await storage.read.cases.insert(caseRecord('c1'));
    const outbox = storage.read.outbox;
    const message = {
      id: 'm1',
      caseId: 'c1',
      eventSeq: 1,
      kind: 'mail' as const,
      template: 'acknowledgement',
      recipient: 'a@example.kz',
      language: 'ru',
      payloadJson: '{}',
      status: 'queued' as const,
      attempts: 0,
      nextAttemptAt: T0,
      lastError: null,
      closesDeadline: null,
      createdAt: T0,
      sentAt: null,
    };
    await outbox.insert(message);
    expect(await outbox.listDueMail(T0)).toEqual([message]);
    expect(await outbox.claim('m1', 0, '2025-03-06T05:05:00.000Z')).toBe(true);
    expect(await outbox.claim('m1', 0, '2025-03-06T05:05:00.000Z')).toBe(false);
    expect(await outbox.listDueMail(T0)).toEqual([]);
    expect(await outbox.nextMailAttemptAt()).toBe('2025-03-06T05:05:00.000Z');
    const attempt = { outboxId: 'm1', attempt: 1, startedAt: T0, finishedAt: T0, outcome: 'sent' as const, error: null, response: '250 OK' };
    await outbox.insertAttempt(attempt);
    await outbox.markSent('m1', T0);
    expect(await outbox.nextMailAttemptAt()).toBeUndefined();
    expect(await outbox.listAttempts('m1')).toEqual([attempt]);
    expect(await outbox.listForCase('c1')).toMatchObject([{ id: 'm1', status: 'sent', sentAt: T0, attempts: 1 }]);
  });

  it('should store and find idempotency keys', async () => {
    const record = { key: 'k', requestHash: 'r', responseStatus: 201, responseBodyJson: '{}', caseId: null, createdAt: T0 };
    await storage.read.idempotency.insert(record);
    expect(await storage.read.idempotency.find('k')).toEqual(record);
    expect(await storage.read.idempotency.find('other')).toBeUndefined();
  });
});

describe('storage batches', () => {
  let dir: string;
  let storage: SqliteStorage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'batch-'));
    storage = await SqliteStorage.open({ path: join(dir, 't.db') });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should hold the write lock from the start of a batch until it ends', async () => {
    const batch = await storage.beginBatch();
    const other = new SqliteDatabase(join(dir, 't.db'), { timeout: 10 });
    try {
      expect(() => other.prepare('begin immediate').run()).toThrow(/locked|busy/i);
      await batch.rollback();
      other.prepare('begin immediate').run();
      other.prepare('rollback').run();
    } finally {
      other.close();
    }
  });

  it('should keep its writes from reads outside it until it commits', async () => {
    const batch = await storage.beginBatch();
    await batch.repos.cases.insert(caseRecord('c1'));
    expect(await batch.repos.cases.find('c1')).toMatchObject({ id: 'c1' });
    // The read waits for the batch (the connection is the batch's until COMMIT).
    let seen: CaseRecord | undefined | 'pending' = 'pending';
    const read = storage.read.cases.find('c1').then((c) => (seen = c));
    await new Promise((r) => setImmediate(r));
    expect(seen).toBe('pending');
    await batch.commit();
    await read;
    expect(seen).toMatchObject({ id: 'c1' });
    await expect(batch.repos.cases.find('c1')).rejects.toThrow(/batch is over/);
  });

  it('should undo one unit with its savepoint and keep the others', async () => {
    const batch = await storage.beginBatch();
    await batch.savepoint('unit');
    await batch.repos.cases.insert(caseRecord('kept'));
    await batch.releaseSavepoint('unit');
    await batch.savepoint('unit');
    await batch.repos.cases.insert(caseRecord('undone'));
    await batch.rollbackToSavepoint('unit');
    await batch.releaseSavepoint('unit');
    await batch.commit();
    expect(await storage.read.cases.ids()).toEqual(['kept']);
    await expect((await storage.beginBatch()).savepoint('x; drop table cases')).rejects.toThrow(/invalid savepoint name/);
  });

  it('should report another process holding the lock as storage_busy', async () => {
    const busy = await SqliteStorage.open({ path: join(dir, 't.db'), busyTimeoutMs: 20 });
    const other = new SqliteDatabase(join(dir, 't.db'));
    other.prepare('begin immediate').run();
    try {
      await expect(busy.beginBatch()).rejects.toMatchObject({ name: 'StorageError', code: 'storage_busy', driverCode: expect.stringMatching(/^SQLITE_BUSY/) });
    } finally {
      other.prepare('rollback').run();
      other.close();
      await busy.close();
    }
  });

  it('should report a full database as storage_unavailable and in health, and recover', async () => {
    await storage.read.cases.insert(caseRecord('c0'));
    // No free pages to take (migration 000900's table rebuild leaves some): the limit is the file as it is.
    storage.withConnectionForTests((db) => db.exec('VACUUM'));
    const pages = storage.withConnectionForTests((db) => Number(db.pragma('page_count', { simple: true })));
    storage.withConnectionForTests((db) => db.pragma(`max_page_count = ${pages}`));
    const batch = await storage.beginBatch();
    const big = 'x'.repeat(200_000);
    const failed = await batch.repos.cases.insert(caseRecord('c1', { snapshotJson: big })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed).toMatchObject({ code: 'storage_unavailable', driverCode: 'SQLITE_FULL' });
    await batch.rollback();
    await expect(storage.health()).rejects.toMatchObject({ reason: expect.stringMatching(/full|write_failed/) });
    storage.withConnectionForTests((db) => db.pragma('max_page_count = 1073741823'));
    await expect(storage.health()).resolves.toBeUndefined();
  });

  it('should open read-only beside a writer: reads work, batches are refused', async () => {
    await storage.read.cases.insert(caseRecord('c1'));
    const ro = await SqliteStorage.open({ path: join(dir, 't.db'), readOnly: true });
    try {
      expect(await ro.read.cases.ids()).toEqual(['c1']);
      await expect(ro.beginBatch()).rejects.toMatchObject({ code: 'storage_unavailable' });
      await expect(ro.health()).rejects.toMatchObject({ reason: 'read_only' });
    } finally {
      await ro.close();
    }
    await expect(SqliteStorage.open({ path: join(dir, 'missing.db'), readOnly: true })).rejects.toMatchObject({ code: 'storage_unavailable' });
  });
});
