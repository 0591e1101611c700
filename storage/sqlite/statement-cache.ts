/**
 * Prepared statements reused per SQL text, shared by Kysely's driver (reads outside a
 * batch, BEGIN/COMMIT) and the batch session (storage/sqlite/storage.ts). Compiling SQL in
 * SQLite costs more than running these small statements; Kysely's SQLite driver would
 * prepare every query anew.
 *
 * Every statement also tells the storage's health record about write failures and good
 * commits, so `health()` can tell a full or read-only disk from a healthy one without a
 * test write while writes succeed.
 */
import type SqliteDatabase from 'better-sqlite3';
import { isWriteFailure, driverCode } from './errors.js';

/** What `health` knows about the last writes. */
export interface WriteHealth {
  /** The driver code of the last failed write, until a commit succeeds. */
  failure: string | undefined;
}

/** The subset of a better-sqlite3 statement the storage uses. */
export type CachedStatement = Pick<SqliteDatabase.Statement, 'reader' | 'all' | 'run' | 'iterate'>;

export interface StatementCache {
  prepare(text: string): CachedStatement;
  /** Drops the statements and closes the connection (Kysely's driver calls it on destroy). */
  close(): void;
}

export function statementCache(sqlite: SqliteDatabase.Database, health: WriteHealth, onClose: () => void, limit = 500): StatementCache {
  const cache = new Map<string, CachedStatement>();
  return {
    prepare(text) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = observed(sqlite.prepare(text), /^\s*commit\b/i.test(text), health);
        if (cache.size >= limit) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      onClose();
      sqlite.close();
    },
  };
}

function observed(stmt: SqliteDatabase.Statement, isCommit: boolean, health: WriteHealth): CachedStatement {
  const watch = <T>(fn: () => T): T => {
    try {
      const r = fn();
      if (isCommit) health.failure = undefined;
      return r;
    } catch (e) {
      if (isWriteFailure(e)) health.failure = driverCode(e);
      throw e;
    }
  };
  return {
    reader: stmt.reader,
    all: (...params: unknown[]) => watch(() => stmt.all(...params)),
    run: (...params: unknown[]) => watch(() => stmt.run(...params)),
    iterate: (...params: unknown[]) => stmt.iterate(...params),
  } as CachedStatement;
}
