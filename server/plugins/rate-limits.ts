/**
 * Fixed-window counters for the limits the API keeps per key: writes per user, failed
 * authentications per address (server/plugins/authenticate.ts, server/routes/cases.ts).
 * In memory, per process: a restart forgets them, which is acceptable for limits whose
 * window is a minute. Synchronous, so a hook can use them without a promise.
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';

export class WindowCounter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  #nextSweep = 0;

  /**
   * @param limit hits allowed per key per window; 0 disables the counter (`blocked` is never true).
   * @param windowMs the window's length.
   */
  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit for `key`; the seconds to wait when the key is over the limit, else 0. */
  hit(key: string): number {
    if (this.limit <= 0) return 0;
    const w = this.#current(key, true)!;
    w.count += 1;
    return w.count > this.limit ? this.#retryAfter(w) : 0;
  }

  /** The seconds to wait when `key` already used up the window (without counting a hit), else 0. */
  blocked(key: string): number {
    if (this.limit <= 0) return 0;
    const w = this.#current(key, false);
    return w && w.count >= this.limit ? this.#retryAfter(w) : 0;
  }

  #current(key: string, create: boolean): { count: number; resetAt: number } | undefined {
    const now = this.now();
    if (now >= this.#nextSweep) {
      // Expired windows are dropped once per window, so the map holds only this window's keys.
      for (const [k, w] of this.#windows) if (now >= w.resetAt) this.#windows.delete(k);
      this.#nextSweep = now + this.windowMs;
    }
    let w = this.#windows.get(key);
    if (w && now >= w.resetAt) w = undefined;
    if (!w && create) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.#windows.set(key, w);
    }
    return w;
  }

  #retryAfter(w: { resetAt: number }): number {
    return Math.max(1, Math.ceil((w.resetAt - this.now()) / 1000));
  }
}

/** The 429 answer: `Retry-After` on the reply, and the error for the error handler. */
export function rateLimited(reply: FastifyReply, retryAfterSeconds: number, what: string): ApiError {
  void reply.header('retry-after', String(retryAfterSeconds));
  return new ApiError('rate_limited', `${what}; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
}
