/**
 * PostgreSQL's `cases.search_words` and `cases.closed_late` (migration 001900,
 * storage/postgres/derived.ts): computed by the statements that write a case instead of
 * stored generated columns. Every writer leaves them exactly what migration 000800's
 * generation expressions give for the row (the reference below is those expressions,
 * copied from the migration, not from derived.ts): the repository's insert, its
 * `insertMany`, its update, and the batch's write buffer; a case whose context did not
 * change keeps its words; the migration keeps every stored value and the indexes.
 */
import fc from 'fast-check';
import { Kysely, Migrator, PostgresDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../storage/migrations/index.js';
import { PostgresStorage, type CaseRecord } from '../../storage/index.js';
import { caseRecord } from '../helpers/records.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';

/** Migration 000800's generation expressions for `search_words` and `closed_late`, verbatim. */
const FIELD = (path: string) => `coalesce(context::jsonb #>> '{${path}}', '')`;
const REF_WORDS = `lower(trim(${['registrationNumber', 'applicant,name', 'author,name', 'title', 'text'].map(FIELD).join(` || ' ' || `)}))`;
const REF_LATE = `case when status = 'done' and (strpos(context, '"status":"met_late"') > 0 or strpos(context, '"status":"missed"') > 0) then 1 else 0 end`;

interface Derived {
  id: string;
  search_words: string | null;
  closed_late: number | null;
  ref_words: string;
  ref_late: number;
}

async function derived(k: Kysely<any>, ids?: readonly string[]): Promise<Derived[]> {
  const where = ids ? sql`where id = any(${[...ids]}::text[])` : sql``;
  const { rows } = await sql<Derived>`select id, search_words, closed_late, ${sql.raw(REF_WORDS)} as ref_words, ${sql.raw(REF_LATE)} as ref_late
    from cases ${where} order by id`.execute(k);
  return rows;
}

/** The rows whose stored columns differ from the reference (none, if every writer computed them). */
const wrong = (rows: Derived[]) => rows.filter((r) => r.search_words !== r.ref_words || r.closed_late !== r.ref_late);

const words = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('Сапарова Айгерим', 'ВХ-77', 'O\'Brien "quoted"', 'back\\slash', '  padded  ', 'ÄÖ İstanbul', ''),
);
const person = fc.option(fc.record({ name: fc.option(words, { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined });
const deadlineStatus = fc.constantFrom('pending', 'met', 'met_late', 'missed');
/** A context as the machines write it, with the five fields of the search each maybe absent. */
const context = fc
  .record(
    {
      registrationNumber: fc.option(words, { nil: undefined }),
      applicant: person,
      author: person,
      title: fc.option(words, { nil: undefined }),
      text: fc.option(words, { nil: undefined }),
      deadlines: fc.array(fc.record({ key: fc.constantFrom('answer', 'publish'), status: deadlineStatus }), { maxLength: 3 }),
    },
    { requiredKeys: ['deadlines'] },
  )
  .map((o) => JSON.stringify(o));
const status = fc.constantFrom<CaseRecord['status'][]>('active', 'done');

let db: TestDatabase;
let storage: PostgresStorage;
let k: Kysely<any>;
beforeAll(async () => {
  db = await createTestDatabase();
  storage = await PostgresStorage.open({ url: db.url });
  k = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }) });
});
afterAll(async () => {
  await k.destroy();
  await storage.close();
  await db.drop();
});

