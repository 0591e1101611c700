/**
 * WAL checkpoints in a worker thread.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past
 * `wal_autocheckpoint` pages: it copies the WAL's pages into the database file and syncs
 * both, on the committing thread. Under load on the server those were the slowest tenth of
 * the group commits (4–8 ms against 1.3 ms on average, mostly the database file's fsync
 * writing back megabytes), and every request in or behind such a batch waited for them.
 *
 * Here a worker thread with its own read-only connection runs a PASSIVE checkpoint every
 * `intervalMs` when something was committed since the last one. PASSIVE never waits for
 * and never blocks the writer. What it cannot do is restart the WAL: SQLite rewinds the WAL
 * only when a write transaction begins while every frame is checkpointed, and under
 * continuous load new frames always arrive during the copy. So the engine's own connection
 * keeps an automatic checkpoint, at `mainThreshold` pages: by then the worker has copied
 * nearly everything, so that checkpoint has little left to copy and sync, and its end lets
 * the next transaction rewind the WAL. The WAL stays bounded by `mainThreshold` pages; if
 * the worker dies, the connection goes back to SQLite's default (1,000 pages) and nothing
 * else changes. A checkpoint is crash-safe at any point (SQLite's WAL design), so the
 * worker needs no shutdown protocol beyond closing its connection.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

export interface CheckpointerOptions {
  /** How often the worker checkpoints when there were commits, ms (default 100). */
  intervalMs?: number;
  /** The engine connection's own automatic checkpoint, pages (default 4,000 ≈ 16 MiB of WAL). */
  mainThreshold?: number;
  /** Told when the worker fails (it is then gone, and SQLite's default checkpoint is back). */
  onError?: (e: unknown) => void;
}

/** What the worker reports after each checkpoint it ran. */
export interface CheckpointStats {
  /** Checkpoints run by the worker. */
  runs: number;
  /** Frames in the WAL / checkpointed, at the last run. */
  lastLog: number;
  lastCheckpointed: number;
  /** The most frames the WAL held at any run (its bound, for tests and the bench). */
  maxLog: number;
}

/** SQLite's default `wal_autocheckpoint`, restored when the worker is gone. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/**
 * The worker's code: CommonJS, evaluated (no file, so no TypeScript loader is needed in the
 * worker, in the server as in the test runner). It loads better-sqlite3 from the path the
 * engine resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('query_only = 1');
db.pragma('synchronous = ' + workerData.synchronous);
let seen = -1;
const timer = setInterval(() => {
  try {
    const version = db.pragma('data_version', { simple: true });
    if (version === seen) return;
    seen = version;
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.code) || e) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export class Checkpointer {
  readonly stats: CheckpointStats = { runs: 0, lastLog: 0, lastCheckpointed: 0, maxLog: 0 };
  readonly #worker: Worker;
  readonly #sqlite: SqliteDatabase.Database;
  readonly #exited: Promise<void>;
  #stopping = false;

  constructor(sqlite: SqliteDatabase.Database, path: string, options: CheckpointerOptions = {}) {
    this.#sqlite = sqlite;
    const synchronous = Number(sqlite.pragma('synchronous', { simple: true })) >= 2 ? 'FULL' : 'NORMAL';
    sqlite.pragma(`wal_autocheckpoint = ${Math.max(1, Math.floor(options.mainThreshold ?? 4000))}`);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        path,
        synchronous,
        intervalMs: Math.max(1, Math.floor(options.intervalMs ?? 100)),
      },
    });
    // A background helper: it must not keep the process alive.
    this.#worker.unref();
    const fail = (e: unknown) => {
      if (this.#stopping) return;
      this.#restoreDefault();
      options.onError?.(e);
    };
    this.#worker.on('message', (m: { log?: number; checkpointed?: number; error?: string }) => {
      if (m.error !== undefined) {
        // A checkpoint failed (e.g. the disk); the next interval tries again, and the
        // connection's own checkpoint still bounds the WAL. Reported, not fatal.
        options.onError?.(new Error(`background checkpoint failed: ${m.error}`));
        return;
      }
      this.stats.runs++;
      this.stats.lastLog = m.log ?? 0;
      this.stats.lastCheckpointed = m.checkpointed ?? 0;
      this.stats.maxLog = Math.max(this.stats.maxLog, this.stats.lastLog);
    });
    this.#worker.on('error', fail);
    this.#exited = new Promise<void>((resolve) => {
      this.#worker.once('exit', (code) => {
        if (!this.#stopping) fail(new Error(`the checkpoint worker exited with code ${code}`));
        resolve();
      });
    });
  }

  /** Stops the worker (its connection closed) and gives the connection SQLite's default checkpoint back. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#worker.postMessage('stop');
      const timer = setTimeout(() => void this.#worker.terminate(), 5_000);
      await this.#exited;
      clearTimeout(timer);
      this.#restoreDefault();
    }
    await this.#exited;
  }

  /** For tests: the worker dies as if it had crashed. */
  async crashForTest(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }

  #restoreDefault(): void {
    if (this.#sqlite.open) this.#sqlite.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
  }
}
