import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as initial from './2026_11_26_000100_initial.js';
import * as workQueueIndexes from './2026_11_26_000200_work_queue_indexes.js';
import * as units from './2026_12_01_000300_units.js';
import * as undelivered from './2026_12_01_000400_undelivered.js';
import * as backdating from './2026_12_01_000500_backdating.js';
import * as reads from './2026_12_02_000600_reads.js';
import * as listIndexes from './2026_12_02_000700_list_indexes.js';
import * as searchDueStats from './2026_12_02_000800_search_due_stats.js';
import * as notifications from './2026_12_03_000900_notifications.js';
import * as deadlineLedger from './2026_12_03_001000_deadline_ledger.js';
import * as feedTokens from './2026_12_03_001100_feed_tokens.js';
import * as calendarVersions from './2026_12_03_001200_calendar_versions.js';
import * as transparencyLog from './2026_12_04_001300_transparency_log.js';
import * as batchSerial from './2026_12_06_001500_batch_serial.js';
import * as casesHotUpdates from './2026_12_06_001600_cases_hot_updates.js';
import * as siteContent from './2026_12_07_001700_site_content.js';
import * as partUnits from './2026_12_07_001800_part_units.js';
import * as casesDerivedColumns from './2026_12_08_001900_cases_derived_columns.js';
import * as casesInlineRows from './2026_12_08_002000_cases_inline_rows.js';

/**
 * Every migration by name, in order. A static map (not `FileMigrationProvider`) so the
 * Migrator works the same under tsx, vitest and a bundle. Append new entries; never
 * rename or remove one.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_26_000100_initial': initial,
  '2026_11_26_000200_work_queue_indexes': workQueueIndexes,
  '2026_12_01_000300_units': units,
  '2026_12_01_000400_undelivered': undelivered,
  '2026_12_01_000500_backdating': backdating,
  '2026_12_02_000600_reads': reads,
  '2026_12_02_000700_list_indexes': listIndexes,
  '2026_12_02_000800_search_due_stats': searchDueStats,
  '2026_12_03_000900_notifications': notifications,
  '2026_12_03_001000_deadline_ledger': deadlineLedger,
  '2026_12_03_001100_feed_tokens': feedTokens,
  '2026_12_03_001200_calendar_versions': calendarVersions,
  '2026_12_04_001300_transparency_log': transparencyLog,
  '2026_12_06_001500_batch_serial': batchSerial,
  '2026_12_06_001600_cases_hot_updates': casesHotUpdates,
  '2026_12_07_001700_site_content': siteContent,
  '2026_12_07_001800_part_units': partUnits,
  '2026_12_08_001900_cases_derived_columns': casesDerivedColumns,
  '2026_12_08_002000_cases_inline_rows': casesInlineRows,
};

/**
 * Runs every pending migration (forward only), on either dialect (Kysely's migrator locks
 * its own table against a second process). `schema`: PostgreSQL's schema of the tables
 * (`current_schema()`), where the migrator's own tables go too; without it Kysely would
 * take another schema's `kysely_migration` table for this one's.
 */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
  });
  return migrator.migrateToLatest();
}
