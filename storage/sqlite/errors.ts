/**
 * The one classification of SQLite driver failures (better-sqlite3 puts SQLite's extended
 * result code in `code`, e.g. `SQLITE_IOERR_WRITE`). Everything else the driver throws is
 * a bug of ours (bad SQL, a constraint the engine should have prevented) and passes through.
 */
import { StorageError } from '../port.js';

/** Lock waits that outlasted busy_timeout: another process holds the database. */
const BUSY = /^SQLITE_(BUSY|LOCKED)/;
/** The disk or the file refuses writes, or the database is unreadable. */
const UNAVAILABLE = /^SQLITE_(IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;
/** The subset that means the last write did not reach the disk (what `health` re-tests). */
const WRITE_FAILURE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/;
/** Using a connection after close (a request racing the shutdown). */
const CLOSED = /database connection is not open|driver has already been destroyed/i;

/** The driver's code of `e`, if it has one. */
export function driverCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `e` means the disk or file refused a write (noted for `health`). */
export function isWriteFailure(e: unknown): boolean {
  const code = driverCode(e);
  return code !== undefined && WRITE_FAILURE.test(code);
}

/** `e` as a `StorageError` when it is a storage failure; otherwise `e` itself. */
export function classifySqliteError(e: unknown): unknown {
  if (e instanceof StorageError) return e;
  const code = driverCode(e);
  if (code !== undefined && BUSY.test(code)) {
    return new StorageError('storage_busy', `storage busy: ${code} (another process holds the database)`, code, { cause: e });
  }
  if (code !== undefined && UNAVAILABLE.test(code)) {
    return new StorageError('storage_unavailable', `storage unavailable: ${code}`, code, { cause: e });
  }
  if (e instanceof Error && CLOSED.test(e.message)) {
    return new StorageError('storage_unavailable', 'storage unavailable: the database is closed', undefined, { cause: e });
  }
  return e;
}
