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
 * The key as PostgreSQL stores it: its text cannot hold U+0000, which the server puts
 * between the user and the client's key (server/routes/cases.ts `scopedKey`), so `%` and
 * U+0000 are written `%25` and `%00` there (one-to-one). SQLite stores the key as it is.
 */
const pgKey = (key: string) => key.replaceAll('%', '%25').replaceAll('\u0000', '%00');
const pgKeyBack = (key: string) => key.replace(/%(25|00)/g, (_, h: string) => (h === '25' ? '%' : '\u0000'));

export function idempotencyRepository(s: QuerySession): IdempotencyRepository {
  const toStored = s.dialect === 'postgres' ? pgKey : (k: string) => k;
  const fromStored = s.dialect === 'postgres' ? pgKeyBack : (k: string) => k;
  const toRow = (record: Parameters<IdempotencyRepository['insert']>[0]) => ({ ...idempotencyToRow(record), key: toStored(record.key) });
  return {
    async find(key) {
      const row = (await s.execute(FIND.bind(s.builder, { key: toStored(key) }))).rows[0];
      return row ? idempotencyFromRow({ ...row, key: fromStored(row.key) }) : undefined;
    },
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, toRow(record)));
    },
    async replace(record) {
      await s.execute(REPLACE.bind(s.builder, toRow(record)));
    },
    async purgeBefore(before) {
      return affected(await s.execute(s.builder.deleteFrom('idempotency_keys').where('created_at', '<', before).compile()));
    },
  };
}
