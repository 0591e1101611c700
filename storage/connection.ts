import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type SqliteDialectConfig, type Migration, type MigrationResultSet, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import { WalSync, type FileSync } from './wal-sync.js';

export type Db = Kysely<Database>;
/** Any executor a repository accepts: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export type SynchronousMode = 'FULL' | 'NORMAL';

export interface OpenDatabaseOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** `FULL` (default): a commit survives power loss. `NORMAL`: WAL, may lose the last commits on power loss (not on a crash). */
  synchronous?: SynchronousMode;
  /** How long a writer waits for a lock held by another process, ms. */
  busyTimeoutMs?: number;
  /** Run migrations to the latest version (default true). */
  migrate?: boolean;
  /**
   * How a `FULL` commit reaches the disk. `inline` (the default): SQLite's own
   * synchronous=FULL, the sync inside COMMIT. `async`: SQLite commits with
   * synchronous=NORMAL and the WAL is fdatasynced off the JavaScript thread before the
   * commit queue acknowledges (storage/wal-sync.ts; `walSyncOf`), so the thread prepares the
   * next batch during the flush. The same guarantee for acknowledged writes; only who waits
   * differs. On this project's machines fsync takes ~0.1–0.3 ms and `async` measured 0.93–0.98×
   * `inline` (the answers wait for the batch running when the flush ends: bench/RESULTS.md); it is for disks where a
   * flush takes milliseconds. Ignored for `NORMAL` and `:memory:`.
   */
  durableCommit?: 'async' | 'inline';
  /** The flush `async` uses (tests: to delay or fail it). */
  fileSync?: FileSync;
  /**
   * Checkpoint the WAL in a worker thread (storage/checkpointer.ts) instead of inside the
   * commits that cross the threshold. Off by default here; the engine turns it on for a
   * file. Ignored for `:memory:`.
   */
  backgroundCheckpoints?: CheckpointerOptions | boolean;
}

/**
 * Opens the SQLite database with the engine's pragmas (WAL, synchronous, busy_timeout,
 * foreign keys) and migrates it to the latest version.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Db> {
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new Error(`synchronous must be FULL or NORMAL, got ${String(synchronous)}`);
  }
  const sqlite = new SqliteDatabase(options.path);
  sqlite.pragma('journal_mode = WAL');
  const file = options.path === ':memory:' ? undefined : resolve(options.path);
  const asyncSync = synchronous === 'FULL' && file !== undefined && options.durableCommit === 'async';
  // With the async sync, FULL is NORMAL + the engine's fdatasync of the WAL after each commit.
  sqlite.pragma(`synchronous = ${asyncSync ? 'NORMAL' : synchronous}`);
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  sqlite.pragma('foreign_keys = ON');
  const health: StorageHealth = {
    sqlite,
    path: file,
    failure: undefined,
    walSync: asyncSync ? new WalSync(`${file}-wal`, options.fileSync) : undefined,
    prepare: () => {
      throw new Error('the statement cache is not attached yet');
    },
  };
  const cached = withStatementCache(sqlite, health);
  health.prepare = cached.prepare;
  if (file !== undefined && options.backgroundCheckpoints) {
    health.checkpointer = new Checkpointer(sqlite, file, options.backgroundCheckpoints === true ? {} : options.backgroundCheckpoints);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached as unknown as SqliteDialectConfig['database'] }) });
  healthOf.set(db, health);
  if (options.migrate !== false) {
    const result = await migrateToLatest(db);
    if (result.error) {
      await db.destroy();
      throw result.error instanceof Error ? result.error : new Error(String(result.error));
    }
  }
  return db;
}

/**
 * Kysely's SQLite driver prepares every query anew; compiling SQL in SQLite costs more than
 * running these small statements, so prepared statements are reused per SQL text.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, health: StorageHealth, limit = 500): { close(): void; prepare(text: string): ObservedStatement } {
  const cache = new Map<string, ObservedStatement>();
  return {
    close: () => {
      cache.clear();
      // Normally stopped already (stopCheckpointer); never leave the worker behind.
      void health.checkpointer?.stop();
      sqlite.close();
    },
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = observed(sqlite.prepare(text), /^\s*commit\b/i.test(text), health);
        if (cache.size >= limit) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

/** What `ping` needs to tell a writable database from a full or read-only one. */
interface StorageHealth {
  sqlite: SqliteDatabase.Database;
  /** The database file (absent for `:memory:`). */
  path: string | undefined;
  /** The storage error of the last failed write, until a commit succeeds. */
  failure: string | undefined;
  /** The cached, failure-observing statement for a SQL text (shared with Kysely's driver). */
  prepare(text: string): ObservedStatement;
  /** Set when commits are made durable by the engine (`durableCommit: 'async'`). */
  walSync: WalSync | undefined;
  /** Set with `backgroundCheckpoints`. */
  checkpointer?: Checkpointer;
}

