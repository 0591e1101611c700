/**
 * What the rest of the project may use of storage/: the port's types and `openStorage`.
 * SQL, Kysely and the driver stay inside this folder.
 */
import { SqliteStorage, type SqliteStorageOptions } from './sqlite/sqlite-storage.js';

export type * from './port.js';
export { StorageError, StorageUnavailable } from './port.js';
export { SqliteStorage, type SqliteStorageOptions, type SynchronousMode } from './sqlite/sqlite-storage.js';
export type { CheckpointerOptions, CheckpointStats } from './sqlite/checkpointer.js';

/** Opens the configured database (today: SQLite, a file or `:memory:`). */
export function openStorage(options: SqliteStorageOptions): Promise<SqliteStorage> {
  return SqliteStorage.open(options);
}
export { ledgerRowsOf, sameLedgerRow, type LedgerSource } from './ledger-rows.js';
