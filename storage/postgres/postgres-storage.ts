/**
 * The PostgreSQL adapter of the storage port (issue 17): `pg`'s pool, Kysely's
 * PostgresDialect as the query builder and migrator, and the same repositories
 * (storage/repositories/) as SQLite on their `QuerySession`.
 *
 * - A batch (the commit queue's transaction) is one pooled client: BEGIN, then the batch's
 *   write lock, its units (without savepoints: port.ts `Batch.rowsChangedSince`), COMMIT.
 *   The write lock is the log's head row (`ledger_head`, migration 001300) locked as the
 *   batch's first statement by the UPDATE that numbers the batch (`Batch.serial`, migration 001500):
 *   every writing transaction of every process on the database takes it first, so batches
 *   of several processes run one after the other (as SQLite's write lock makes them), and
 *   no two can deadlock (nobody holds a row while waiting for the head). Inside, a
 *   command's read of its case, its `If-Match` and its chain are those of the last commit
 *   of any process; `updateIfSeq` still checks the seq. The log's positions come from the
 *   same row, in commit order, without gaps.
 * - The commands' case updates and event appends are buffered and sent as one statement
 *   each per batch (write-buffer.ts); every statement of a batch is sent in the order of the
 *   calls, one at a time, so a unit need not wait for its writes (the commit queue's `defer`).
 * - Reads outside a batch run on any pooled client (READ COMMITTED: they see what is
 *   committed, never a batch in flight).
 * - Statements are prepared once per connection (pg's named statements), the bound values
 *   sent with each run, as the SQLite adapter caches its prepared statements.
 * - Every driver failure is classified (storage/postgres/errors.ts): a lost server answers
 *   503 `storage_unavailable` until it is back, and the pool reconnects by itself.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import { migrateToLatest } from '../migrations/index.js';
import { StorageError, StorageUnavailable, type Batch, type CommitAnnouncement, type LedgerHeadRecord, type LedgerRepository, type Repositories, type Storage } from '../port.js';
import { repositories } from '../repositories/index.js';
import type { Database } from '../schema.js';
import type { QueryResult, QuerySession } from '../session.js';
import { classifyPostgresError, driverCode } from './errors.js';
import { PostgresCommitChannel } from './notifications.js';
import { WriteBuffer } from './write-buffer.js';
import { caseToRow, eventToRow } from '../mappers.js';

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database` (libpq's URL form, as `pg` reads it). */
  url: string;
  /** Connections per process (default 10). */
  poolSize?: number;
  /** Only reads; `beginBatch` refuses and every session is `default_transaction_read_only`. */
  readOnly?: boolean;
  /** Run migrations to the latest version (default true; never when read-only). */
  migrate?: boolean;
  /** How long a batch waits for the write lock (another process's batch), ms (default 5000): then `storage_busy`. */
  busyTimeoutMs?: number;
  /**
   * A schema to use instead of the URL's default (`search_path`, then `public` for the
   * pg_trgm operators): created when missing. Several deployments can share one database
   * this way; each schema gets its own commit channel (notifications.ts).
   */
  schema?: string;
}

