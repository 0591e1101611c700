/**
 * Group commit: every unit of work submitted within the same tick (and while a commit is
 * in flight) runs in ONE storage batch (storage/port.ts `Batch`: one transaction holding
 * the write lock), each inside its own savepoint. A unit that throws is rolled back to its
 * savepoint and fails alone; the others commit. Every caller is answered only after the
 * commit (or the failure of the whole batch); after-commit hooks run only for committed units.
 *
 * Where a savepoint costs a round trip (`Batch.rowsChangedSince`: PostgreSQL), units take none: a
 * unit that throws having changed no row fails alone as above; after any other failure the
 * batch rolls back and its units run again, each in a transaction of its own (a unit must
 * therefore do nothing outside its transaction but through `afterCommit`).
 *
 * With a journal (engine/ledger/: the transparency log), the units see the batch's
 * repositories through it: what they write of the record is captured, the capture of a
 * unit (or nested savepoint) that rolls back is dropped with its writes, and the rest is
 * appended to the log in the same transaction, after the last unit and before the commit.
 * A failed append fails the whole batch: nothing commits without its log entries.
 *
 * Where the storage allows it (`Storage.overlapsBatches`: PostgreSQL), the next batch is begun
 * as a batch sends its COMMIT, when units are already waiting for it: its BEGIN and write
 * lock wait in the database for that COMMIT instead of being sent after its answer. Every
 * batch of the queue then takes the batch begun ahead, if any (the reruns of a failed batch
 * too): the queue never waits for a lock that its own batch begun ahead holds.
 *
 * On a storage shared by several processes (`Batch.announce`: PostgreSQL), what the
 * committed units `announce` is merged into one notice and sent in the same transaction,
 * after the log, so the other processes hear of exactly what committed (engine/remote-commits.ts).
 */
import type { Batch, CommitAnnouncement, Repositories, Storage } from '../storage/index.js';
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
  /**
   * Where the batch stands among the database's commits (undefined on a storage without
   * `Batch.serial`: SQLite). Keep it with what the unit learnt of the database (a cached
   * case) and ask `unchanged` in a later batch whether it still holds.
   */
  readonly mark: BatchMark | undefined;
  /**
   * True iff no other process has changed case `caseId` since the batch of `mark` (so what
   * this process knew of it then, plus its own commits since, is what the database holds);
   * false for an undefined mark or on a storage without `Batch.serial`.
   */
  unchanged(mark: BatchMark | undefined, caseId: string): boolean;
  /**
   * A write of the unit whose answer the unit does not wait for (it knows the write cannot
   * be refused but by a failure: the case it read in this batch is current). The commit
   * queue waits for it before the commit, so the unit's next statements and the next
   * units' run while the database executes it. If it fails, the unit fails: with its
   * savepoint (SQLite, where it is waited for at the unit's end) alone; otherwise the batch
   * rolls back and its units run again, each in a transaction of its own.
   */
  defer(write: Promise<unknown>): void;
  /** The keys the batch's units were submitted with (`submit`'s `key`: the case each command is for), in order. */
  readonly keys: readonly string[];
  /** Scratch shared by the batch's units (a read made once for all of them), dropped with the batch. */
  readonly shared: Map<string, unknown>;
}

/** A batch's place among the database's commits (see `TxContext.mark`). */
export interface BatchMark {
  /** Bumped when the database's count went backwards (it was restored): every older mark is void. */
  readonly epoch: number;
  readonly serial: number;
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
  key: string | undefined;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  outcome?: { ok: true; value: unknown; hooks: (() => void)[] } | { ok: false; error: unknown };
}

/** The transparency log as the commit queue drives it (engine/ledger/log.ts). */
export interface BatchJournal<E = unknown> {
  /** The batch's repositories, capturing into `sink` what the units write of the record. */
  wrap(repos: Repositories, sink: E[]): Repositories;
  /**
   * Optional: resolves once the wrapped repositories hand out log positions without a read
   * (the log's head is known), so a unit's appends issue their writes the moment they are
   * called, in the unit's turn, even when the unit does not wait for them (`defer`).
   */
  ready?(sink: E[]): Promise<void>;
  /**
   * Optional: the cases other processes changed since this process's last committed batch
   * that appended, read in the batch of `sink`; undefined when it cannot tell (then every
   * case this process knew is read again).
   */
  foreignCases?(sink: E[]): Promise<ReadonlySet<string> | undefined>;
  /** Appends the committed units' entries, in the batch's transaction. */
  append(repos: Repositories, entries: readonly E[]): Promise<unknown>;
  /** After the commit of a batch that appended: what `append` returned. */
  committed?(appended: unknown): void;
  /** Optional: the log's size after an append (what `append` returned), told to the other processes with the batch's notice. */
  sizeAfter?(appended: unknown): number;
}

