import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * PostgreSQL only (issue 17): a case's row stays in its heap page up to half a page
 * (`toast_tuple_target = 4080`) instead of PostgreSQL's default of about 2 KB. Frozen:
 * never edit, add a new file.
 *
 * A case's row is about 2.1 KB (the snapshot ~0.9 KB, the context ~0.8 KB in the bench),
 * just over the default target (2032 bytes): PostgreSQL then tries to compress its largest
 * values and, the JSON with its hashes and ids saving less than pglz's minimum of 25%
 * (stored uncompressed, as measured), moves the snapshot out to the TOAST table. Every
 * command rewrites the snapshot, so every command's update also inserted a TOAST
 * chunk and its index entry and left the old chunk dead. Measured with `auto_explain` on the
 * postgres bench's workload (the write buffer's update, per case, 5 s runs of ~9,000
 * updates): WAL records 4.93 → 2.88, WAL bytes 2,153 → 358 (a HOT update on the same page
 * logs only the changed middle of the row, a TOAST chunk is logged whole), the update's
 * execution 0.058 → 0.032 ms, the whole statement 0.100 → 0.073 ms. The requests per second
 * did not move measurably on the 2-core machine (alternating 10 s runs: 1.07, 0.87, 0.91,
 * 1.11): the engine's batches wait on more than this statement (bench/RESULTS.md).
 *
 * Half a page, not more: a row and its next version still fit on one page, so the update
 * stays HOT (migration 001600); a larger row is toasted down to that size as before. Rows
 * already toasted keep their chunks until their next update writes them inline.
 * SQLite has no TOAST: nothing changes there.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table cases set (toast_tuple_target = 4080)`.execute(db);
}
