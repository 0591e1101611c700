import type { Kysely } from 'kysely';

/**
 * Installed business-calendar versions (issue 15 §4). Frozen: never edit, add a new file.
 *
 * - `calendar_versions`: every calendar data file installed into this database, in the
 *   order installed (`install_no`, 1, 2, …; the highest is the one every process computes
 *   with, install 1 is the baseline). `version` is calendars/index.ts `calendarDataVersion`
 *   of `data` (the validated JSON); the same version may be installed again later (a decree
 *   revoked: the older data becomes the newest again). `source`: where it came from
 *   (`shipped`: the repository's data file at start-up; `cli`: `npm run calendar -- apply`).
 * - `events.calendar_version`: the version an event's step was computed with, written only
 *   when it is not the baseline (so every older event and every golden hash stays as it
 *   was); part of the event's hash when present (engine/hash.ts). Replay folds each event
 *   with the calendar of its version (null: the baseline).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendar_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('install_no', 'integer', (c) => c.notNull().unique())
    .addColumn('calendar_id', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('installed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('events').addColumn('calendar_version', 'text').execute();
}
