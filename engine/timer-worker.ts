/**
 * Fires `deadline_missed` {key} (role system, occurredAt = dueAt) for every open deadline
 * past due, exactly once: the timer is claimed (scheduled → fired) in the same transaction
 * as the event is appended, so a crash leaves either both or neither. Timers past due at
 * start fire at once; afterwards the worker sleeps until the next due_at.
 */
import { findCase } from '../storage/cases.repository.js';
import type { Db } from '../storage/connection.js';
import type { TimerRow } from '../storage/database.js';
import { claimTimer, listDueTimers, nextTimerDueAt, updateTimer } from '../storage/timers.repository.js';
import { deadlinesOf } from './case-view.js';
import type { Clock } from './clock.js';
import { isEngineError } from './errors.js';
import type { Logger } from './logger.js';
import type { Runner } from './runner.js';
import { WorkerLoop } from './worker-loop.js';

export type FireOutcome = 'fired' | 'skipped' | 'stale' | 'rejected';

export interface TimerWorkerOptions {
  db: Db;
  clock: Clock;
  runner: Runner;
  logger: Logger;
  batchSize?: number;
}

export class TimerWorker {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #runner: Runner;
  readonly #log: Logger;
  readonly #batch: number;
  readonly #loop: WorkerLoop;
  /** Count of deadline_missed events this worker appended (for tests and metrics). */
  fired = 0;

  constructor(o: TimerWorkerOptions) {
    this.#db = o.db;
    this.#clock = o.clock;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#batch = o.batchSize ?? 100;
    this.#loop = new WorkerLoop(
      o.clock,
      () => this.#fireDue(),
      () => nextTimerDueAt(this.#db),
      (e) => this.#log.error({ err: e }, 'timer worker failed'),
    );
  }

  start(): Promise<void> {
    return this.#loop.start();
  }
  stop(): Promise<void> {
    return this.#loop.stop();
  }
  /** Fire what is due now. */
  poke(): Promise<void> {
    return this.#loop.poke();
  }
  /** A timer was (re)scheduled at `dueAt`. */
  scheduled(dueAt: string): void {
    this.#loop.dueAt(dueAt);
  }
  whenIdle(): Promise<void> {
    return this.#loop.whenIdle();
  }
  get busy(): boolean {
    return this.#loop.busy;
  }

  async #fireDue(): Promise<void> {
    for (;;) {
      const due = await listDueTimers(this.#db, this.#clock.now().toISOString(), this.#batch);
      if (due.length === 0) return;
      // Submitted together: they share one group commit.
      const outcomes = await Promise.allSettled(due.map((t) => this.fire(t)));
      for (const o of outcomes) if (o.status === 'rejected') this.#log.error({ err: o.reason }, 'firing a timer failed');
      if (due.length < this.#batch || outcomes.every((o) => o.status === 'rejected')) return;
    }
  }

  /** Claims one timer and appends its `deadline_missed` event in the same transaction. */
  fire(timer: TimerRow): Promise<FireOutcome> {
    return this.#runner.queue.submit(async (trx, tx): Promise<FireOutcome> => {
      const now = this.#clock.now().toISOString();
      if (!(await claimTimer(trx, timer.case_id, timer.key, timer.due_at, now))) return 'skipped';
      const row = await findCase(trx, timer.case_id);
      const d = row ? deadlinesOf(JSON.parse(row.context) as Record<string, unknown>)[timer.key] : undefined;
      if (!row || !d || !d.open || Date.parse(d.dueAt) !== Date.parse(timer.due_at)) {
        // Met, dropped or moved since it was scheduled: never fire it.
        await updateTimer(trx, timer.case_id, timer.key, { status: 'cancelled', fired_at: null, updated_at: now });
        return 'stale';
      }
      try {
        await tx.nested(() =>
          this.#runner.applySystemEventInTrx(trx, tx, timer.case_id, {
            type: 'deadline_missed',
            payload: { key: timer.key },
            occurredAt: timer.due_at,
          }),
        );
      } catch (e) {
        if (!isEngineError(e)) throw e;
        // The machine refused it; the claim stays so the timer does not loop.
        this.#log.warn({ caseId: timer.case_id, key: timer.key, err: e }, 'deadline_missed was refused by the machine');
        return 'rejected';
      }
      tx.afterCommit(() => {
        this.fired++;
      });
      return 'fired';
    });
  }
}
