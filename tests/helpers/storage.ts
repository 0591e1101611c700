/**
 * Test access to an engine's SQLite storage: the storage port for reads the engine does not
 * expose, and the raw connection for tests that play an insider with write access to the
 * file (tampering) or break the database (read-only, full).
 */
import type SqliteDatabase from 'better-sqlite3';
import { SqliteStorage, type Storage } from '../../storage/index.js';

export function sqliteOf(holder: { storage: Storage }): SqliteStorage {
  const s = holder.storage;
  if (!(s instanceof SqliteStorage)) throw new Error('this test needs the SQLite storage');
  return s;
}

/** Runs `fn` on the engine's own SQLite connection (outside any batch: call it when the engine is idle). */
export function onConnection<T>(holder: { storage: Storage }, fn: (db: SqliteDatabase.Database) => T): T {
  return sqliteOf(holder).withConnectionForTests(fn);
}
