/**
 * What the rest of the project may use of storage/: the port's types and `openStorage`.
 * SQL, Kysely and the drivers stay inside this folder.
 */
import type { Storage } from './port.js';
import { isPostgresUrl, PostgresStorage } from './postgres/postgres-storage.js';
import { SqliteStorage, type SqliteStorageOptions } from './sqlite/sqlite-storage.js';

export type * from './port.js';
export { StorageError, StorageUnavailable } from './port.js';
export { SqliteStorage, type SqliteStorageOptions, type SynchronousMode } from './sqlite/sqlite-storage.js';
export { isPostgresUrl, PostgresStorage, redact as redactDatabaseUrl, type PostgresStorageOptions } from './postgres/postgres-storage.js';
export type { CheckpointerOptions, CheckpointStats } from './sqlite/checkpointer.js';


export interface OpenStorageOptions extends SqliteStorageOptions {
  /** PostgreSQL only: connections per process (default 10). */
  poolSize?: number;
}

/**
 * Opens the configured database: PostgreSQL when `path` is a `postgres://` URL (the
 * SQLite-only options are ignored there), else SQLite (a file or `:memory:`).
 */
export function openStorage(options: OpenStorageOptions): Promise<Storage> {
  if (isPostgresUrl(options.path)) {
    return PostgresStorage.open({
      url: options.path,
      ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
      ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
      ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
      ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
    });
  }
  return SqliteStorage.open(options);
}
export { ledgerRowsOf, sameLedgerRow, type LedgerSource } from './ledger-rows.js';
export { copyDatabase, CopyRefused, type CopyDatabaseOptions, type CopyProgress, type CopyResult } from './copy.js';
