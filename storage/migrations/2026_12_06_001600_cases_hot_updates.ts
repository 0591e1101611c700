import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * PostgreSQL only (issue 17): a command's update of its case becomes a HOT update (the new
 * row version on the same page, no index touched), measured 5.2 ms → 0.9 ms for the 25 cases
 * of a batch against the 27 indexes of `cases`. Frozen: never edit, add a new file.
 *
 * - No index may name `updated_at`, which every command changes (PostgreSQL 15 updates every
 *   index of a row if any indexed column changed): `cases_closed_stats` (migration 000800)
 *   becomes (status, procedure, unit, closed_late); the closed-case count reads each closed
 *   case's `updated_at` from the table, which is one row per case closed, not per event.
 * - `fillfactor = 50`: a page keeps room for the next version of its rows (a case is about
 *   2 KB and is rewritten by each of its commands). New pages only: a database migrated
 *   with cases in it packs them so until `VACUUM FULL cases`.
 *
 * SQLite has no such thing as HOT (it rewrites the indexes whose columns are in the SET list:
 * storage/repositories/cases.ts `updateIfSeq`): nothing changes there.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop index cases_closed_stats`.execute(db);
  await db.schema.createIndex('cases_closed_stats').on('cases').columns(['status', 'procedure', 'unit', 'closed_late']).execute();
  await sql`alter table cases set (fillfactor = 50)`.execute(db);
}
