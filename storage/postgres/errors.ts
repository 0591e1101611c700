/**
 * The one classification of PostgreSQL failures (pg puts the server's SQLSTATE in `code`;
 * a lost connection is a Node error or a plain Error from pg). Everything else the server
 * refuses (bad SQL, a constraint the engine should have prevented, a tripwire) is a bug of
 * ours or an insider's statement, and passes through as it is.
 */
import { StorageError } from '../port.js';

/** Another transaction holds what this one needs: retry soon. */
const BUSY = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
]);
/**
 * The server is gone, starting, shutting down, out of disk or read-only: not a bug, retry
 * later. Classes 08 (connection), 53 (insufficient resources), 57P0x (shutdown, crash,
 * cannot connect now), 58 (system error), 25006 (read-only transaction), XX (internal).
 */
const UNAVAILABLE_CLASS = /^(08|53|58|XX)/;
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '57P04', '25006', '3D000']);
/** Node's socket errors, and pg's own words for a connection that died or never came. */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const LOST = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client was closed/i;

/** The driver's code of `e`, if it has one. */
export function driverCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `e` as a `StorageError` when it is a storage failure; otherwise `e` itself. */
export function classifyPostgresError(e: unknown): unknown {
  if (e instanceof StorageError) return e;
  const code = driverCode(e);
  if (code !== undefined && BUSY.has(code)) {
    return new StorageError('storage_busy', `storage busy: ${code} (another transaction holds what this one needs)`, code, { cause: e });
  }
  if (code !== undefined && (UNAVAILABLE.has(code) || UNAVAILABLE_CLASS.test(code) || NODE_CODES.has(code))) {
    // The server's own words (e.g. `database "x" does not exist`, `the database system is
    // starting up`): they name no row's values.
    const said = e instanceof Error && e.message ? ` (${e.message})` : '';
    return new StorageError('storage_unavailable', `storage unavailable: ${code}${said}`, code, { cause: e });
  }
  if (e instanceof AggregateError && e.errors.some((x) => classifyPostgresError(x) instanceof StorageError)) {
    return new StorageError('storage_unavailable', 'storage unavailable: cannot reach the database server', undefined, { cause: e });
  }
  if (e instanceof Error && LOST.test(e.message)) {
    return new StorageError('storage_unavailable', 'storage unavailable: the connection to the database server was lost', undefined, { cause: e });
  }
  return e;
}
