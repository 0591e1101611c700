/**
 * Group commit: every unit of work submitted within the same tick (and while a commit is
 * in flight) runs in ONE database transaction, each inside its own SAVEPOINT. A unit that
 * throws is rolled back to its savepoint and fails alone; the others commit. Every caller
 * is answered only after the commit (or the failure of the whole transaction).
 */
import type { Transaction } from 'kysely';
import type { Db } from '../storage/connection.js';
import type { Database } from '../storage/database.js';
import { holdDirect, noteSyncFailure, noteSyncSuccess, releaseDirect, walSyncOf } from '../storage/connection.js';
import { acquireWriteLock, releaseSavepoint, rollbackToSavepoint, savepoint } from '../storage/transaction.js';
import { EngineError, toStorageError } from './errors.js';

export type Work<T> = (trx: Transaction<Database>, tx: TxContext) => Promise<T>;

/** Per-unit context: callbacks to run only once the unit is committed. */
export interface TxContext {
  afterCommit(fn: () => void): void;
  /** Runs `fn` in a nested savepoint; a throw rolls back only `fn`'s writes and is rethrown. */
  nested<T>(fn: () => Promise<T>): Promise<T>;
}

interface Job {
  work: Work<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  outcome?: { ok: true; value: unknown; hooks: (() => void)[] } | { ok: false; error: unknown };
}

export interface CommitQueueOptions {
  /** false: one transaction per unit (the baseline the bench compares against). */
  groupCommit?: boolean;
  /** Most units in one transaction. */
  maxBatch?: number;
  onError?: (e: unknown) => void;
}

export interface CommitStats {
  transactions: number;
  units: number;
}

export class CommitQueue {
  readonly #db: Db;
  readonly #group: boolean;
  readonly #maxBatch: number;
  readonly #onError: (e: unknown) => void;
  #queue: Job[] = [];
  #scheduled = false;
  #running = false;
  #closed = false;
  #idle: (() => void)[] = [];
  /** Committed batches whose WAL flush is still running (async durable commits). */
  #syncing = 0;
  /** Resolves when the last committed batch is durable (never rejects). */
  #durable: Promise<void> = Promise.resolve();
  readonly stats: CommitStats = { transactions: 0, units: 0 };

  constructor(db: Db, options: CommitQueueOptions = {}) {
    this.#db = db;
    this.#group = options.groupCommit ?? true;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 256);
    this.#onError = options.onError ?? (() => {});
  }

