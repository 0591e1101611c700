/**
 * Migration 000800 on the storage port: the search table kept in step with the case record
 * (created, changed, back-filled for the cases of an older database), and the dashboard's
 * counts (open, overdue, closed on time / late since a day) per procedure and unit.
 */
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { itSqlite } from '../helpers/sqlite-file.js';
import { migrations } from '../../storage/migrations/index.js';
import { openStorage, type CaseRecord, type Storage } from '../../storage/index.js';
import { tmpDir } from '../engine/fixtures/helpers.js';
import { caseRecord, deadline } from '../helpers/records.js';

let dir: string;
let cleanup: () => void;
let storage: Storage | undefined;
beforeEach(() => {
  ({ dir, cleanup } = tmpDir('search-stats-'));
});
afterEach(async () => {
  await storage?.close();
  storage = undefined;
  cleanup();
});

const ids = async (s: Storage, text: string) => (await s.read.cases.list({ search: { text } })).map((c) => c.id);
const ctx = (o: Record<string, unknown>) => JSON.stringify(o);

describe('cases_search', () => {
  it('finds a case by its words as created and as changed, in the same write', async () => {
    storage = await openStorage({ path: join(dir, 's.db') });
    const rec = caseRecord('a', { contextJson: ctx({ applicant: { name: 'Сапарова Айгерим' }, text: 'О субсидиях' }) });
    await storage.read.cases.insert(rec);
    expect(await ids(storage, 'сапаров')).toEqual(['a']);
    expect(await ids(storage, 'субсид')).toEqual(['a']);
    const next: CaseRecord = { ...rec, seq: 2, contextJson: ctx({ applicant: { name: 'Сапарова Айгерим' }, text: 'О субсидиях', registrationNumber: 'ВХ-77' }) };
    expect(await storage.read.cases.updateIfSeq(1, next, rec)).toBe(true);
    expect(await ids(storage, 'вх-77')).toEqual(['a']);
    expect(await ids(storage, 'нет такого')).toEqual([]);
    // A phrase with quotes is text, not FTS syntax.
    expect(await ids(storage, '"OR*')).toEqual([]);
  });

  itSqlite('back-fills the cases of a database migrated from 000700', async () => {
    const path = join(dir, 'old.db');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations } });
    expect((await migrator.migrateTo('2026_12_02_000700_list_indexes')).error).toBeUndefined();
    await db
      .insertInto('cases')
      .values({ id: 'old', procedure: 'blog-question', machine_version: '1', snapshot: '{}', context: ctx({ author: { name: 'Блогер Ким' } }), state: 's', status: 'active', seq: 1, head_hash: 'h', next_due_at: null, waiting_roles: ',car,', last_staff_occurred_at: null, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' })
      .execute();
    await db.destroy();
    storage = await openStorage({ path });
    expect(await ids(storage, 'блогер')).toEqual(['old']);
  });
});

describe('case stats', () => {
  it('counts open, overdue, and closed since a day on time or late, per procedure and unit', async () => {
    storage = await openStorage({ path: join(dir, 'c.db') });
    const now = '2025-03-20T05:00:00.000Z';
    const since = '2025-02-28T19:00:00.000Z';
    const met = deadline('review', '2025-03-10T19:00:00.000Z', { open: false, status: 'met' });
    const late = deadline('review', '2025-03-10T19:00:00.000Z', { open: false, status: 'met_late' });
    const rows: CaseRecord[] = [
      caseRecord('o1', { procedure: 'p', unit: 'U', nextDueAt: '2025-03-19T19:00:00.000Z' }),
      caseRecord('o2', { procedure: 'p', unit: 'U', nextDueAt: '2025-03-25T19:00:00.000Z' }),
      caseRecord('o3', { procedure: 'p', nextDueAt: null }),
      caseRecord('d1', { procedure: 'p', unit: 'U', status: 'done', contextJson: ctx({ deadlines: { review: met } }), updatedAt: '2025-03-12T05:00:00.000Z' }),
      caseRecord('d2', { procedure: 'p', unit: 'U', status: 'done', contextJson: ctx({ deadlines: { review: late } }), updatedAt: '2025-03-12T05:00:00.000Z' }),
      // Closed last month: not counted.
      caseRecord('d3', { procedure: 'p', unit: 'U', status: 'done', contextJson: ctx({ deadlines: { review: late } }), updatedAt: '2025-02-12T05:00:00.000Z' }),
    ];
    await storage.read.cases.insertMany(rows);
    expect(await storage.read.cases.stats(now, since)).toEqual([
      { procedure: 'p', unit: null, open: 1, overdue: 0, closedOnTime: 0, closedLate: 0 },
      { procedure: 'p', unit: 'U', open: 2, overdue: 1, closedOnTime: 1, closedLate: 1 },
    ]);
  });
});
