/**
 * Group commit: every unit of work submitted within the same tick (and while a commit is
 * in flight) runs in ONE storage batch (storage/port.ts `Batch`: one transaction holding
 * the write lock), each inside its own savepoint. A unit that throws is rolled back to its
 * savepoint and fails alone; the others commit. Every caller is answered only after the
 * commit (or the failure of the whole batch); after-commit hooks run only for committed units.
 *
 * With a journal (engine/ledger/: the transparency log), the units see the batch's
 * repositories through it: what they write of the record is captured, the capture of a
 * unit (or nested savepoint) that rolls back is dropped with its writes, and the rest is
 * appended to the log in the same transaction, after the last unit and before the commit.
 * A failed append fails the whole batch: nothing commits without its log entries.
 *
 * On a storage shared by several processes (`Batch.announce`: PostgreSQL), what the
 * committed units `announce` is merged into one notice and sent in the same transaction,
 * after the log, so the other processes hear of exactly what committed (engine/remote-commits.ts).
 */
import type { CommitAnnouncement, Repositories, Storage } from '../storage/index.js';
import { EngineError, toEngineError } from './errors.js';

/** A unit of work: its writes go through `repos`, which belong to the batch's transaction. */
export type Work<T> = (repos: Repositories, tx: TxContext) => Promise<T>;

/** Per-unit context. */
export interface TxContext {
  /** Runs `fn` once the unit is committed (never for a unit that failed or a batch that rolled back). */
  afterCommit(fn: () => void): void;
  /** Runs `fn` in a nested savepoint; a throw rolls back only `fn`'s writes and is rethrown. */
  nested<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Tells the other processes on the database what the unit committed (storage/port.ts
   * `Batch.announce`); dropped with the unit (or nested savepoint) if it rolls back. A no-op
   * on a storage without it.
   */
  announce(part: AnnouncedStep): void;
}

/** One committed step, as announced to the other processes: ids, seqs and instants only. */
export interface AnnouncedStep {
  caseId: string;
  seq: number;
  scheduledDueAt?: string;
  mailQueued: number;
}

interface Job {
  work: Work<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  outcome?: { ok: true; value: unknown; hooks: (() => void)[] } | { ok: false; error: unknown };
}

/** The transparency log as the commit queue drives it (engine/ledger/log.ts). */
export interface BatchJournal<E = unknown> {
  /** The batch's repositories, capturing into `sink` what the units write of the record. */
  wrap(repos: Repositories, sink: E[]): Repositories;
  /** Appends the committed units' entries, in the batch's transaction. */
  append(repos: Repositories, entries: readonly E[]): Promise<unknown>;
  /** After the commit of a batch that appended: what `append` returned. */
  committed?(appended: unknown): void;
}

export interface CommitQueueOptions {
  /** false: one transaction per unit (the baseline the bench compares against). */
  groupCommit?: boolean;
  /** Most units in one transaction. */
  maxBatch?: number;
  /** Told about every failed batch (the storage's error, before it is mapped for the callers). */
  onError?: (e: unknown) => void;
  /** The transparency log (see the file's comment). */
  journal?: BatchJournal;
}

export interface CommitStats {
  transactions: number;
  units: number;
}

export class CommitQueue {
  readonly #storage: Storage;
  readonly #group: boolean;
  readonly #maxBatch: number;
  readonly #onError: (e: unknown) => void;
  readonly #journal: BatchJournal | undefined;
  #queue: Job[] = [];
  #scheduled = false;
  #running = false;
  #closed = false;
  #idle: (() => void)[] = [];
  readonly stats: CommitStats = { transactions: 0, units: 0 };

  constructor(storage: Storage, options: CommitQueueOptions = {}) {
    this.#storage = storage;
    this.#group = options.groupCommit ?? true;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 256);
    this.#onError = options.onError ?? (() => {});
    this.#journal = options.journal;
  }