let n = 0;
describe('search_words and closed_late on PostgreSQL', () => {
  it('are plain columns now, still indexed', async () => {
    const { rows } = await sql<{ column_name: string; is_generated: string }>`select column_name, is_generated from information_schema.columns
      where table_schema = current_schema() and table_name = 'cases' and column_name in ('search_words', 'closed_late') order by column_name`.execute(k);
    expect(rows).toEqual([
      { column_name: 'closed_late', is_generated: 'NEVER' },
      { column_name: 'search_words', is_generated: 'NEVER' },
    ]);
    const idx = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'cases' and indexname in ('cases_search', 'cases_closed_stats') order by 1`.execute(k);
    expect(idx.rows.map((r) => r.indexname)).toEqual(['cases_closed_stats', 'cases_search']);
  });

  it('equal the generation expressions after every writer: insert, insertMany, update, the batch’s buffered update', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(context, status), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.option(context, { nil: undefined }), fc.option(status, { nil: undefined })), { minLength: 4, maxLength: 4 }),
        async (cases, changes) => {
          const batchId = ++n;
          const records = cases.map(([contextJson, st], i): CaseRecord => caseRecord(`d${batchId}-${i}`, { contextJson, status: st }));
          const [first, ...rest] = records;
          await storage.read.cases.insert(first!);
          if (rest.length > 0) await storage.read.cases.insertMany(rest);
          const ids = records.map((r) => r.id);
          expect(wrong(await derived(k, ids))).toEqual([]);

          // The repository's own update (changed columns only), then the batch's write buffer.
          const changed = (r: CaseRecord, j: number): CaseRecord => {
            const [c, s] = changes[(j + records.indexOf(r)) % changes.length]!;
            return { ...r, seq: r.seq + 1, headHash: `h${r.seq + 1}`, ...(c !== undefined ? { contextJson: c } : {}), ...(s !== undefined ? { status: s } : {}) };
          };
          const once = records.map((r) => changed(r, 0));
          for (const [i, next] of once.entries()) expect(await storage.read.cases.updateIfSeq(records[i]!.seq, next, records[i])).toBe(true);
          expect(wrong(await derived(k, ids))).toEqual([]);

          const twice = once.map((r) => changed(r, 1));
          const batch = await storage.beginBatch();
          const done = twice.map((next, i) => batch.repos.cases.updateIfSeq(once[i]!.seq, next, once[i]));
          await batch.commit();
          expect(await Promise.all(done)).toEqual(twice.map(() => true));
          expect(wrong(await derived(k, ids))).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps the words of a case whose context did not change, and sets closed_late when it closes late', async () => {
    const ctx = JSON.stringify({ applicant: { name: 'Ким Ольга' }, deadlines: [{ key: 'answer', status: 'met_late' }] });
    const rec = caseRecord('keep', { contextJson: ctx });
    await storage.read.cases.insert(rec);
    expect(await derived(k, ['keep'])).toMatchObject([{ search_words: 'ким ольга', closed_late: 0 }]);
    // Words the writers would never compute: kept as they are by updates that leave the context alone…
    await sql`update cases set search_words = 'sentinel' where id = 'keep'`.execute(k);
    const closed: CaseRecord = { ...rec, seq: 2, headHash: 'h2', status: 'done' };
    expect(await storage.read.cases.updateIfSeq(1, closed, rec)).toBe(true);
    expect(await derived(k, ['keep'])).toMatchObject([{ search_words: 'sentinel', closed_late: 1 }]);
    const batch = await storage.beginBatch();
    const same = batch.repos.cases.updateIfSeq(2, { ...closed, seq: 3, headHash: 'h3', contextJson: ctx }, closed);
    await batch.commit();
    expect(await same).toBe(true);
    expect(await derived(k, ['keep'])).toMatchObject([{ search_words: 'sentinel', closed_late: 1 }]);
    // …and recomputed by one that changes it.
    const batch2 = await storage.beginBatch();
    const other = batch2.repos.cases.updateIfSeq(3, { ...closed, seq: 4, headHash: 'h4', contextJson: JSON.stringify({ title: 'Новое' }) }, closed);
    await batch2.commit();
    expect(await other).toBe(true);
    expect(await derived(k, ['keep'])).toMatchObject([{ search_words: 'новое', closed_late: 0 }]);
    expect((await storage.read.cases.list({ search: { text: 'нов' } })).map((c) => c.id)).toEqual(['keep']);
  });
});

describe('migration 001900', () => {
  it('keeps the values the generated columns stored, and the next writes compute them', async () => {
    const old = await createTestDatabase();
    const ok = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: old.url, max: 1 }) }) });
    try {
      const migrator = new Migrator({ db: ok, provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations } });
      expect((await migrator.migrateTo('2026_12_07_001800_part_units')).error).toBeUndefined();
      const contexts = {
        late: JSON.stringify({ registrationNumber: 'ВХ-1', deadlines: [{ status: 'missed' }] }),
        open: JSON.stringify({ author: { name: 'Блогер Ким' }, text: 'Вопрос' }),
      };
      for (const [id, context] of Object.entries(contexts)) {
        await ok
          .insertInto('cases')
          .values({ id, procedure: 'blog-question', machine_version: '1', snapshot: '{}', context, state: 's', status: id === 'late' ? 'done' : 'active', seq: 1, head_hash: 'h', next_due_at: null, waiting_roles: ',car,', last_staff_occurred_at: null, created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z' })
          .execute();
      }
      const before = await derived(ok);
      expect(before.map((r) => [r.id, r.search_words, r.closed_late])).toEqual([
        ['late', 'вх-1', 1],
        ['open', 'блогер ким  вопрос', 0],
      ]);
      const migrated = await PostgresStorage.open({ url: old.url });
      try {
        expect(await derived(ok)).toEqual(before);
        expect((await migrated.read.cases.list({ search: { text: 'блогер' } })).map((c) => c.id)).toEqual(['open']);
        const rec = (await migrated.read.cases.find('open'))!;
        const next: CaseRecord = { ...rec, seq: 2, headHash: 'h2', status: 'done', contextJson: JSON.stringify({ author: { name: 'Другой' }, deadlines: [{ status: 'met_late' }] }) };
        expect(await migrated.read.cases.updateIfSeq(1, next, rec)).toBe(true);
        expect(wrong(await derived(ok))).toEqual([]);
        expect((await derived(ok, ['open']))[0]).toMatchObject({ search_words: 'другой', closed_late: 1 });
      } finally {
        await migrated.close();
      }
    } finally {
      await ok.destroy();
      await old.drop();
    }
  });
});
