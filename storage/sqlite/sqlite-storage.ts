/**
 * The SQLite adapter of the storage port (better-sqlite3 through Kysely's SqliteDialect).
 *
 * One connection, used two ways:
 * - Reads outside a batch go through Kysely, whose driver serialises users of the
 *   connection with a mutex: while a batch's transaction holds it, a read waits for the
 *   commit and never sees uncommitted writes.
 * - A batch holds that mutex from BEGIN to COMMIT (a Kysely controlled transaction), so its
 *   units' statements run synchronously on the connection's cached prepared statements,
 *   without Kysely's promise layers: nothing else can be on the connection meanwhile.
 * Both run the same compiled queries (storage/session.ts): one code path per query.
 */
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type CompiledQuery, type ControlledTransaction, type SqliteDialectConfig } from 'kysely';
import { migrateToLatest, migrations } from '../migrations/index.js';
import { StorageError, StorageUnavailable, type Batch, type CaseFilter, type Repositories, type Storage } from '../port.js';
import { isUnitQueue, listQuery, repositories } from '../repositories/index.js';
import type { Database } from '../schema.js';
import { template, type QueryResult, type QuerySession } from '../session.js';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import { classifySqliteError, driverCode } from './errors.js';
import { statementCache, type StatementCache, type WriteHealth } from './statement-cache.js';

export type SynchronousMode = 'FULL' | 'NORMAL';

export interface SqliteStorageOptions {
  /** File path, or `:memory:`. */
  path: string;
  /**
   * Open an existing file read-only (auditors beside a running server: WAL readers never
   * block the writer). Never creates or migrates; `beginBatch` refuses.
   */
  readOnly?: boolean;
  /** `FULL` (default): a commit survives power loss. `NORMAL`: may lose the last commits on power loss (not on a crash). */
  synchronous?: SynchronousMode;
  /** How long a writer (or reader) waits for a lock held by another process, ms (default 5000). */
  busyTimeoutMs?: number;
  /** Run migrations to the latest version (default true; never when read-only). */
  migrate?: boolean;
  /**
   * Checkpoint the WAL in a worker thread (storage/sqlite/checkpointer.ts) instead of inside
   * the commits that cross the threshold. Off by default here; the engine turns it on for a
   * file. Ignored for `:memory:` and read-only.
   */
  backgroundCheckpoints?: CheckpointerOptions | boolean;
}

/** Savepoint names are the commit queue's own identifiers, never user input. */
const SAVEPOINT_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Takes the database write lock at the start of a batch (SQLite's `BEGIN IMMEDIATE`
 * semantics; Kysely begins deferred). A write statement locks when it starts, even if it
 * matches no row, so this no-op does it; the busy_timeout applies here. Without it, a batch
 * that read first could fail to upgrade to a writer (SQLITE_BUSY_SNAPSHOT) when another
 * process wrote in between.
 */
const WRITE_LOCK = template<Record<string, never>>((db) => db.deleteFrom('idempotency_keys').where('key', '=', '').where('key', '<>', ''));

/** Free bytes below which the database's file system counts as full. */
const MIN_FREE_BYTES = 64 * 1024;

export class SqliteStorage implements Storage {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  readonly readOnly: boolean;
  readonly read: Repositories;
  /** Set with `backgroundCheckpoints` on a file. */
  readonly checkpointer: Checkpointer | undefined;
  readonly #sqlite: SqliteDatabase.Database;
  readonly #kysely: Kysely<Database>;
  readonly #cache: StatementCache;
  readonly #health: WriteHealth = { failure: undefined };
  readonly #file: string | undefined;
  readonly #readSession: QuerySession;

  private constructor(sqlite: SqliteDatabase.Database, options: SqliteStorageOptions) {
    this.#sqlite = sqlite;
    this.location = options.path;
    this.readOnly = options.readOnly === true;
    this.#file = options.path === ':memory:' ? undefined : resolve(options.path);
    if (this.#file !== undefined && !this.readOnly && options.backgroundCheckpoints) {
      this.checkpointer = new Checkpointer(sqlite, this.#file, options.backgroundCheckpoints === true ? {} : options.backgroundCheckpoints);
    }
    // Normally stopped already (close stops it first); never leave the worker behind.
    this.#cache = statementCache(sqlite, this.#health, () => void this.checkpointer?.stop());
    this.#kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: this.#cache as unknown as SqliteDialectConfig['database'] }) });
    const kysely = this.#kysely;
    this.#readSession = {
      builder: kysely,
      dialect: 'sqlite',
      execute: <R>(q: CompiledQuery<R>) => kysely.executeQuery(q).catch(rethrowClassified) as Promise<QueryResult<R>>,
    };
    this.read = repositories(this.#readSession);
  }

  /** Opens (and unless read-only, creates and migrates) the database with the engine's pragmas. */
  static async open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
      throw new Error(`synchronous must be FULL or NORMAL, got ${String(synchronous)}`);
    }
    const busy = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    let sqlite: SqliteDatabase.Database;
    try {
      sqlite = options.readOnly ? new SqliteDatabase(options.path, { readonly: true, fileMustExist: true }) : new SqliteDatabase(options.path);
      sqlite.pragma(`busy_timeout = ${busy}`);
      if (!options.readOnly) {
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma(`synchronous = ${synchronous}`);
        sqlite.pragma('foreign_keys = ON');
      }
    } catch (e) {
      throw new StorageError(
        'storage_unavailable',
        `cannot open the database ${options.path}${options.readOnly ? ' read-only' : ''}: ${e instanceof Error ? e.message : String(e)}`,
        driverCode(e),
        { cause: e },
      );
    }
    const storage = new SqliteStorage(sqlite, options);
    if (!options.readOnly && options.migrate !== false) {
      const result = await migrateToLatest(storage.#kysely);
      if (result.error) {
        await storage.close();
        throw result.error instanceof Error ? result.error : new Error(String(result.error));
      }
    }
    return storage;
  }

