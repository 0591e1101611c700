/**
 * Housekeeping that runs at start and then every `everyMs` while running: the idempotency
 * purge (engine/reads.ts), the site-content review check (engine/site-content.ts). The
 * period is a plain Node timer (unref'd), not a wake-up on the engine's clock: the clock's
 * wake-ups are the deadlines', and housekeeping must not keep a process alive. One run at a
 * time; `stop` waits for the run in progress. `run` handles its own failures (a rejection
 * is passed to `onError`), so the next period tries again.
 */
export class PeriodicTask {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly run: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  async start(): Promise<void> {
    this.#running = true;
    await this.#tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    const run = this.run().catch(this.onError);
    this.#inFlight = run;
    await run;
    if (!this.#running) return;
    this.#timer = setTimeout(() => void this.#tick(), this.everyMs);
    this.#timer.unref();
  }
}
