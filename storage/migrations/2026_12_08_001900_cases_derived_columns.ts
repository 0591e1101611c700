import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * PostgreSQL only (issue 17): `cases.search_words` and `cases.closed_late` stop being stored
 * generated columns; the statements that write a case compute them (storage/postgres/derived.ts).
 * Frozen: never edit, add a new file.
 *
 * PostgreSQL 15 computes every stored generated column on every UPDATE of the row, whatever
 * the UPDATE changed, and `search_words` casts the context to jsonb five times. Every
 * command rewrites its case, so every command paid for it, although nearly none changes
 * those fields (a comment, a reminder, a step leave the names and the text as they were).
 * Measured in `EXPLAIN ANALYZE` of the write buffer's update of 22 cases of the bench
 * (storage/postgres/write-buffer.ts): about 1.8 ms with the generated columns, 0.8 ms with
 * plain ones. A BEFORE ROW trigger computing them only when the context changes was
 * measured too: about 2 ms (PostgreSQL locks each row a BEFORE trigger fires on).
 *
 * `ALTER COLUMN … DROP EXPRESSION` keeps every stored value and the indexes on the columns
 * (`cases_search`, `cases_closed_stats`): nothing is rewritten. SQLite keeps its FTS table
 * and its virtual `closed_late` (migration 000800).
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table cases alter column search_words drop expression, alter column closed_late drop expression`.execute(db);
}
