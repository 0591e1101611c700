import { idempotencyFromRow, idempotencyToRow } from '../mappers.js';
import type { IdempotencyRepository } from '../port.js';
import type { IdempotencyRow } from '../schema.js';
import { affected, columnsOf, slotsFor, template, type QuerySession } from '../session.js';

const IDEMPOTENCYROW_COLUMNS = columnsOf<IdempotencyRow>({ key: true, request_hash: true, response_status: true, response_body: true, case_id: true, created_at: true });
const FIND = template<{ key: string }, IdempotencyRow>((db, p) => db.selectFrom('idempotency_keys').selectAll().where('key', '=', p.key));
const INSERT = template<IdempotencyRow>((db, p) => db.insertInto('idempotency_keys').values(slotsFor(p, IDEMPOTENCYROW_COLUMNS)));
/** The insert, or every column of the key's row replaced by the new one (`excluded`). */
const REPLACE = template<IdempotencyRow>((db, p) =>
  db
    .insertInto('idempotency_keys')
    .values(slotsFor(p, IDEMPOTENCYROW_COLUMNS))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        request_hash: eb.ref('excluded.request_hash'),
        response_status: eb.ref('excluded.response_status'),
        response_body: eb.ref('excluded.response_body'),
        case_id: eb.ref('excluded.case_id'),
        created_at: eb.ref('excluded.created_at'),
      })),
    ),
);

/**
 * The key as stored. PostgreSQL's text cannot hold U+0000, which the server's per-user keys
 * use as the separator (server/routes/cases.ts `scopedKey`): there a backslash is doubled
 * and U+0000 is written as a backslash and `0`, one to one, so distinct keys stay distinct. SQLite stores the key as it is
 * (keys stored before PostgreSQL existed still match).
 */
export function storedIdempotencyKey(dialect: QuerySession['dialect'], key: string): string {
  return dialect === 'postgres' ? key.replace(/[\\\0]/g, (c) => (c === '\\' ? '\\\\' : '\\0')) : key;
}

/** The key as the engine gave it (the inverse of `storedIdempotencyKey`). */
function keyOfStored(dialect: QuerySession['dialect'], stored: string): string {
  return dialect === 'postgres' ? stored.replace(/\\(\\|0)/g, (_m, c: string) => (c === '0' ? '\u0000' : '\\')) : stored;
}

export function idempotencyRepository(s: QuerySession): IdempotencyRepository {
  const stored = (record: Parameters<typeof idempotencyToRow>[0]) => ({ ...idempotencyToRow(record), key: storedIdempotencyKey(s.dialect, record.key) });
  return {
    async find(key) {
      const row = (await s.execute(FIND.bind(s.builder, { key: storedIdempotencyKey(s.dialect, key) }))).rows[0];
      return row ? { ...idempotencyFromRow(row), key: keyOfStored(s.dialect, row.key) } : undefined;
    },
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, stored(record)));
    },
    async replace(record) {
      await s.execute(REPLACE.bind(s.builder, stored(record)));
    },
    async purgeBefore(before) {
      return affected(await s.execute(s.builder.deleteFrom('idempotency_keys').where('created_at', '<', before).compile()));
    },
  };
}
