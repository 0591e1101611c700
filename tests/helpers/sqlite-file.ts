/**
 * The database file as another process or an insider sees it: tests that hold a lock from
 * outside, read what a commit made visible, tamper with rows, or break the database
 * (read-only, full). Apart from tests/storage/, this is the one test module that uses the
 * driver directly (eslint.config.js); everything else reads through the engine or the port.
 */
import SqliteDatabase from 'better-sqlite3';
import { inject, it } from 'vitest';
import { SqliteStorage, type Storage } from '../../storage/index.js';

/**
 * True under `npm run test:postgres` (tests/helpers/postgres-global.ts provides the URL),
 * where every storage is PostgreSQL: a test of the SQLite file itself (a second connection,
 * a lock held from outside, rows rewritten with the driver, a full disk) does not apply
 * there. tests/postgres/ tests the same properties on PostgreSQL with its own means.
 */
export const onPostgres: boolean = Boolean(inject('pgTestUrl'));

/** `it` for a test of the SQLite file itself: run by `npm test`, not by the PostgreSQL run (see `onPostgres`). */
export const itSqlite: typeof it = it.skipIf(onPostgres) as typeof it;

export type SqliteFile = SqliteDatabase.Database;
export type SqliteStatement = SqliteDatabase.Statement;

/** A second connection to the file (another process, for the engine's purposes). */
export function openSqliteFile(path: string, options: { readonly?: boolean; timeout?: number } = {}): SqliteFile {
  return new SqliteDatabase(path, options);
}

export function sqliteOf(holder: { storage: Storage }): SqliteStorage {
  const s = holder.storage;
  if (!(s instanceof SqliteStorage)) throw new Error('this test needs the SQLite storage');
  return s;
}

/** Runs `fn` on the engine's own SQLite connection (outside any batch: call it when the engine is idle). */
export function onConnection<T>(holder: { storage: Storage }, fn: (db: SqliteFile) => T): T {
  return sqliteOf(holder).withConnectionForTests(fn);
}

/**
 * Drops the append-only tripwires (migration 001300's triggers), as an insider with the file
 * would before rewriting the record: tests that tamper with events call this first.
 */
export function dropTripwires(db: SqliteFile): void {
  const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[];
  for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
}
