/**
 * Fires `deadline_missed` {key} (role system, occurredAt = dueAt) for every open deadline
 * past due, exactly once: the timer is claimed (scheduled → fired) in the same transaction
 * as the event is appended, so a crash leaves either both or neither. Timers past due at
 * start fire at once; afterwards the worker sleeps until the next due_at.
 */
import type { Repositories, Storage, TimerRecord } from '../storage/index.js';
import type { TxContext } from './commit-queue.js';
import { deadlinesOf } from './case-view.js';
import type { Clock } from './clock.js';
import { isEngineError } from './errors.js';
import type { Logger } from './logger.js';
import type { Runner } from './runner.js';
import { LoopWorker, WorkerLoop } from './worker-loop.js';

export type FireOutcome = 'fired' | 'skipped' | 'stale' | 'rejected';

export interface TimerWorkerOptions {
  storage: Storage;
  clock: Clock;
  runner: Runner;
  logger: Logger;
  batchSize?: number;
  /**
   * Called in the unit that appended `deadline_missed` (once per deadline dueAt: the
   * timer's claim), e.g. to queue the escalation (engine/notifications/).
   */
  onMissed?: (repos: Repositories, tx: TxContext, caseId: string, key: string) => Promise<void>;
}

export class TimerWorker extends LoopWorker {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #runner: Runner;
  readonly #log: Logger;
  readonly #batch: number;
  protected readonly loop: WorkerLoop;
  readonly #onMissed: TimerWorkerOptions['onMissed'];
  /** Count of deadline_missed events this worker appended (for tests and metrics). */
  fired = 0;

  constructor(o: TimerWorkerOptions) {
    super();
    this.#storage = o.storage;
    this.#clock = o.clock;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#batch = o.batchSize ?? 100;
    this.#onMissed = o.onMissed;
    this.loop = new WorkerLoop(
      o.clock,
      () => this.#fireDue(),
      () => this.#storage.read.timers.nextDueAt(),
      (e) => this.#log.error({ err: e }, 'timer worker failed'),
    );
  }


  async #fireDue(): Promise<void> {
    for (;;) {
      const due = await this.#storage.read.timers.listDue(this.#clock.now().toISOString(), this.#batch);
      if (due.length === 0) return;
      // Submitted together: they share one group commit.
      const outcomes = await Promise.allSettled(due.map((t) => this.fire(t)));
      for (const o of outcomes) if (o.status === 'rejected') this.#log.error({ err: o.reason }, 'firing a timer failed');
      if (due.length < this.#batch || outcomes.every((o) => o.status === 'rejected')) return;
    }
  }

  /** Claims one timer and appends its `deadline_missed` event in the same transaction. */
  fire(timer: TimerRecord): Promise<FireOutcome> {
    return this.#runner.queue.submit(async (repos, tx): Promise<FireOutcome> => {
      const now = this.#clock.now().toISOString();
      if (!(await repos.timers.claim(timer.caseId, timer.key, timer.dueAt, now))) return 'skipped';
      const row = await repos.cases.find(timer.caseId);
      const d = row ? deadlinesOf(JSON.parse(row.contextJson) as Record<string, unknown>)[timer.key] : undefined;
      if (!row || !d || !d.open || Date.parse(d.dueAt) !== Date.parse(timer.dueAt)) {
        // Met, dropped or moved since it was scheduled: never fire it.
        await repos.timers.update(timer.caseId, timer.key, { status: 'cancelled', firedAt: null, updatedAt: now });
        return 'stale';
      }
      try {
        await tx.nested(() =>
          this.#runner.applySystemEvent(repos, tx, timer.caseId, {
            type: 'deadline_missed',
            payload: { key: timer.key },
            occurredAt: timer.dueAt,
          }),
        );
      } catch (e) {
        if (!isEngineError(e)) throw e;
        // The machine refused it; the claim stays so the timer does not loop.
        this.#log.warn({ caseId: timer.caseId, key: timer.key, err: e }, 'deadline_missed was refused by the machine');
        return 'rejected';
      }
      if (this.#onMissed) await this.#onMissed(repos, tx, timer.caseId, timer.key);
      tx.afterCommit(() => {
        this.fired++;
      });
      return 'fired';
    });
  }
}
