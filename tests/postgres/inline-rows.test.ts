/**
 * Migration 002000 (storage/migrations/2026_12_08_002000_cases_inline_rows.ts): a case's
 * row up to half a page stays in its heap page, uncompressible snapshot and all, through its
 * insert and its updates (the repository's and the batch's write buffer), so a command's
 * update writes no TOAST chunk; a larger row is still moved out and reads back the same.
 */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage, type CaseRecord } from '../../storage/index.js';
import { caseRecord } from '../helpers/records.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';

let db: TestDatabase;
let storage: PostgresStorage;
let k: Kysely<any>;
beforeAll(async () => {
  db = await createTestDatabase();
  storage = await PostgresStorage.open({ url: db.url });
  k = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) }) });
});
afterAll(async () => {
  await k.destroy();
  await storage.close();
  await db.drop();
});

/** JSON of about `bytes` bytes that pglz cannot compress (random base64), as a hash-laden snapshot barely compresses. */
const noise = (bytes: number) => JSON.stringify({ hashes: randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64') });

/** Rows in the TOAST table of `cases` (chunks of values moved out of their row). */
async function toastRows(): Promise<number> {
  const { rows } = await sql<{ t: string }>`select reltoastrelid::regclass::text as t from pg_class where oid = 'cases'::regclass`.execute(k);
  const { rows: n } = await sql<{ n: string }>`select count(*) as n from ${sql.raw(rows[0]!.t)}`.execute(k);
  return Number(n[0]!.n);
}

/** The bytes of the case's snapshot and context (as text, whether in the row or moved out). */
async function jsonBytes(id: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select octet_length(snapshot) + octet_length(context) as n from cases where id = ${id}`.execute(k);
  return Number(rows[0]!.n);
}

describe('a case row on PostgreSQL (migration 002000)', () => {
  it('is kept in its page up to half a page: 3 KB of uncompressible snapshot and context, inserted and updated, write no TOAST chunk', async () => {
    expect((await sql<{ o: string[] }>`select reloptions as o from pg_class where oid = 'cases'::regclass`.execute(k)).rows[0]!.o).toEqual(
      expect.arrayContaining(['toast_tuple_target=4080']),
    );
    const toastBefore = await toastRows();
    const rec = caseRecord('inline', { snapshotJson: noise(1600), contextJson: noise(1400) });
    await storage.read.cases.insert(rec);
    expect(await jsonBytes('inline')).toBeGreaterThan(3000);
    let prev: CaseRecord = rec;
    for (let seq = 2; seq <= 4; seq++) {
      const next: CaseRecord = { ...prev, seq, headHash: `h${seq}`, snapshotJson: noise(1600) };
      if (seq === 2) expect(await storage.read.cases.updateIfSeq(prev.seq, next, prev)).toBe(true);
      else {
        const batch = await storage.beginBatch();
        const ok = batch.repos.cases.updateIfSeq(prev.seq, next, prev);
        await batch.commit();
        expect(await ok).toBe(true);
      }
      prev = next;
    }
    expect(await toastRows()).toBe(toastBefore);
    expect(await storage.read.cases.find('inline')).toEqual(prev);
  });

  it('still moves a larger row’s values out, and reads them back the same', async () => {
    const toastBefore = await toastRows();
    const rec = caseRecord('large', { snapshotJson: noise(12_000), contextJson: noise(2_000) });
    await storage.read.cases.insert(rec);
    expect(await toastRows()).toBeGreaterThan(toastBefore);
    expect(await jsonBytes('large')).toBeGreaterThan(14_000);
    expect(await storage.read.cases.find('large')).toEqual(rec);
  });
});
