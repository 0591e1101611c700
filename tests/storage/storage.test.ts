import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertCase, findCase, findCaseHead, listCases, updateCaseIfSeq } from '../../storage/cases.repository.js';
import { directStatement, holdDirect, openDatabase, pragmas, releaseDirect, walSyncOf, type Db } from '../../storage/connection.js';
import type { NewCaseRow } from '../../storage/database.js';
import { insertEvent, listEvents } from '../../storage/events.repository.js';
import { findIdempotencyKey, insertIdempotencyKey } from '../../storage/idempotency.repository.js';
import { claimOutbox, insertOutbox, listDueMail, markOutboxSent, nextMailAttemptAt } from '../../storage/outbox.repository.js';
import { claimTimer, insertTimer, listDueTimers, nextTimerDueAt } from '../../storage/timers.repository.js';
import { migrations } from '../../storage/migrations/index.js';
import { acquireWriteLock } from '../../storage/transaction.js';
import SqliteDatabase from 'better-sqlite3';

const T0 = '2025-03-06T05:00:00.000Z';
const caseRow = (id: string, extra: Partial<NewCaseRow> = {}): NewCaseRow => ({
  id,
  procedure: 'feedback-inquiry',
  machine_version: '1',
  snapshot: '{}',
  context: '{}',
  state: 'open',
  status: 'active',
  seq: 1,
  head_hash: 'h1',
  next_due_at: null,
  waiting_roles: ',unit,',
  last_staff_occurred_at: T0,
  created_at: T0,
  updated_at: T0,
  ...extra,
});
const event = (caseId: string, seq: number) => ({
  case_id: caseId,
  seq,
  type: 'comment',
  payload: '{}',
  role: 'unit',
  actor: 'u',
  occurred_at: T0,
  recorded_at: T0,
  prev_hash: 'p',
  hash: `h${seq}`,
});

describe('sqlite: storage', () => {
  let dir: string;
  let db: Db;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'storage-'));
    db = await openDatabase({ path: join(dir, 't.db') });
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should open with WAL, synchronous FULL, foreign keys and a busy timeout', async () => {
    expect(await pragmas(db)).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: 1, busyTimeout: 5000 });
    expect(walSyncOf(db)).toBeUndefined();
    // durableCommit async: SQLite's NORMAL plus the engine's own flush of the WAL (wal-sync.ts).
    const flushed = await openDatabase({ path: join(dir, 'async.db'), durableCommit: 'async' });
    expect(await pragmas(flushed)).toMatchObject({ synchronous: 1 });
    expect(walSyncOf(flushed)?.path).toBe(`${join(dir, 'async.db')}-wal`);
    await flushed.destroy();
    const normal = await openDatabase({ path: join(dir, 'normal.db'), synchronous: 'NORMAL', durableCommit: 'async' });
    expect(walSyncOf(normal)).toBeUndefined();
    await normal.destroy();
  });

  it('should honour synchronous NORMAL and refuse other modes', async () => {
    const other = await openDatabase({ path: join(dir, 'n.db'), synchronous: 'NORMAL', busyTimeoutMs: 100 });
    expect(await pragmas(other)).toMatchObject({ synchronous: 1, busyTimeout: 100 });
    await other.destroy();
    await expect(openDatabase({ path: join(dir, 'x.db'), synchronous: 'OFF' as never })).rejects.toThrow(/FULL or NORMAL/);
  });

  it('should apply every migration once and be a no-op on reopen', async () => {
    const applied = await db.selectFrom('kysely_migration' as never).selectAll().execute();
    expect(applied.map((m) => (m as { name: string }).name)).toEqual(Object.keys(migrations));
    await db.destroy();
    db = await openDatabase({ path: join(dir, 't.db') });
    expect(await db.selectFrom('kysely_migration' as never).selectAll().execute()).toHaveLength(Object.keys(migrations).length);
  });

  it('should refuse a second event with the same seq in a case', async () => {
    await insertCase(db, caseRow('c1'));
    await insertEvent(db, event('c1', 1));
    await expect(insertEvent(db, event('c1', 1))).rejects.toThrow(/UNIQUE|PRIMARY/);
    await insertEvent(db, event('c1', 2));
    expect((await listEvents(db, 'c1')).map((e) => e.seq)).toEqual([1, 2]);
    expect((await listEvents(db, 'c1', 1)).map((e) => e.seq)).toEqual([1]);
  });

  it('should enforce foreign keys and check constraints', async () => {
    await expect(insertEvent(db, event('nope', 1))).rejects.toThrow(/FOREIGN KEY/);
    await expect(insertCase(db, caseRow('bad', { status: 'weird' as never }))).rejects.toThrow(/CHECK/);
  });

  it('should update a case only at the expected seq', async () => {
    await insertCase(db, caseRow('c1'));
    expect(await updateCaseIfSeq(db, 'c1', 1, { seq: 2 })).toBe(true);
    expect(await updateCaseIfSeq(db, 'c1', 1, { seq: 3 })).toBe(false);
    expect((await findCase(db, 'c1'))?.seq).toBe(2);
  });

  it('should list overdue cases from next_due_at', async () => {
    await insertCase(db, caseRow('a', { next_due_at: '2025-03-07T00:00:00.000Z' }));
    await insertCase(db, caseRow('b', { next_due_at: '2025-03-09T00:00:00.000Z' }));
    await insertCase(db, caseRow('c'));
    expect((await listCases(db, { overdueAt: '2025-03-08T00:00:00.000Z' })).map((c) => c.id)).toEqual(['a']);
    expect((await listCases(db, { waitingRole: 'unit' })).map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(await listCases(db, { waitingRole: 'car' })).toEqual([]);
  });

  it('should claim a due timer exactly once, and keep (case_id, key) unique', async () => {
    await insertCase(db, caseRow('c1'));
    const timer = { case_id: 'c1', key: 'review', due_at: T0, status: 'scheduled' as const, fired_at: null, created_at: T0, updated_at: T0 };
    await insertTimer(db, timer);
    await expect(insertTimer(db, timer)).rejects.toThrow(/UNIQUE|PRIMARY/);
    expect(await nextTimerDueAt(db)).toBe(T0);
    expect(await listDueTimers(db, '2025-03-06T04:59:59.999Z')).toEqual([]);
    expect(await listDueTimers(db, T0)).toHaveLength(1);
    expect(await claimTimer(db, 'c1', 'review', '2025-03-06T06:00:00.000Z', T0)).toBe(false); // moved
    expect(await claimTimer(db, 'c1', 'review', T0, T0)).toBe(true);
    expect(await claimTimer(db, 'c1', 'review', T0, T0)).toBe(false);
    expect(await nextTimerDueAt(db)).toBeUndefined();
  });

  it('should claim an outbox row once per attempt', async () => {
    await insertCase(db, caseRow('c1'));
    await insertOutbox(db, {
      id: 'm1',
      case_id: 'c1',
      event_seq: 1,
      kind: 'mail',
      template: 'acknowledgement',
      recipient: 'a@example.kz',
      language: 'ru',
      payload: '{}',
      status: 'queued',
      attempts: 0,
      next_attempt_at: T0,
      last_error: null,
      closes_deadline: null,
      created_at: T0,
      sent_at: null,
    });
    expect(await listDueMail(db, T0)).toHaveLength(1);
    expect(await claimOutbox(db, 'm1', 0, '2025-03-06T05:05:00.000Z')).toBe(true);
    expect(await claimOutbox(db, 'm1', 0, '2025-03-06T05:05:00.000Z')).toBe(false);
    expect(await listDueMail(db, T0)).toEqual([]);
    expect(await nextMailAttemptAt(db)).toBe('2025-03-06T05:05:00.000Z');
    await markOutboxSent(db, 'm1', T0);
    expect(await nextMailAttemptAt(db)).toBeUndefined();
  });

  it('should store and find idempotency keys', async () => {
    await insertIdempotencyKey(db, { key: 'k', request_hash: 'r', response_status: 201, response_body: '{}', case_id: null, created_at: T0 });
    expect(await findIdempotencyKey(db, 'k')).toMatchObject({ request_hash: 'r', response_status: 201 });
    expect(await findIdempotencyKey(db, 'other')).toBeUndefined();
  });

  it('should take the write lock at the start of a transaction', async () => {
    const trx = await db.startTransaction().execute();
    await acquireWriteLock(trx);
    const other = new SqliteDatabase(join(dir, 't.db'), { timeout: 10 });
    try {
      expect(() => other.prepare('begin immediate').run()).toThrow(/locked|busy/i);
      await trx.rollback().execute();
      other.prepare('begin immediate').run();
      other.prepare('rollback').run();
    } finally {
      other.close();
    }
  });
});

