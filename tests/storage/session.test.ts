/** storage/session.ts: query templates built and compiled once per builder, bound to new values per run. */
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, IdempotencyRow } from '../../storage/schema.js';
import { affected, columnsOf, slotsFor, template } from '../../storage/session.js';
import { migrateToLatest } from '../../storage/sqlite/sqlite-storage.js';

const newBuilder = () => new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });

const IDEMPOTENCY_COLUMNS = columnsOf<IdempotencyRow>({
  key: true,
  request_hash: true,
  response_status: true,
  response_body: true,
  case_id: true,
  created_at: true,
});

describe('storage session templates', () => {
  let db: Kysely<Database>;
  beforeEach(() => {
    db = newBuilder();
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('should bind the parameters in the order of the placeholders, whatever the key order of the arguments', () => {
    const t = template<{ id: string; seq: number }>((b, p) => b.selectFrom('cases').selectAll().where('seq', '=', p.seq).where('id', '=', p.id));
    expect(t.bind(db, { id: 'c1', seq: 3 }).parameters).toEqual([3, 'c1']);
    expect(t.bind(db, { seq: 4, id: 'c2' }).parameters).toEqual([4, 'c2']);
    const reversed = template<{ id: string; seq: number }>((b, p) => b.selectFrom('cases').selectAll().where('id', '=', p.id).where('seq', '=', p.seq));
    expect(reversed.bind(db, { seq: 4, id: 'c2' }).parameters).toEqual(['c2', 4]);
  });

  it('should bind one argument used twice at both of its places', () => {
    const t = template<{ at: string }>((b, p) => b.selectFrom('timers').selectAll().where('due_at', '<=', p.at).where('updated_at', '<=', p.at));
    expect(t.bind(db, { at: '2025-03-06T05:00:00.000Z' }).parameters).toEqual(['2025-03-06T05:00:00.000Z', '2025-03-06T05:00:00.000Z']);
  });

  it('should keep the constants the builder put in, in their places among the bound values', () => {
    const t = template<{ id: string }>((b, p) => b.selectFrom('cases').selectAll().where('status', '=', 'active').where('id', '=', p.id).where('seq', '>', 7));
    const q = t.bind(db, { id: 'c9' });
    expect(q.parameters).toEqual(['active', 'c9', 7]);
    expect(t.bind(db, { id: 'c10' }).parameters).toEqual(['active', 'c10', 7]);
  });

  it('should throw naming a missing argument', () => {
    const t = template<{ id: string; seq: number }>((b, p) => b.selectFrom('cases').selectAll().where('id', '=', p.id).where('seq', '=', p.seq));
    expect(() => t.bind(db, { id: 'c1' } as unknown as { id: string; seq: number })).toThrow('template argument seq is missing');
    expect(() => t.bind(db, { id: undefined, seq: 1 } as unknown as { id: string; seq: number })).toThrow('template argument id is missing');
  });

  it('should bind null as a value (only an absent argument is missing)', () => {
    const t = template<{ due: string | null }>((b, p) => b.selectFrom('cases').selectAll().where('next_due_at', 'is', p.due));
    expect(t.bind(db, { due: null }).parameters).toEqual([null]);
  });

  it('should build and compile once per builder, returning the same SQL on every bind', async () => {
    let builds = 0;
    const t = template<{ id: string }>((b, p) => {
      builds++;
      return b.selectFrom('cases').select(['id', 'seq']).where('id', '=', p.id);
    });
    const first = t.bind(db, { id: 'a' });
    const second = t.bind(db, { id: 'b' });
    expect(builds).toBe(1);
    expect(second.sql).toBe(first.sql);
    expect(second.query).toBe(first.query);
    expect(first.sql).toBe('select "id", "seq" from "cases" where "id" = ?');
    expect([first.parameters, second.parameters]).toEqual([['a'], ['b']]);

    const other = newBuilder();
    try {
      expect(t.bind(other, { id: 'c' }).sql).toBe(first.sql);
      expect(builds).toBe(2);
      t.bind(other, { id: 'd' });
      t.bind(db, { id: 'e' });
      expect(builds).toBe(2);
    } finally {
      await other.destroy();
    }
  });

  it('should list every column with columnsOf, in the order given', () => {
    expect(IDEMPOTENCY_COLUMNS).toEqual(['key', 'request_hash', 'response_status', 'response_body', 'case_id', 'created_at']);
  });

  it('should make an insert of every column with slotsFor, bound in column order, that round-trips', async () => {
    expect((await migrateToLatest(db)).error).toBeUndefined();
    const INSERT = template<IdempotencyRow>((b, p) => b.insertInto('idempotency_keys').values(slotsFor(p, IDEMPOTENCY_COLUMNS)));
    const row: IdempotencyRow = {
      created_at: '2025-03-06T05:00:00.000Z',
      case_id: null,
      response_body: '{"ok":true}',
      response_status: 201,
      request_hash: 'h'.repeat(64),
      key: 'k1',
    };
    const q = INSERT.bind(db, row);
    expect(q.sql).toBe(
      'insert into "idempotency_keys" ("key", "request_hash", "response_status", "response_body", "case_id", "created_at") values (?, ?, ?, ?, ?, ?)',
    );
    expect(q.parameters).toEqual(['k1', 'h'.repeat(64), 201, '{"ok":true}', null, '2025-03-06T05:00:00.000Z']);
    const r = await db.executeQuery(q);
    expect(affected(r)).toBe(1);
    expect(await db.selectFrom('idempotency_keys').selectAll().execute()).toEqual([row]);
    await db.executeQuery(INSERT.bind(db, { ...row, key: 'k2', case_id: 'c1' }));
    expect((await db.selectFrom('idempotency_keys').select(['key', 'case_id']).orderBy('key').execute())).toEqual([
      { key: 'k1', case_id: null },
      { key: 'k2', case_id: 'c1' },
    ]);
  });

  it('should count affected rows, 0 when the driver did not say', () => {
    expect(affected({ rows: [], numAffectedRows: 3n })).toBe(3);
    expect(affected({ rows: [] })).toBe(0);
  });
});
