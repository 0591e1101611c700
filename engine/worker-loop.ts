import type { Clock, WakeHandle } from './clock.js';

/**
 * A coalescing run loop with one wake-up: `poke()` runs `work` now (or once more after the
 * current run), then the loop sleeps until `nextAt()` via the Clock. No polling.
 */
export class WorkerLoop {
  #inflight: Promise<void> | undefined;
  #again = false;
  #running = false;
  #wake: { handle: WakeHandle; at: number } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly work: () => Promise<void>,
    private readonly nextAt: () => Promise<string | undefined>,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): Promise<void> {
    this.#running = true;
    return this.poke();
  }

  stop(): Promise<void> {
    this.#running = false;
    this.#cancelWake();
    return this.#inflight ?? Promise.resolve();
  }

  get running(): boolean {
    return this.#running;
  }

  /** Runs the work now (coalesced with a run in progress). */
  poke(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    if (this.#inflight) {
      this.#again = true;
      return this.#inflight;
    }
    const p = this.#loop().finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = p;
    return p;
  }

  /** Something becomes due at `at`: wake then, unless an earlier wake-up is set. */
  dueAt(at: string): void {
    if (!this.#running) return;
    const t = Date.parse(at);
    if (t <= this.clock.now().getTime()) {
      void this.poke();
      return;
    }
    if (this.#inflight) {
      // The run in progress reschedules from the database when it ends.
      this.#again = true;
      return;
    }
    if (this.#wake && this.#wake.at <= t) return;
    this.#setWake(t);
  }

  get busy(): boolean {
    return this.#inflight !== undefined;
  }

  whenIdle(): Promise<void> {
    return this.#inflight ?? Promise.resolve();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.work();
      } catch (e) {
        this.onError(e);
      }
    } while (this.#again && this.#running);
    if (!this.#running) return;
    try {
      const next = await this.nextAt();
      this.#cancelWake();
      if (next !== undefined && this.#running) this.#setWake(Date.parse(next));
    } catch (e) {
      this.onError(e);
    }
  }

  #setWake(at: number): void {
    this.#cancelWake();
    const handle = this.clock.wakeAt(new Date(at), () => {
      this.#wake = undefined;
      void this.poke();
    });
    this.#wake = { handle, at };
  }

  #cancelWake(): void {
    if (this.#wake) this.clock.cancel(this.#wake.handle);
    this.#wake = undefined;
  }
}

/**
 * The lifecycle every engine worker shares (timers, outbox, reminders, digests): one
 * `WorkerLoop`, built by the subclass's constructor with its own work and next wake-up,
 * and these delegating controls.
 */
export abstract class LoopWorker {
  protected abstract readonly loop: WorkerLoop;

  start(): Promise<void> {
    return this.loop.start();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }
  /** Runs the work now (coalesced with a run in progress). */
  poke(): Promise<void> {
    return this.loop.poke();
  }
  /** Something became due at `dueAt` (a timer or a reminder scheduled): wake then at the latest. */
  scheduled(dueAt: string): void {
    this.loop.dueAt(dueAt);
  }
  whenIdle(): Promise<void> {
    return this.loop.whenIdle();
  }
  get busy(): boolean {
    return this.loop.busy;
  }
}
