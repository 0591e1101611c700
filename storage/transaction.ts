import { sql, type Transaction } from 'kysely';
import { directStatement } from './connection.js';
import type { Database } from './database.js';

/**
 * Takes the database write lock at the start of a transaction (SQLite's `BEGIN IMMEDIATE`
 * semantics; Kysely begins deferred). A write statement locks when it starts, even if it
 * matches no row, so this portable no-op does it; the busy_timeout applies here. Without
 * it, a transaction that read first could fail to upgrade to a writer (SQLITE_BUSY_SNAPSHOT)
 * when another process wrote in between. On PostgreSQL it is a harmless no-op.
 */
export async function acquireWriteLock(trx: Transaction<Database>): Promise<void> {
  const direct = directStatement(trx, `delete from "idempotency_keys" where "key" = '' and "key" <> ''`);
  if (direct) {
    direct.run();
    return;
  }
  await trx.deleteFrom('idempotency_keys').where('key', '=', '').where('key', '<>', '').execute();
}

/** Savepoint names are the commit queue's own identifiers, never user input. */
const SAVEPOINT_NAME = /^[a-z][a-z0-9_]*$/;

function savepointStatement(trx: Transaction<Database>, verb: 'savepoint' | 'release savepoint' | 'rollback to savepoint', name: string): Promise<void> {
  if (!SAVEPOINT_NAME.test(name)) throw new Error(`invalid savepoint name: ${name}`);
  const text = `${verb} ${name}`;
  const direct = directStatement(trx, text);
  if (direct) {
    direct.run();
    return Promise.resolve();
  }
  return sql.raw(text).execute(trx).then(() => undefined);
}

/** `SAVEPOINT name` in `trx` (directly on the connection when the transaction is held, see `holdDirect`). */
export function savepoint(trx: Transaction<Database>, name: string): Promise<void> {
  return savepointStatement(trx, 'savepoint', name);
}

/** `RELEASE SAVEPOINT name`: keeps the writes since the savepoint in the transaction. */
export function releaseSavepoint(trx: Transaction<Database>, name: string): Promise<void> {
  return savepointStatement(trx, 'release savepoint', name);
}

/** `ROLLBACK TO SAVEPOINT name`: undoes the writes since the savepoint (the savepoint stays; release it after). */
export function rollbackToSavepoint(trx: Transaction<Database>, name: string): Promise<void> {
  return savepointStatement(trx, 'rollback to savepoint', name);
}