  async beginBatch(): Promise<Batch> {
    if (this.readOnly) throw new StorageError('storage_unavailable', `the database ${this.location} is open read-only`);
    let trx: ControlledTransaction<Database>;
    try {
      trx = await this.#kysely.startTransaction().execute();
    } catch (e) {
      throw classifyOrWrap(e, 'cannot begin a transaction');
    }
    const batch = new SqliteBatch(trx, this.#kysely, this.#cache);
    try {
      await batch.session.execute(WRITE_LOCK.bind(this.#kysely, {}));
    } catch (e) {
      await batch.rollback();
      throw classifyOrWrap(e, 'cannot lock the database');
    }
    return batch;
  }

  /**
   * The database answers AND can take writes. Throws `StorageUnavailable` when it is
   * read-only (`query_only`, a read-only file), full (`max_page_count` reached, no space
   * left on its file system), or when the last write failed with a storage error and a
   * small write still fails. Costs nothing extra while writes succeed.
   */
  async health(): Promise<void> {
    try {
      await sql`select 1`.execute(this.#kysely);
    } catch (e) {
      throw new StorageUnavailable('write_failed', `the database does not answer: ${driverCode(e) ?? String(e)}`);
    }
    const h = this.#sqlite;
    if (!h.open) throw new StorageUnavailable('write_failed', 'the database is closed');
    const num = (pragma: string) => Number(h.pragma(pragma, { simple: true }));
    if (this.readOnly || h.readonly || num('query_only') === 1) throw new StorageUnavailable('read_only', 'the database is read-only');
    if (num('page_count') >= num('max_page_count') && num('freelist_count') === 0) {
      throw new StorageUnavailable('full', 'the database reached its page limit (max_page_count)');
    }
    if (this.#file) {
      const fs = statfsSync(dirname(this.#file));
      if (fs.bavail * fs.bsize < MIN_FREE_BYTES) throw new StorageUnavailable('full', 'no space left for the database');
    }
    const failure = this.#health.failure;
    if (failure !== undefined && !h.inTransaction) {
      // The last write failed (e.g. ENOSPC on the WAL) and no commit succeeded since: try a
      // one-page write (rewriting user_version as is) before declaring the disk healthy again.
      try {
        h.exec('BEGIN IMMEDIATE');
        try {
          h.pragma(`user_version = ${num('user_version')}`);
          h.exec('COMMIT');
        } finally {
          if (h.inTransaction) h.exec('ROLLBACK');
        }
        this.#health.failure = undefined;
      } catch (e) {
        throw new StorageUnavailable('write_failed', `the last write failed (${failure}) and a test write fails: ${driverCode(e) ?? String(e)}`);
      }
    }
    if (this.#health.failure !== undefined) throw new StorageUnavailable('write_failed', `the last write failed: ${this.#health.failure}`);
  }

  /**
   * Stops the background checkpointer first, so the engine's connection closes last and
   * SQLite checkpoints and removes the WAL; then closes the connection.
   */
  async close(): Promise<void> {
    await this.checkpointer?.stop();
    await this.#kysely.destroy();
  }

  // --- SQLite-only tools for benchmarks, fixtures and tests (not part of the port) ---

  /** The pragmas in effect, for tests. */
  pragmas(): { journalMode: string; synchronous: number; foreignKeys: number; busyTimeout: number } {
    const one = (name: string) => this.#sqlite.pragma(name, { simple: true });
    return {
      journalMode: String(one('journal_mode')),
      synchronous: Number(one('synchronous')),
      foreignKeys: Number(one('foreign_keys')),
      busyTimeout: Number(one('busy_timeout')),
    };
  }

  /**
   * Bulk-load pragmas for building a THROWAWAY database (benchmarks, fixtures): no rollback
   * journal, no fsync, a 512 MiB page cache. A crash while they are on corrupts the file.
   * `bulkLoad(false)` restores WAL and synchronous=NORMAL.
   */
  bulkLoad(on: boolean): void {
    const p = (s: string) => this.#sqlite.pragma(s);
    if (on) {
      p('journal_mode = OFF');
      p('synchronous = OFF');
      p('cache_size = -524288');
    } else {
      p('cache_size = -2000');
      p('journal_mode = WAL');
      p('synchronous = NORMAL');
    }
  }

  /** Drops an index if it exists (benchmarks: the same query with and without it). */
  async dropIndex(name: string): Promise<void> {
    await this.#kysely.schema.dropIndex(name).ifExists().execute();
  }

  /** Runs the `up` of an applied migration again (benchmarks that dropped its indexes and restore them). */
  async migrateUpAgain(name: string): Promise<void> {
    const m = migrations[name];
    if (!m) throw new Error(`no migration ${name}`);
    await m.up(this.#kysely);
  }

  /** SQLite's plan for `read.cases.list(filter)` (EXPLAIN QUERY PLAN `detail` lines). */
  async explainCaseList(filter: CaseFilter = {}): Promise<string[]> {
    // A unit user's own queue runs as two queries (storage/repositories/cases.ts `isUnitQueue`): both plans.
    const out: string[] = [];
    for (const branch of isUnitQueue(filter) ? (['units', 'parts'] as const) : (['both'] as const)) {
      const q = listQuery(this.#readSession, filter, branch);
      if (!q) continue;
      const c = q.compile();
      const plan = await this.#kysely.executeQuery<{ detail: string }>({ ...c, sql: `explain query plan ${c.sql}` });
      out.push(...plan.rows.map((row) => row.detail));
    }
    return out;
  }

  /** The query builder on this connection, for storage/'s own tools (the db copy reads every table with it; read-only when opened so). */
  get builder(): Kysely<Database> {
    return this.#kysely;
  }

  /** Runs `fn` with the connection, for tests that must break the database (query_only, max_page_count). */
  withConnectionForTests<T>(fn: (sqlite: SqliteDatabase.Database) => T): T {
    return fn(this.#sqlite);
  }
}

/** The batch session: direct statements on the connection the batch holds (see the file's comment). */
class SqliteBatch implements Batch {
  readonly session: QuerySession;
  readonly repos: Repositories;
  readonly #trx: ControlledTransaction<Database>;
  readonly #cache: StatementCache;
  #over = false;

  constructor(trx: ControlledTransaction<Database>, builder: Kysely<Database>, cache: StatementCache) {
    this.#trx = trx;
    this.#cache = cache;
    this.session = {
      builder,
      dialect: 'sqlite',
      execute: <R>(q: CompiledQuery<R>): Promise<QueryResult<R>> => {
        try {
          return Promise.resolve(this.#run(q.sql, q.parameters) as QueryResult<R>);
        } catch (e) {
          return Promise.reject(classifySqliteError(e));
        }
      },
    };
    this.repos = repositories(this.session);
  }

  #run(sql: string, parameters: readonly unknown[]): QueryResult<unknown> {
    if (this.#over) throw new Error('the batch is over: its transaction was committed or rolled back');
    const stmt = this.#cache.prepare(sql);
    if (stmt.reader) return { rows: stmt.all(...parameters) };
    return { rows: [], numAffectedRows: BigInt(stmt.run(...parameters).changes) };
  }

  #savepointVerb(verb: string, name: string): Promise<void> {
    if (!SAVEPOINT_NAME.test(name)) return Promise.reject(new Error(`invalid savepoint name: ${name}`));
    try {
      this.#run(`${verb} ${name}`, []);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(classifySqliteError(e));
    }
  }

  savepoint(name: string): Promise<void> {
    return this.#savepointVerb('savepoint', name);
  }
  releaseSavepoint(name: string): Promise<void> {
    return this.#savepointVerb('release savepoint', name);
  }
  rollbackToSavepoint(name: string): Promise<void> {
    return this.#savepointVerb('rollback to savepoint', name);
  }

  async commit(): Promise<void> {
    this.#over = true;
    try {
      await this.#trx.commit().execute();
    } catch (e) {
      throw classifyOrWrap(e, 'the commit failed');
    }
  }

  async rollback(): Promise<void> {
    this.#over = true;
    try {
      await this.#trx.rollback().execute();
    } catch {
      // The transaction is already gone (e.g. the commit failed and SQLite rolled back).
    }
  }
}

function rethrowClassified(e: unknown): never {
  throw classifySqliteError(e);
}

/** A failure of BEGIN, the lock or COMMIT is always a storage failure, whatever the driver said. */
function classifyOrWrap(e: unknown, what: string): StorageError {
  const c = classifySqliteError(e);
  return c instanceof StorageError ? c : new StorageError('storage_unavailable', `storage unavailable: ${what}`, driverCode(e), { cause: e });
}

export { migrateToLatest };
