import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type SqliteDialectConfig, type Migration, type MigrationResultSet, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

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
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
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
function withStatementCache(sqlite: SqliteDatabase.Database, limit = 500): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= limit) cache.clear();
        cache.set(text, stmt);
      }
      return stmt as never;
    },
  } as SqliteDialectConfig['database'];
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

/** A cheap round trip, for `GET /health`. */
export async function ping(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
}
