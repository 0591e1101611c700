import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

/**
 * Reads of personal data (issue 13, "Who reads what"). Frozen: never edit, add a new file.
 *
 * - `case_reads`: one row per case a person was shown unredacted (who, under which role,
 *   which route, when). Append-only like the events; written in the commit queue's batches
 *   (engine/reads.ts), listed by the auditor (`GET /cases/{id}/reads`, `audit reads`).
 *   `case_reads_case` serves the listing of one case, in order.
 * - `idempotency_keys_created`: the periodic purge of stored answers older than
 *   IDEMPOTENCY_RETENTION (they hold full case views) deletes by `created_at`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('case_reads')
    .$call(autoIncrementId(db))
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_reads_case').on('case_reads').columns(['case_id', 'id']).execute();
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
}