/** The background checkpointer of `db`, if it has one (see `backgroundCheckpoints`). */
export function checkpointerOf(db: Db): Checkpointer | undefined {
  return healthOf.get(db)?.checkpointer;
}

/**
 * Stops `db`'s background checkpointer, if any. Call it before `db.destroy()`, so the
 * engine's connection closes last and SQLite checkpoints and removes the WAL.
 */
export async function stopCheckpointer(db: Db): Promise<void> {
  await healthOf.get(db)?.checkpointer?.stop();
}

/**
 * The WAL syncer of `db` when its commits are made durable off the thread (see
 * `durableCommit`): whoever commits must `sync()` before telling anyone. Undefined when
 * COMMIT itself is durable (inline FULL) or durability was not asked for (NORMAL, memory).
 */
export function walSyncOf(db: Db): WalSync | undefined {
  return healthOf.get(db)?.walSync;
}

/** Notes a failed WAL sync for `ping` (the disk refused a flush; cleared by the next good one). */
export function noteSyncFailure(db: Db, e: unknown): void {
  const h = healthOf.get(db);
  if (!h) return;
  const code = (e as { code?: unknown } | null)?.code;
  h.failure = `fdatasync ${typeof code === 'string' ? code : 'failed'}`;
}

/** Notes a good WAL sync after commits (clears a failure noted by `noteSyncFailure`). */
export function noteSyncSuccess(db: Db): void {
  const h = healthOf.get(db);
  if (h?.failure?.startsWith('fdatasync')) h.failure = undefined;
}
const healthOf = new WeakMap<object, StorageHealth>();

/**
 * Direct statements: the per-command hot path.
 *
 * Kysely builds, compiles and runs every query through several layers of promises; for the
 * handful of statements each command runs (read the case, update it, append the event, the
 * unit savepoints) that was about a quarter of the engine's CPU per command (measured with
 * bench/engine.bench.ts and a CPU profile). Inside a write transaction whose holder declared
 * it with `holdDirect`, and only there, the repositories run those statements as cached
 * prepared statements straight on its SQLite connection, synchronously.
 *
 * Only the holder of the transaction may do this: Kysely's SQLite driver serialises users
 * of the one connection with a mutex, and the transaction owns it until commit. A statement
 * run directly on behalf of anything else (a read on the `Db` while a batch is open) would
 * see the batch's uncommitted writes. Everywhere else the Kysely path runs.
 */
const directOf = new WeakMap<object, StorageHealth>();

/** Declares `trx`, a write transaction of `db` that the caller holds, usable for direct statements until `releaseDirect`. */
export function holdDirect(trx: Executor, db: Db): void {
  const h = healthOf.get(db);
  if (h) directOf.set(trx, h);
}

/** Ends `holdDirect` (call it before committing or rolling back). */
export function releaseDirect(trx: Executor): void {
  directOf.delete(trx);
}

/** A statement on `executor`'s connection when it is a held write transaction; otherwise undefined (use Kysely). */
export function directStatement(executor: Executor, text: string): DirectStatement | undefined {
  return directOf.get(executor)?.prepare(text) as DirectStatement | undefined;
}

/** What the repositories use of a direct statement. */
export interface DirectStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** Driver codes meaning the disk or the file refuses writes (not a bug, not a lock wait). */
const WRITE_FAILURE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/;

type ObservedStatement = Pick<SqliteDatabase.Statement, 'reader' | 'all' | 'run' | 'iterate'>;

/** The statement as Kysely's driver uses it, noting storage failures and successful commits for `ping`. */
function observed(stmt: SqliteDatabase.Statement, isCommit: boolean, health: StorageHealth): ObservedStatement {
  const watch = <T>(fn: () => T): T => {
    try {
      const r = fn();
      // A good COMMIT clears a write failure; a failed WAL flush is cleared only by a good flush.
      if (isCommit && !health.failure?.startsWith('fdatasync')) health.failure = undefined;
      return r;
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && WRITE_FAILURE.test(code)) health.failure = code;
      throw e;
    }
  };
  return {
    reader: stmt.reader,
    all: (...params: unknown[]) => watch(() => stmt.all(...params)),
    run: (...params: unknown[]) => watch(() => stmt.run(...params)),
    iterate: (...params: unknown[]) => stmt.iterate(...params),
  } as ObservedStatement;
}

