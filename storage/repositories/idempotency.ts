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

export function idempotencyRepository(s: QuerySession): IdempotencyRepository {
  return {
    async find(key) {
      const row = (await s.execute(FIND.bind(s.builder, { key }))).rows[0];
      return row ? idempotencyFromRow(row) : undefined;
    },
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, idempotencyToRow(record)));
    },
    async replace(record) {
      await s.execute(REPLACE.bind(s.builder, idempotencyToRow(record)));
    },
    async purgeBefore(before) {
      return affected(await s.execute(s.builder.deleteFrom('idempotency_keys').where('created_at', '<', before).compile()));
    },
  };
}