  /** Runs `work` in the next batch; resolves after that batch commits. */
  submit<T>(work: Work<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new EngineError('storage_unavailable', 'the engine is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work: work as Work<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.#schedule();
    });
  }

  get busy(): boolean {
    return this.#running || this.#scheduled || this.#queue.length > 0;
  }

  /** Resolves when nothing is queued or running. */
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

  #failAll(jobs: Job[], e: unknown, fallback: string): void {
    this.#onError(e);
    const mapped = toEngineError(e);
    const err = mapped instanceof EngineError ? mapped : new EngineError('storage_unavailable', `storage unavailable: ${fallback}`);
    for (const j of jobs) j.reject(err);
  }

  async #runBatch(jobs: Job[]): Promise<void> {
    let batch;
    try {
      batch = await this.#storage.beginBatch();
    } catch (e) {
      this.#failAll(jobs, e, 'cannot begin a transaction');
      return;
    }
    let aborted: unknown;
    let spCounter = 0;
    const journal = this.#journal;
    const sink: unknown[] = [];
    const repos = journal ? journal.wrap(batch.repos, sink) : batch.repos;
    // A batch of one unit needs no savepoint: if the unit fails, the whole transaction is
    // rolled back, which undoes exactly the unit's writes (two statements fewer per
    // command, a round trip each on PostgreSQL).
    const alone = jobs.length === 1;
    const announcing = batch.announce !== undefined;
    const announced: AnnouncedStep[] = [];
    for (const job of jobs) {
      const hooks: (() => void)[] = [];
      const ctx: TxContext = {
        afterCommit: (fn) => hooks.push(fn),
        nested: async <T>(fn: () => Promise<T>): Promise<T> => {
          const name = `n${++spCounter}`;
          const captured = sink.length;
          const said = announced.length;
          await batch.savepoint(name);
          try {
            const v = await fn();
            await batch.releaseSavepoint(name);
            return v;
          } catch (e) {
            await batch.rollbackToSavepoint(name);
            await batch.releaseSavepoint(name);
            sink.length = captured;
            announced.length = said;
            throw e;
          }
        },
        announce: (part) => {
          if (announcing) announced.push(part);
        },
      };
      const captured = sink.length;
      const said = announced.length;
      try {
        if (!alone) await batch.savepoint('unit');
      } catch (e) {
        aborted = e;
        break;
      }
      try {
        const value = await job.work(repos, ctx);
        if (!alone) await batch.releaseSavepoint('unit');
        job.outcome = { ok: true, value, hooks };
      } catch (e) {
        job.outcome = { ok: false, error: toEngineError(e) };
        sink.length = captured;
        announced.length = said;
        if (alone) {
          // Nothing else is in the transaction: undo it all, answer the unit's own error.
          await batch.rollback();
          job.reject(job.outcome.error);
          return;
        }
        try {
          await batch.rollbackToSavepoint('unit');
          await batch.releaseSavepoint('unit');
        } catch (e2) {
          aborted = e2;
          break;
        }
      }
    }
    let appended: unknown;
    if (aborted === undefined && journal && sink.length > 0) {
      try {
        appended = await journal.append(batch.repos, sink);
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted === undefined && announced.length > 0) {
      try {
        await batch.announce!(mergeAnnounced(announced));
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted === undefined) {
      try {
        await batch.commit();
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted !== undefined) {
      await batch.rollback();
      this.#failAll(jobs, aborted, 'the transaction failed');
      return;
    }
    this.stats.transactions++;
    this.stats.units += jobs.length;
    if (appended !== undefined) {
      try {
        journal?.committed?.(appended);
      } catch (e) {
        this.#onError(e);
      }
    }
    this.#answer(jobs);
  }

  /** Resolves or rejects each unit of a committed batch, then runs its after-commit hooks. */
  #answer(jobs: Job[]): void {
    for (const j of jobs) {
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

/** The batch's steps as one notice: per case the first and last seq, the earliest timer, the mail count. */
export function mergeAnnounced(steps: readonly AnnouncedStep[]): CommitAnnouncement {
  const cases = new Map<string, { id: string; fromSeq: number; toSeq: number }>();
  let scheduledDueAt: string | undefined;
  let mailQueued = 0;
  for (const s of steps) {
    const c = cases.get(s.caseId);
    if (c) {
      c.fromSeq = Math.min(c.fromSeq, s.seq);
      c.toSeq = Math.max(c.toSeq, s.seq);
    } else cases.set(s.caseId, { id: s.caseId, fromSeq: s.seq, toSeq: s.seq });
    if (s.scheduledDueAt && (scheduledDueAt === undefined || Date.parse(s.scheduledDueAt) < Date.parse(scheduledDueAt))) scheduledDueAt = s.scheduledDueAt;
    mailQueued += s.mailQueued;
  }
  return { cases: [...cases.values()], mailQueued, ...(scheduledDueAt ? { scheduledDueAt } : {}) };
}