/** Savepoint names are the commit queue's own identifiers, never user input. */
const SAVEPOINT_NAME = /^[a-z][a-z0-9_]*$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The batch's write lock: the log's head row (see the file's comment); every writer of the database takes it first (the db copy too). */
export const WRITE_LOCK = 'update ledger_head set batches = batches + 1 where id = 1 returning size, root_hash, frontier, updated_at, batches';

/**
 * PostgreSQL's 64-bit integers (`count(*)`, sums, `bigint` positions and ids) as JS numbers,
 * as SQLite's driver gives them: every value this schema holds is far below 2^53.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/** Orders that need the C collation's byte order (keyset pages, the due order's '~' last). */
const C_ORDER = /^(c|posix|c\.utf-?8)$/i;

export class PostgresStorage implements Storage {
  readonly dialect = 'postgres' as const;
  /** A batch is a pooled client; the next one's lock waits in the server for the COMMIT of the one before. */
  readonly overlapsBatches = true;
  readonly location: string;
  readonly readOnly: boolean;
  readonly read: Repositories;
  readonly #pool: pg.Pool;
  readonly #kysely: Kysely<Database>;
  readonly #busyTimeoutMs: number;
  readonly #names = new StatementNames();
  /** Commits of the other processes (LISTEN/NOTIFY, notifications.ts); connects on the first subscriber. */
  readonly commits: PostgresCommitChannel;

  private constructor(pool: pg.Pool, options: PostgresStorageOptions) {
    this.#pool = pool;
    this.location = redact(options.url) + (options.schema ? ` (schema ${options.schema})` : '');
    this.readOnly = options.readOnly === true;
    this.#busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    this.#kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    this.commits = new PostgresCommitChannel({ url: options.url, ...(options.schema ? { schema: options.schema } : {}) });
    const session: QuerySession = {
      builder: this.#kysely,
      dialect: 'postgres',
      execute: <R>(q: CompiledQuery<R>) => run<R>(pool, q, this.#names),
    };
    this.read = repositories(session);
  }

  static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name: ${options.schema}`);
    const settings = [
      ...(options.schema ? [`-c search_path=${options.schema},public`] : []),
      ...(options.readOnly ? ['-c default_transaction_read_only=on'] : []),
    ];
    const pool = new pg.Pool({
      connectionString: options.url,
      max: Math.max(1, options.poolSize ?? 10),
      types,
      application_name: 'qazindustry-procedures',
      connectionTimeoutMillis: 5000,
      ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
    });
    // An idle client whose server went away: the pool drops it; never an unhandled 'error'.
    pool.on('error', () => {});
    const storage = new PostgresStorage(pool, options);
    try {
      if (options.schema && !options.readOnly) {
        await pool.query(`create schema if not exists ${options.schema}`);
      }
      await storage.#checkCollation();
      if (!options.readOnly && options.migrate !== false) {
        const schema = (await pool.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s;
        if (!schema) throw new Error('the database has no schema to create the tables in (search_path names none that exists)');
        const result = await migrateToLatest(storage.#kysely, schema);
        if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
      }
    } catch (e) {
      await storage.close();
      const c = classifyPostgresError(e);
      if (c instanceof StorageError) {
        throw new StorageError(c.code, `cannot open the database ${storage.location}: ${c.message}`, c.driverCode, { cause: e });
      }
      throw e;
    }
    return storage;
  }

  /** Refuses a database whose text order is not the bytes' (see `C_ORDER`), saying how to create one. */
  async #checkCollation(): Promise<void> {
    const { rows } = await this.#pool.query<{ collate: string }>('select datcollate as collate from pg_database where datname = current_database()');
    const collate = rows[0]?.collate ?? '';
    if (!C_ORDER.test(collate)) {
      throw new Error(
        `the database's collation is ${collate}; the engine needs the byte order of C (pages and the due-date order depend on it): ` +
          `create it with \`createdb --template=template0 --locale=C.UTF-8 <name>\``,
      );
    }
  }

  async beginBatch(): Promise<Batch> {
    if (this.readOnly) throw new StorageError('storage_unavailable', `the database ${this.location} is open read-only`);
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw classifyOrWrap(e, 'cannot connect');
    }
    const batch = new PostgresBatch(client, this.#kysely, this.#names, this.commits);
    try {
      // One round trip (the simple protocol takes several statements): begin, the wait
      // allowed for the lock, the lock.
      const results = (await client.query(`begin; set local lock_timeout = ${this.#busyTimeoutMs}; ${WRITE_LOCK}`)) as unknown as pg.QueryResult[];
      const row = results[2]?.rows[0] as { size: number; root_hash: string; frontier: string; updated_at: string; batches: number } | undefined;
      if (!row) throw new StorageError('storage_unavailable', 'the database has no ledger_head row (migration 001300): it was not migrated by this product');
      batch.lockedHead({ size: row.size, rootHash: row.root_hash, frontierJson: row.frontier, updatedAt: row.updated_at }, row.batches);
    } catch (e) {
      await batch.rollback();
      throw classifyOrWrap(e, 'cannot lock the database');
    }
    return batch;
  }

  /** The server answers, is not a standby, and this session may write. */
  async health(): Promise<void> {
    let row: { ro: string; recovery: boolean } | undefined;
    try {
      row = (await this.#pool.query<{ ro: string; recovery: boolean }>(`select current_setting('transaction_read_only') as ro, pg_is_in_recovery() as recovery`)).rows[0];
    } catch (e) {
      throw new StorageUnavailable('write_failed', `the database does not answer: ${driverCode(e) ?? (e instanceof Error ? e.message : String(e))}`);
    }
    if (this.readOnly || row?.ro === 'on' || row?.recovery) throw new StorageUnavailable('read_only', 'the database is read-only');
  }

  async close(): Promise<void> {
    await this.commits.close();
    await this.#kysely.destroy().catch(() => undefined);
  }

  /** Runs `fn` with a client of the pool outside any batch (tests that must break or inspect the server). */
  async withClientForTests<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  /** The `sql` tag's executor for tools (the db copy), on this storage's builder. */
  get builder(): Kysely<Database> {
    return this.#kysely;
  }
}