  /** Runs `work` in the next group transaction; resolves after that transaction commits. */
  submit<T>(work: Work<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new EngineError('storage_unavailable', 'the engine is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work: work as Work<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.#schedule();
    });
  }

  get busy(): boolean {
    return this.#running || this.#scheduled || this.#queue.length > 0 || this.#syncing > 0;
  }

  /**
   * Resolves once everything committed so far is on disk (or its flush failed). Readers
   * that show state to the outside (the API, the mail sender) wait for it, so nothing they
   * see can be lost to a power failure — as if COMMIT itself had synced.
   */
  durable(): Promise<void> {
    return this.#durable;
  }

  /** Resolves when nothing is queued, running or waiting for its flush. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #maybeIdle(): void {
    if (!this.busy) for (const r of this.#idle.splice(0)) r();
  }

  /** Refuses new work and waits for the queued work to commit. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.whenIdle();
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate: everything submitted in the current turn of the event loop joins the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#group ? this.#maxBatch : 1);
        await this.#runBatch(batch);
        if (!this.#group) continue;
        // Let callers woken by this commit submit their next commands into the next batch.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.#running = false;
      if (this.#queue.length > 0) this.#schedule();
      else this.#maybeIdle();
    }
  }

  async #runBatch(batch: Job[]): Promise<void> {
    let trx;
    try {
      trx = await this.#db.startTransaction().execute();
    } catch (e) {
      const err = toStorageError(e);
      this.#onError(e);
      for (const j of batch) j.reject(err);
      return;
    }
    // This queue holds the transaction (and with it the connection) until the commit below:
    // the units' per-command statements may run directly on the connection (storage/connection.ts).
    holdDirect(trx, this.#db);
    try {
      await acquireWriteLock(trx);
    } catch (e) {
      releaseDirect(trx);
      this.#onError(e);
      await trx.rollback().execute().catch(() => {});
      const err = toStorageError(e);
      for (const j of batch) j.reject(err instanceof EngineError ? err : new EngineError('storage_unavailable', 'storage unavailable: cannot lock the database'));
      return;
    }
    let aborted: unknown;
    let spCounter = 0;
    for (const job of batch) {
      const hooks: (() => void)[] = [];
      const ctx: TxContext = {
        afterCommit: (fn) => hooks.push(fn),
        nested: async <T>(fn: () => Promise<T>): Promise<T> => {
          const name = `n${++spCounter}`;
          await savepoint(trx, name);
          try {
            const v = await fn();
            await releaseSavepoint(trx, name);
            return v;
          } catch (e) {
            await rollbackToSavepoint(trx, name);
            await releaseSavepoint(trx, name);
            throw e;
          }
        },
      };
      try {
        await savepoint(trx, 'unit');
      } catch (e) {
        aborted = e;
        break;
      }
      try {
        const value = await job.work(trx, ctx);
        await releaseSavepoint(trx, 'unit');
        job.outcome = { ok: true, value, hooks };
      } catch (e) {
        job.outcome = { ok: false, error: toStorageError(e) };
        try {
          await rollbackToSavepoint(trx, 'unit');
          await releaseSavepoint(trx, 'unit');
        } catch (e2) {
          aborted = e2;
          break;
        }
      }
    }
    releaseDirect(trx);
    // With async durable commits, whoever looks at the state after the COMMIT waits for the
    // flush that follows it: set up before the COMMIT, so no reader slips in between.
    const wal = aborted === undefined ? walSyncOf(this.#db) : undefined;
    let flushed: (() => void) | undefined;
    if (wal) {
      const gate = new Promise<void>((r) => (flushed = r));
      const previous = this.#durable;
      this.#durable = previous.then(() => gate);
    }
    if (aborted === undefined) {
      try {
        await trx.commit().execute();
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted !== undefined) {
      flushed?.();
      this.#onError(aborted);
      try {
        await trx.rollback().execute();
      } catch {
        // The transaction is already gone (e.g. the commit failed and SQLite rolled back).
      }
      const err = toStorageError(aborted);
      const failure = err instanceof EngineError ? err : new EngineError('storage_unavailable', 'storage unavailable: the transaction failed');
      for (const j of batch) j.reject(failure);
      return;
    }
    this.stats.transactions++;
    this.stats.units += batch.length;
    if (!wal) {
      this.#answer(batch);
      return;
    }
    // Committed, not yet durable: answer after the flush; meanwhile the next batch runs.
    this.#syncing++;
    void wal.sync().then(
      () => {
        noteSyncSuccess(this.#db);
        this.#answer(batch);
      },
      (e: unknown) => {
        noteSyncFailure(this.#db, e);
        this.#onError(e);
        // Committed but maybe not on disk: like a crash before the answer, the callers are
        // told the storage failed and learn the outcome by reading the case again.
        const failure = new EngineError('storage_unavailable', 'storage unavailable: the disk did not confirm the write (fdatasync failed)');
        for (const j of batch) j.reject(j.outcome && !j.outcome.ok ? j.outcome.error : failure);
      },
    ).finally(() => {
      flushed?.();
      this.#syncing--;
      this.#maybeIdle();
    });
  }

  /** Resolves or rejects each unit of a committed batch, then runs its after-commit hooks. */
  #answer(batch: Job[]): void {
    for (const j of batch) {
      const o = j.outcome;
      if (!o) j.reject(new Error('unit was not run'));
      else if (o.ok) {
        j.resolve(o.value);
        for (const h of o.hooks) {
          try {
            h();
          } catch (e) {
            this.#onError(e);
          }
        }
      } else j.reject(o.error);
    }
  }
}
