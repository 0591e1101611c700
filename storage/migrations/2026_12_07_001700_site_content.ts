import { sql, type Kysely } from 'kysely';
import { autoIncrementId, createRefusalFunction, isPostgres } from './dialect.js';

/**
 * The register of the site's mandatory content (issue 18 §3, Правила п. 9). Frozen: never
 * edit, add a new file.
 *
 * - `site_content_revisions`: every change of a kind's entry (its page URL and responsible
 *   unit) as a new row, numbered per kind from 1 (`revision`); the current entry is the
 *   highest revision. Who changed it, in which role and when are columns of the row, so the
 *   register's whole history stays answerable ("since when has this page been named?").
 * - `site_content_revisions_kind`: (kind, revision) unique: two writers that read the same
 *   revision cannot both add the next one (the second is refused; the engine checks the
 *   HTTP `If-Match` against the current revision first, in the same transaction).
 * - Tripwires: UPDATE, DELETE (and on PostgreSQL TRUNCATE) are refused by triggers, as on
 *   the history (migration 001300): a mistake is corrected by a later revision.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('site_content_revisions')
    .$call(autoIncrementId(db))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('unit', 'text')
    .addColumn('note', 'text')
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('site_content_revisions_kind').unique().on('site_content_revisions').columns(['kind', 'revision']).execute();
  const message = 'site_content_revisions is append-only: a mistake is corrected by a later revision (migration 001700)';
  if (isPostgres(db)) {
    await createRefusalFunction(db);
    for (const verb of ['UPDATE', 'DELETE', 'TRUNCATE'] as const) {
      await sql
        .raw(
          `CREATE TRIGGER site_content_revisions_no_${verb.toLowerCase()} BEFORE ${verb} ON site_content_revisions ` +
            `FOR EACH ${verb === 'TRUNCATE' ? 'STATEMENT' : 'ROW'} EXECUTE FUNCTION refuse_change('${message}')`,
        )
        .execute(db);
    }
    return;
  }
  for (const verb of ['UPDATE', 'DELETE'] as const) {
    await sql
      .raw(`CREATE TRIGGER site_content_revisions_no_${verb.toLowerCase()} BEFORE ${verb} ON site_content_revisions BEGIN SELECT RAISE(ABORT, '${message}'); END`)
      .execute(db);
  }
}