/** A batch: one client, one transaction (see the file's comment). */
class PostgresBatch implements Batch {
  readonly repos: Repositories;
  readonly #client: pg.PoolClient;
  #over = false;
  /** The client lost its connection (or is in doubt): destroyed on release, never reused. */
  #broken = false;

  readonly #channel: PostgresCommitChannel;
  /**
   * The connection dies while the batch holds the client between two statements (the
   * server crashed or restarts): pg emits 'error' on the client, which the pool no longer
   * listens to once it is checked out; unheard, it would end the process. Heard, the batch
   * is broken: its next statement fails as storage_unavailable, the client is destroyed.
   */
  readonly #onError = () => {
    this.#broken = true;
  };

  constructor(client: pg.PoolClient, builder: Kysely<Database>, names: StatementNames, channel: PostgresCommitChannel) {
    this.#client = client;
    this.#channel = channel;
    client.on('error', this.#onError);
    const send = <R>(q: CompiledQuery<R>): Promise<QueryResult<R>> =>
      this.#flushed(() => run<R>(client, q, names)).catch((e: unknown) => {
        this.#failed = true;
        if (e instanceof StorageError && e.code === 'storage_unavailable') this.#broken = true;
        throw e;
      });
    this.#buffer = new WriteBuffer(builder, send);
    const session: QuerySession = {
      builder,
      dialect: 'postgres',
      execute: <R>(q: CompiledQuery<R>) => {
        if (this.#over) return Promise.reject(new Error('the batch is over: its transaction was committed or rolled back'));
        this.#buffer.flush();
        return this.#counted(send(q), (r) => (r.numAffectedRows !== undefined ? Number(r.numAffectedRows) : 0));
      },
    };
    const plain = repositories(session);
    // A command's two writes go through the batch's write buffer (write-buffer.ts): one
    // statement for all the batch's events, one for all its cases' updates.
    const repos: Repositories = {
      ...plain,
      events: {
        ...plain.events,
        append: (record) => this.#write(() => this.#counted(this.#buffer.appendEvent(eventToRow(record)), () => 1)),
      },
      cases: {
        ...plain.cases,
        updateIfSeq: (expectedSeq, next, previous) =>
          this.#write(() => this.#counted(this.#buffer.updateCase(expectedSeq, caseToRow(next), previous && caseToRow(previous)), (ok) => (ok ? 1 : 0))),
      },
    };
    const head = plain.ledger.head.bind(plain.ledger);
    // The log's head as the lock read it: the batch's first `head()` (the journal's) needs
    // no second round trip; later ones (after an advance) read the row again.
    const ledger: LedgerRepository = Object.assign(Object.create(plain.ledger) as LedgerRepository, {
      head: () => {
        const h = this.#head;
        this.#head = undefined;
        return h ? Promise.resolve(h) : head();
      },
    });
    this.repos = { ...repos, ledger };
  }

  readonly #buffer: WriteBuffer;

  /** A buffered write, refused once the batch is over. */
  #write<T>(issue: () => Promise<T>): Promise<T> {
    if (this.#over) return Promise.reject(new Error('the batch is over: its transaction was committed or rolled back'));
    return issue();
  }

  /** Numbers a statement as it is issued and counts the rows it changed once answered (`rowsChangedSince`). */
  #counted<T>(result: Promise<T>, rows: (v: T) => number): Promise<T> {
    const statement = this.#changed.push(0) - 1;
    return result.then((v) => {
      this.#changed[statement] = rows(v);
      return v;
    });
  }

  #head: LedgerHeadRecord | undefined;
  serial: number | undefined;
  /** The head row as the batch's lock left it (see the constructor), and the batch's number (port.ts `Batch.serial`). */
  lockedHead(head: LedgerHeadRecord, serial: number): void {
    this.#head = head;
    this.serial = serial;
  }

  /**
   * Savepoint releases not yet sent. A release is sent with the batch's next savepoint,
   * rollback or COMMIT, in one simple query (the commit queue releases a unit's savepoint
   * and at once opens the next unit's: one round trip instead of two per command), or
   * alone just before the next other statement. Nothing is lost by waiting: a release
   * changes nothing the transaction's statements see, and a transaction that is gone fails
   * the statement that carries it.
   */
  readonly #releases: string[] = [];

  /**
   * The batch's statements, one after the other on its client, in the order they were
   * issued: a unit may issue a write without waiting for its answer (the commit queue's
   * `defer`), and `pg` wants one query at a time per client.
   */
  #turn: Promise<unknown> = Promise.resolve();
  #inTurn<T>(send: () => Promise<T>): Promise<T> {
    const p = this.#turn.then(send, send);
    this.#turn = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /**
   * Sends `send` in its turn, after the pending releases (a round trip of their own: `send`
   * has bound values). Both are queued at once, so the order is the order of the calls.
   */
  #flushed<T>(send: () => Promise<T>): Promise<T> {
    // A failed release fails the transaction, and with it `send`, which reports it.
    if (this.#releases.length > 0) this.#control([]).catch(() => undefined);
    return this.#inTurn(send);
  }

  /** Sends the pending releases followed by `statements` as one query, in its turn. */
  #control(statements: string[]): Promise<void> {
    this.#buffer.flush();
    const text = [...this.#releases.splice(0), ...statements].join('; ');
    return this.#inTurn(() => this.#client.query(text)).then(
      () => undefined,
      (e: unknown) => {
        this.#failed = true;
        throw classifyOrWrap(e, `${text} failed`);
      },
    );
  }

  /** Rows changed by each statement the batch sent, in order (port.ts `Batch.rowsChangedSince`). */
  readonly #changed: number[] = [];
  /** A statement failed: PostgreSQL refuses the transaction's next ones until a rollback to a savepoint. */
  #failed = false;
  statements(): number {
    return this.#changed.length;
  }
  rowsChangedSince(statement: number): number | undefined {
    if (this.#failed) return undefined;
    let n = 0;
    for (let i = statement; i < this.#changed.length; i++) n += this.#changed[i]!;
    return n;
  }

  #named(verb: string, name: string): string {
    if (!SAVEPOINT_NAME.test(name)) throw new Error(`invalid savepoint name: ${name}`);
    return `${verb} ${name}`;
  }

  savepoint(name: string): Promise<void> {
    return this.#control([this.#named('savepoint', name)]);
  }
  releaseSavepoint(name: string): Promise<void> {
    this.#releases.push(this.#named('release savepoint', name));
    return Promise.resolve();
  }
  async rollbackToSavepoint(name: string): Promise<void> {
    await this.#control([this.#named('rollback to savepoint', name)]);
    // The transaction works again (rows changed since the savepoint stay counted: the count only errs high).
    this.#failed = false;
  }

  /**
   * pg_notify in this transaction: delivered to the other processes only if it commits.
   * Sent with the COMMIT itself (one round trip less per batch).
   */
  announce(commit: CommitAnnouncement): Promise<void> {
    if (this.#over) return Promise.reject(new Error('the batch is over: its transaction was committed or rolled back'));
    this.#notices.push(...this.#channel.statements(commit, (v) => this.#client.escapeLiteral(v)));
    return Promise.resolve();
  }

  readonly #notices: string[] = [];

  async commit(): Promise<void> {
    this.#buffer.flush();
    this.#over = true;
    let answer: pg.QueryResult | pg.QueryResult[];
    try {
      const text = [...this.#releases.splice(0), ...this.#notices, 'commit'].join('; ');
      answer = (await this.#inTurn(() => this.#client.query(text))) as unknown as pg.QueryResult | pg.QueryResult[];
    } catch (e) {
      // A COMMIT that got no answer may or may not have happened: the connection is not reused.
      this.#broken = true;
      this.#release();
      throw classifyOrWrap(e, 'the commit failed');
    }
    this.#release();
    // PostgreSQL answers the COMMIT of a failed transaction with ROLLBACK, not an error.
    const last = Array.isArray(answer) ? answer[answer.length - 1] : answer;
    if (this.#failed || last?.command === 'ROLLBACK') {
      throw new StorageError('storage_unavailable', 'storage unavailable: a statement of the batch had failed, so its COMMIT rolled it back; nothing was written');
    }
  }

  async rollback(): Promise<void> {
    if (this.#released) return;
    this.#over = true;
    this.#releases.length = 0;
    this.#buffer.discard(new Error('the batch was rolled back'));
    try {
      await this.#inTurn(() => this.#client.query('rollback'));
    } catch {
      this.#broken = true;
    } finally {
      this.#release();
    }
  }

  #released = false;
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    // A destroyed client keeps the listener (a late 'error' of its socket is heard); a reused one drops it.
    if (!this.#broken) this.#client.off('error', this.#onError);
    this.#client.release(this.#broken ? true : undefined);
  }
}

/**
 * A name per SQL text, so each connection prepares it once (pg prepares a named statement
 * on its first use on a connection). Bounded: the dynamic lists' many shapes beyond the
 * limit run unnamed.
 */
class StatementNames {
  readonly #names = new Map<string, string>();
  of(text: string): string | undefined {
    let n = this.#names.get(text);
    if (n === undefined && this.#names.size < 2000) {
      n = `q${this.#names.size + 1}`;
      this.#names.set(text, n);
    }
    return n;
  }
}

/** Runs a compiled query on a client or the pool, as the repositories expect its result. */
async function run<R>(on: pg.Pool | pg.PoolClient, q: CompiledQuery<R>, names: StatementNames): Promise<QueryResult<R>> {
  const name = names.of(q.sql);
  let r: pg.QueryResult;
  try {
    r = await on.query({ text: q.sql, values: q.parameters as unknown[], ...(name ? { name } : {}) });
  } catch (e) {
    throw classifyPostgresError(e);
  }
  const writes = r.command === 'INSERT' || r.command === 'UPDATE' || r.command === 'DELETE' || r.command === 'MERGE';
  return { rows: r.rows as R[], ...(writes && r.rowCount !== null ? { numAffectedRows: BigInt(r.rowCount) } : {}) };
}

/** A failure of BEGIN, the lock or COMMIT is always a storage failure, whatever the driver said. */
function classifyOrWrap(e: unknown, what: string): StorageError {
  const c = classifyPostgresError(e);
  return c instanceof StorageError ? c : new StorageError('storage_unavailable', `storage unavailable: ${what}`, driverCode(e), { cause: e });
}

/** Whether a database location is a PostgreSQL URL (`postgres://…`, `postgresql://…`) rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

