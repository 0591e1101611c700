/**
 * The database file as another process or an insider sees it: tests that hold a lock from
 * outside, read what a commit made visible, tamper with rows, or break the database
 * (read-only, full). Apart from tests/storage/, this is the one test module that uses the
 * driver directly (eslint.config.js); everything else reads through the engine or the port.
 */
import SqliteDatabase from 'better-sqlite3';
import { SqliteStorage, type Storage } from '../../storage/index.js';

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