/** At most this many cases changed by other processes remembered one by one (beyond: every cached case is read again). */
const FOREIGN_CASES_KEPT = 10_000;

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
  /** The serial (storage/port.ts `Batch.serial`) of this process's last committed batch. */
  #committedSerial: number | undefined;
  /** Every batch up to this serial may be another process's, changing any case: marks at or below it prove nothing. */
  #foreignUpTo = Number.NEGATIVE_INFINITY;
  /** Cases other processes changed, with the last serial before the batch that learnt it: older marks of them prove nothing. */
  readonly #foreignCases = new Map<string, number>();
  #epoch = 0;
  /** The batch begun ahead (see the file's comment), for the next `#runBatch`. */
  #ahead: Promise<Batch> | undefined;

  /** The batch begun ahead, or a new one. */
  #begin(): Promise<Batch> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    return ahead ?? this.#storage.beginBatch();
  }

  /** As a batch commits: begins the next one if units wait for it and the storage overlaps batches. */
  #beginAhead(): void {
    if (!this.#group || this.#ahead !== undefined || this.#queue.length === 0 || this.#storage.overlapsBatches !== true) return;
    const ahead = this.#storage.beginBatch();
    // Its failure is the next batch's (`#runBatch` awaits it), never an unhandled rejection.
    ahead.catch(() => undefined);
    this.#ahead = ahead;
  }

  /** Whether batches of other processes committed since this process's last one (or it cannot tell). */
  #othersCommitted(serial: number): boolean {
    return this.#committedSerial === undefined || serial !== this.#committedSerial + 1;
  }

  /**
   * The mark of a batch about to run its units, from its serial and, if others committed
   * meanwhile, the cases they changed (undefined: unknown, any). See `TxContext.unchanged`.
   */
  #markOf(serial: number | undefined, foreign: ReadonlySet<string> | undefined): BatchMark | undefined {
    if (serial === undefined) return undefined;
    const last = this.#committedSerial;
    if (last !== undefined && serial <= last) {
      // The count went backwards: not the database this process has been writing.
      this.#epoch++;
      this.#committedSerial = undefined;
      this.#foreignCases.clear();
      foreign = undefined;
    }
    if (this.#othersCommitted(serial)) {
      // Before this process's first commit it knows nothing the set could spare.
      if (foreign === undefined || this.#committedSerial === undefined || this.#foreignCases.size + foreign.size > FOREIGN_CASES_KEPT) {
        this.#foreignUpTo = serial - 1;
        this.#foreignCases.clear();
      } else for (const id of foreign) this.#foreignCases.set(id, serial - 1);
    }
    return { epoch: this.#epoch, serial };
  }

  constructor(storage: Storage, options: CommitQueueOptions = {}) {
    this.#storage = storage;
    this.#group = options.groupCommit ?? true;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 256);
    this.#onError = options.onError ?? (() => {});
    this.#journal = options.journal;
  }


  /**
   * Runs `work` in the next batch; resolves after that batch commits. `key`: what the unit
   * is about (a case id), told to every unit of the batch (`TxContext.keys`).
   */
  submit<T>(work: Work<T>, key?: string): Promise<T> {
    if (this.#closed) return Promise.reject(new EngineError('storage_unavailable', 'the engine is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work: work as Work<unknown>, key, resolve: resolve as (v: unknown) => void, reject });
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
      // Begun only while units were queued, which this loop then ran: left over only if it threw.
      const ahead = this.#ahead;
      this.#ahead = undefined;
      if (ahead) void ahead.then((b) => b.rollback(), () => undefined);
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
      batch = await this.#begin();
    } catch (e) {
      this.#failAll(jobs, e, 'cannot begin a transaction');
      return;
    }
    let aborted: unknown;
    let spCounter = 0;
    const journal = this.#journal;
    const sink: unknown[] = [];
    const repos = journal ? journal.wrap(batch.repos, sink) : batch.repos;
    if (journal?.ready) {
      try {
        await journal.ready(sink);
      } catch (e) {
        await batch.rollback();
        this.#failAll(jobs, e, 'cannot read the log');
        return;
      }
    }
    // A batch of one unit needs no savepoint: if the unit fails, the whole transaction is
    // rolled back, which undoes exactly the unit's writes (two statements fewer per
    // command, a round trip each on PostgreSQL).
    const alone = jobs.length === 1;
    // Where a savepoint costs a round trip (storage/port.ts `Batch.rowsChangedSince`), units run
    // without one: a unit that fails having changed no row (a refusal, a conflict: nearly
    // every failure) needs no undo; for any other, the batch is rolled back and its units
    // run again one by one (below).
    const lazy = !alone && batch.rowsChangedSince !== undefined && batch.statements !== undefined;
    const announcing = batch.announce !== undefined;
    const announced: AnnouncedStep[] = [];
    let foreign: ReadonlySet<string> | undefined;
    if (batch.serial !== undefined && this.#committedSerial !== undefined && this.#othersCommitted(batch.serial) && journal?.foreignCases) {
      // One read for the batch instead of one per cached case (undefined on failure: all are read).
      foreign = await journal.foreignCases(sink).catch(() => undefined);
    }
    const mark = this.#markOf(batch.serial, foreign);
    const unchanged = (m: BatchMark | undefined, caseId: string): boolean =>
      mark !== undefined && m !== undefined && m.epoch === mark.epoch && m.serial > this.#foreignUpTo && m.serial > (this.#foreignCases.get(caseId) ?? Number.NEGATIVE_INFINITY);
    const keys = jobs.flatMap((j) => (j.key === undefined ? [] : [j.key]));
    const shared = new Map<string, unknown>();
    /** The deferred writes of the units that succeeded, settled (never rejecting: the error is the value). */
    const pending: Promise<{ failed: unknown } | undefined>[] = [];
    for (const job of jobs) {
      const hooks: (() => void)[] = [];
      const deferred: Promise<{ failed: unknown } | undefined>[] = [];
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
        mark,
        unchanged,
        defer: (write) => {
          deferred.push(write.then(() => undefined, (e: unknown) => ({ failed: e })));
        },
        keys,
        shared,
      };
      const captured = sink.length;
      const said = announced.length;
      const savepoint = !alone && !lazy;
      const first = lazy ? batch.statements!() : 0;
      try {
        if (savepoint) await batch.savepoint('unit');
      } catch (e) {
        aborted = e;
        break;
      }
      try {
        const value = await job.work(repos, ctx);
        if (lazy) pending.push(...deferred);
        else {
          // With a savepoint (or alone) the unit's writes are answered before it counts as done.
          const failed = (await Promise.all(deferred)).find((d) => d !== undefined);
          if (failed) throw failed.failed;
        }
        if (savepoint) await batch.releaseSavepoint('unit');
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
        if (lazy) {
          // Its statements were answered (a unit waits for all but the writes it deferred,
          // which count as changes whatever they will do).
          if (deferred.length === 0 && batch.rowsChangedSince!(first) === 0) continue;
          // The unit changed rows, or the transaction failed, and there is no savepoint to
          // go back to: nothing of the batch commits; each unit runs again in a transaction
          // of its own, so only the failing one fails (nobody was answered yet).
          await this.#rerunAlone(batch, jobs);
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
    // Lazy (no savepoints: a failure of any unit's write rolls the whole batch back), the log's
    // append is sent at once, behind the units' deferred writes and before their answers: the
    // database runs them back to back, with no turn of this process between. Until those
    // answers are in, the append is speculative; a failed write rolls it back with the rest.
    const early = aborted === undefined && lazy && journal !== undefined && sink.length > 0 ? settle(journal.append(batch.repos, sink)) : undefined;
    if (aborted === undefined && pending.length > 0) {
      // The units' deferred writes (lazy: without savepoints), all answered before the commit.
      const failed = (await Promise.all(pending)).find((d) => d !== undefined);
      if (failed) {
        await early;
        await this.#rerunAlone(batch, jobs);
        return;
      }
    }
    let appended: unknown;
    if (early) {
      const r = await early;
      if (r.ok) appended = r.value;
      else aborted = r.error;
    } else if (aborted === undefined && journal && sink.length > 0) {
      try {
        appended = await journal.append(batch.repos, sink);
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted === undefined && announced.length > 0) {
      try {
        const logSize = appended !== undefined ? journal?.sizeAfter?.(appended) : undefined;
        await batch.announce!({ ...mergeAnnounced(announced), ...(logSize !== undefined ? { logSize } : {}) });
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted === undefined) {
      try {
        const commit = batch.commit();
        this.#beginAhead();
        await commit;
      } catch (e) {
        aborted = e;
      }
    }
    if (aborted !== undefined) {
      await batch.rollback();
      this.#failAll(jobs, aborted, 'the transaction failed');
      return;
    }
    if (mark !== undefined) this.#committedSerial = mark.serial;
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

  /**
   * A batch without savepoints in which a unit failed after changing rows (or whose
   * transaction failed): nothing of it commits, and each unit runs again in a transaction
   * of its own, so only the failing one fails. Nobody was answered yet.
   */
  async #rerunAlone(batch: Batch, jobs: Job[]): Promise<void> {
    await batch.rollback();
    for (const j of jobs) {
      delete j.outcome;
      await this.#runBatch([j]);
    }
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

/** A promise's outcome as a value (never rejecting: an outcome awaited later is never an unhandled rejection). */
function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
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
