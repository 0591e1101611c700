/**
 * Reads of personal data and how long stored answers keep it (issue 13, "Who reads what").
 *
 * - Reads: the server decides who sees a case unredacted (server/read-access.ts); every
 *   such read by a person is recorded here (who, role, which case, which route, when) as
 *   a unit of work in the commit queue, so a read shares the batch of the commands of its
 *   tick (group commit) instead of opening a transaction of its own, and the answer goes
 *   out only once the record is stored (while the database refuses writes, the records
 *   wait in memory: `ReadRecorder`). Append-only; the auditor lists them.
 * - Retention: the idempotency rows hold full case views (the first answer of a command).
 *   `IdempotencyPurge` deletes those older than the retention (IDEMPOTENCY_RETENTION,
 *   default 24 h) periodically, on the engine's clock; a retry after that is a new request.
 */
import type { CaseReadRecord } from '../storage/index.js';
import type { Clock } from './clock.js';
import type { CommitQueue } from './commit-queue.js';
import type { Logger } from './logger.js';
import { PeriodicTask } from './periodic.js';

/** A read as the server reports it; the engine stamps the time. */
export type CaseRead = Omit<CaseReadRecord, 'readAt'>;

/** Default retention of stored idempotent answers: 24 hours. */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Most reads kept in memory while the database refuses writes (the oldest are dropped past it, and counted). */
const MAX_PENDING_READS = 100_000;

/**
 * Records reads in the commit queue. While the database refuses writes (a full disk, a
 * read-only file) reads are still answered, as before: their records wait in memory and
 * go out with the next read that commits (or at close); only a crash during the outage,
 * or more than `MAX_PENDING_READS` of them, loses records, and the log says how many.
 */
export class ReadRecorder {
  readonly #queue: CommitQueue;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #pending: CaseReadRecord[] = [];
  #dropped = 0;

  constructor(o: { queue: CommitQueue; clock: Clock; logger: Logger }) {
    this.#queue = o.queue;
    this.#clock = o.clock;
    this.#logger = o.logger;
  }

  /** Records waiting for the database to take writes again. */
  get pending(): number {
    return this.#pending.length;
  }

  async record(reads: readonly CaseRead[]): Promise<void> {
    const readAt = this.#clock.now().toISOString();
    const rows = [...this.#pending, ...reads.map((r) => ({ ...r, readAt }))];
    if (rows.length === 0) return;
    this.#pending = [];
    try {
      await this.#queue.submit((repos) => repos.reads.insertMany(rows));
      if (rows.length > reads.length) this.#logger.info({ reads: rows.length - reads.length }, 'reads recorded late, after the database took writes again');
    } catch (e) {
      const over = rows.length - MAX_PENDING_READS;
      if (over > 0) this.#dropped += over;
      this.#pending = over > 0 ? rows.slice(over) : rows;
      this.#logger.warn({ err: e, pending: this.#pending.length, dropped: this.#dropped }, 'reads not recorded yet: the database refuses writes');
    }
  }

  /** Writes what is pending (at close; a failure is logged). */
  async flush(): Promise<void> {
    if (this.#pending.length > 0) await this.record([]);
  }
}

/**
 * Deletes stored answers older than `retentionMs` (by the engine's clock), at start and then
 * every `everyMs` (default `min(retention / 4, 15 min)`, at least 1 s) while running. The
 * period is a plain Node timer (unref'd), not a wake-up on the engine's clock: the clock's
 * wake-ups are the deadlines', and housekeeping must not keep a process alive.
 */
export class IdempotencyPurge {
  readonly #queue: CommitQueue;
  readonly #clock: Clock;
  readonly retentionMs: number;
  readonly #task: PeriodicTask;
  #inFlight: Promise<number> | undefined;

  constructor(o: { queue: CommitQueue; clock: Clock; logger: Logger; retentionMs?: number; everyMs?: number }) {
    this.#queue = o.queue;
    this.#clock = o.clock;
    this.retentionMs = Math.max(0, o.retentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS);
    const everyMs = o.everyMs ?? Math.max(1000, Math.min(this.retentionMs / 4, 15 * 60 * 1000));
    this.#task = new PeriodicTask(
      everyMs,
      async () => {
        const n = await this.purge();
        if (n > 0) o.logger.info({ purged: n, retentionMs: this.retentionMs }, 'idempotency answers purged');
      },
      (e) => o.logger.warn({ err: e }, 'idempotency purge failed; retrying at the next period'),
    );
  }

  /** One purge now; resolves with the number of rows deleted. */
  purge(): Promise<number> {
    const before = new Date(this.#clock.now().getTime() - this.retentionMs).toISOString();
    const run = this.#queue.submit((repos) => repos.idempotency.purgeBefore(before));
    this.#inFlight = run.catch(() => 0);
    return run;
  }

  start(): Promise<void> {
    return this.#task.start();
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#inFlight;
  }
}