/** Runs every pending migration of `storage/migrations` (forward only). */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
  });
  return migrator.migrateToLatest();
}

/** The pragmas in effect (SQLite only), for health checks and tests. */
export async function pragmas(db: Db): Promise<{ journalMode: string; synchronous: number; foreignKeys: number; busyTimeout: number }> {
  const one = async (name: 'journal_mode' | 'synchronous' | 'foreign_keys' | 'busy_timeout') => {
    const r = await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(db);
    return Object.values(r.rows[0] ?? {})[0];
  };
  return {
    journalMode: String(await one('journal_mode')),
    synchronous: Number(await one('synchronous')),
    foreignKeys: Number(await one('foreign_keys')),
    busyTimeout: Number(await one('busy_timeout')),
  };
}

/** Why `ping` finds the database unable to take writes. */
export class StorageUnavailable extends Error {
  override readonly name = 'StorageUnavailable';
  constructor(readonly reason: 'read_only' | 'full' | 'write_failed', message: string) {
    super(message);
  }
}

/** Free bytes below which the database's file system counts as full. */
const MIN_FREE_BYTES = 64 * 1024;

/**
 * For `GET /health`: the database answers AND can take writes. Throws `StorageUnavailable`
 * when it is read-only (`query_only`, a read-only file), full (`max_page_count` reached,
 * no space left on its file system), or when the last write failed with a storage error
 * and a small write still fails. Costs nothing extra while writes succeed.
 */
export async function ping(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
  const h = healthOf.get(db);
  if (!h || !h.sqlite.open) return;
  const num = (pragma: string) => Number(h.sqlite.pragma(pragma, { simple: true }));
  if (h.sqlite.readonly || num('query_only') === 1) throw new StorageUnavailable('read_only', 'the database is read-only');
  if (num('page_count') >= num('max_page_count') && num('freelist_count') === 0) {
    throw new StorageUnavailable('full', 'the database reached its page limit (max_page_count)');
  }
  if (h.path) {
    const fs = statfsSync(dirname(h.path));
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) throw new StorageUnavailable('full', 'no space left for the database');
  }
  if (h.failure !== undefined && !h.sqlite.inTransaction) {
    // The last write failed (e.g. ENOSPC on the WAL) and no commit succeeded since: try a
    // one-page write (rewriting user_version as is) before declaring the disk healthy again.
    try {
      h.sqlite.exec('BEGIN IMMEDIATE');
      try {
        h.sqlite.pragma(`user_version = ${num('user_version')}`);
        h.sqlite.exec('COMMIT');
      } finally {
        if (h.sqlite.inTransaction) h.sqlite.exec('ROLLBACK');
      }
      // With the async sync the COMMIT alone proves nothing about the disk: flush it too.
      if (h.walSync) await h.walSync.sync();
      h.failure = undefined;
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      throw new StorageUnavailable('write_failed', `the last write failed (${h.failure}) and a test write fails: ${String(code ?? e)}`);
    }
  }
  if (h.failure !== undefined) throw new StorageUnavailable('write_failed', `the last write failed: ${h.failure}`);
}

/**
 * Bulk-load pragmas for building a THROWAWAY database (benchmarks, fixtures): no rollback
 * journal, no fsync, a 512 MiB page cache. A crash while they are on corrupts the file.
 * `bulkLoad(db, false)` restores WAL and synchronous=NORMAL.
 */
export async function bulkLoad(db: Db, on: boolean): Promise<void> {
  if (on) {
    await sql`pragma journal_mode = OFF`.execute(db);
    await sql`pragma synchronous = OFF`.execute(db);
    await sql`pragma cache_size = -524288`.execute(db);
  } else {
    await sql`pragma cache_size = -2000`.execute(db);
    await sql`pragma journal_mode = WAL`.execute(db);
    await sql`pragma synchronous = NORMAL`.execute(db);
  }
}

/** Drops an index if it exists (benchmarks: the same query with and without it). */
export async function dropIndex(db: Db, name: string): Promise<void> {
  await db.schema.dropIndex(name).ifExists().execute();
}
