/**
 * Migration 000900 on a database of the previous version, with foreign keys on (as the
 * storage opens it): the outbox and its delivery attempts are rebuilt with every row, id
 * and order kept; `case_id` may be null afterwards (a digest), and the foreign keys still hold.
 */
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { itSqlite } from '../helpers/sqlite-file.js';
import { migrations } from '../../storage/migrations/index.js';
import { openStorage } from '../../storage/index.js';
import { tmpDir } from '../engine/fixtures/helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tmpDir('notifications-migration-'));
});
afterEach(() => cleanup());

const outboxRow = (id: string, status: string) => ({
  id,
  case_id: 'c1',
  event_seq: 1,
  kind: 'mail',
  template: 'acknowledgement',
  recipient: 'a@example.kz',
  language: 'ru',
  payload: '{}',
  status,
  attempts: 1,
  next_attempt_at: '2025-03-06T05:00:00.000Z',
  last_error: null,
  closes_deadline: null,
  created_at: '2025-03-06T05:00:00.000Z',
  sent_at: null,
  resent_at_attempt: 0,
});

describe('migration 2026_12_03_000900_notifications', () => {
  itSqlite('should rebuild the outbox with a nullable case_id, keeping every message and attempt', async () => {
    const path = join(dir, 'old.sqlite');
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations } });
    expect((await migrator.migrateTo('2026_12_02_000800_search_due_stats')).error).toBeUndefined();
    await db
      .insertInto('cases')
      .values({ id: 'c1', procedure: 'feedback-inquiry', machine_version: '1.0.0', snapshot: '{}', context: '{}', state: 's', status: 'active', seq: 1, head_hash: 'h', waiting_roles: ',,', created_at: 'x', updated_at: 'x' })
      .execute();
    await db.insertInto('outbox').values([outboxRow('c1:1:0', 'sent'), outboxRow('c1:1:1', 'queued')]).execute();
    await db.insertInto('delivery_attempts').values({ outbox_id: 'c1:1:0', attempt: 1, started_at: 'a', finished_at: 'b', outcome: 'sent', error: null, response: '250' }).execute();
    await db.destroy();

    const storage = await openStorage({ path, synchronous: 'NORMAL', backgroundCheckpoints: false });
    const check = new SqliteDatabase(path, { readonly: true });
    const ddl = (name: string) => (check.prepare('select sql from sqlite_master where name = ?').get(name) as { sql: string }).sql;
    expect(ddl('delivery_attempts')).toMatch(/references "outbox" \("id"\)/);
    expect(ddl('outbox')).toMatch(/"case_id" text references "cases" \("id"\),/);
    check.close();
    try {
      expect((await storage.read.outbox.listForCase('c1')).map((m) => [m.id, m.status])).toEqual([
        ['c1:1:0', 'sent'],
        ['c1:1:1', 'queued'],
      ]);
      expect(await storage.read.outbox.listAttempts('c1:1:0')).toEqual([
        { outboxId: 'c1:1:0', attempt: 1, startedAt: 'a', finishedAt: 'b', outcome: 'sent', error: null, response: '250' },
      ]);
      const batch = await storage.beginBatch();
      const digest = { ...outboxRow('digest:2025-03-06:x', 'queued') };
      const inserted = await batch.repos.outbox.insertOnce({
        id: digest.id,
        caseId: null,
        eventSeq: 0,
        kind: 'staff_mail',
        template: 'staff_digest',
        recipient: 'dana@corp.kz',
        language: 'ru',
        payloadJson: '{}',
        status: 'queued',
        attempts: 0,
        nextAttemptAt: '2025-03-06T05:00:00.000Z',
        lastError: null,
        closesDeadline: null,
        createdAt: '2025-03-06T05:00:00.000Z',
        sentAt: null,
      });
      expect(inserted).toBe(true);
      // The foreign keys still hold: an attempt of no message is refused.
      await expect(
        batch.repos.outbox.insertAttempt({ outboxId: 'nope', attempt: 1, startedAt: 'a', finishedAt: 'b', outcome: 'sent', error: null, response: null }),
      ).rejects.toThrow();
      await batch.commit();
      // The digest waits behind nothing and the queued case mail is still in its turn.
      expect((await storage.read.outbox.listDueMail('2025-03-07T00:00:00.000Z')).map((m) => m.id).sort()).toEqual(['c1:1:1', 'digest:2025-03-06:x']);
    } finally {
      await storage.close();
    }
  });
});