describe('sqlite: direct statements of a held write transaction', () => {
  let dir: string;
  let db: Db;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'direct-'));
    db = await openDatabase({ path: join(dir, 't.db') });
    await insertCase(db, caseRow('c1'));
    await insertEvent(db, event('c1', 1));
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run only for a transaction declared held, and read, update and append as the Kysely path does', async () => {
    expect(directStatement(db, 'select 1')).toBeUndefined();
    const trx = await db.startTransaction().execute();
    expect(directStatement(trx, 'select 1')).toBeUndefined();
    const viaKysely = await findCase(trx, 'c1');
    holdDirect(trx, db);
    try {
      expect(directStatement(trx, 'select 1')).toBeDefined();
      expect(await findCase(trx, 'c1')).toEqual(viaKysely);
      expect(await findCaseHead(trx, 'c1')).toEqual({ seq: 1, head_hash: 'h1' });
      expect(await findCase(trx, 'nope')).toBeUndefined();
      // The seq guard: a stale expected seq changes nothing.
      expect(await updateCaseIfSeq(trx, 'c1', 7, { seq: 8, state: 'x', updated_at: T0 })).toBe(false);
      expect(await updateCaseIfSeq(trx, 'c1', 1, { seq: 2, state: 'registered', head_hash: 'h2', updated_at: T0 }, viaKysely)).toBe(true);
      await insertEvent(trx, event('c1', 2));
      // The primary key still refuses a second event at the same seq.
      await expect(insertEvent(trx, event('c1', 2))).rejects.toThrow(/UNIQUE|constraint/i);
    } finally {
      releaseDirect(trx);
    }
    expect(directStatement(trx, 'select 1')).toBeUndefined();
    await trx.commit().execute();
    expect(await findCase(db, 'c1')).toMatchObject({ seq: 2, state: 'registered', head_hash: 'h2' });
    expect((await listEvents(db, 'c1')).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('should leave a column it does not know to the Kysely path', async () => {
    const trx = await db.startTransaction().execute();
    holdDirect(trx, db);
    try {
      // `created_at` is not among the columns the direct update may name.
      expect(await updateCaseIfSeq(trx, 'c1', 1, { seq: 2, created_at: '2025-01-01T00:00:00.000Z' })).toBe(true);
    } finally {
      releaseDirect(trx);
    }
    await trx.commit().execute();
    expect(await findCase(db, 'c1')).toMatchObject({ seq: 2, created_at: '2025-01-01T00:00:00.000Z' });
  });
});
