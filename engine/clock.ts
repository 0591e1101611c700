/**
 * Time for the engine: `now()` and one-shot wake-ups. Tests use `SimulatedClock` and
 * move time with `set`/`advance`; nothing in the engine sleeps on wall time.
 */
export interface Clock {
  now(): Date;
  /** Calls `fn` once at (or after) `at`. */
  wakeAt(at: Date, fn: () => void): WakeHandle;
  cancel(handle: WakeHandle): void;
}
export interface WakeHandle {
  readonly id: number;
}

/** Node clamps delays above 2^31-1 ms (24.8 days) to 1 ms; we never wait longer than this and re-check. */
export const MAX_WAKE_DELAY_MS = 60 * 60 * 1000;

export class SystemClock implements Clock {
  #next = 1;
  #timers = new Map<number, NodeJS.Timeout>();
  now(): Date {
    return new Date();
  }
  wakeAt(at: Date, fn: () => void): WakeHandle {
    const id = this.#next++;
    const delay = Math.min(Math.max(0, at.getTime() - Date.now()), MAX_WAKE_DELAY_MS);
    const t = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, delay);
    t.unref?.();
    this.#timers.set(id, t);
    return { id };
  }
  cancel(handle: WakeHandle): void {
    const t = this.#timers.get(handle.id);
    if (t) clearTimeout(t);
    this.#timers.delete(handle.id);
  }
}

/** A clock that only moves when told to; due wake-ups run synchronously inside `set`/`advance`. */
export class SimulatedClock implements Clock {
  #now: number;
  #next = 1;
  #pending = new Map<number, { at: number; fn: () => void }>();
  constructor(start: Date | string | number = '2025-03-06T05:00:00.000Z') {
    this.#now = new Date(start).getTime();
    if (Number.isNaN(this.#now)) throw new Error(`invalid start time: ${String(start)}`);
  }
  now(): Date {
    return new Date(this.#now);
  }
  wakeAt(at: Date, fn: () => void): WakeHandle {
    const id = this.#next++;
    this.#pending.set(id, { at: at.getTime(), fn });
    return { id };
  }
  cancel(handle: WakeHandle): void {
    this.#pending.delete(handle.id);
  }
  /** Moves to `to` (never backwards) and runs every wake-up due by then, earliest first. */
  set(to: Date | string | number): void {
    const t = new Date(to).getTime();
    if (Number.isNaN(t)) throw new Error(`invalid time: ${String(to)}`);
    if (t < this.#now) throw new Error('SimulatedClock cannot move backwards');
    this.jump(t);
  }
  /**
   * Sets the time, backwards too (an NTP step, a restored VM: the clock-jump tests), and
   * runs the wake-ups due at the new time, earliest first; later ones stay pending.
   */
  jump(to: Date | string | number): void {
    const t = new Date(to).getTime();
    if (Number.isNaN(t)) throw new Error(`invalid time: ${String(to)}`);
    this.#now = t;
    const due = [...this.#pending.entries()].filter(([, w]) => w.at <= t).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
    for (const [id, w] of due) {
      this.#pending.delete(id);
      w.fn();
    }
  }
  advance(ms: number): void {
    this.set(this.#now + ms);
  }
  /** Pending wake-ups (for tests: a worker waits on at most one). */
  get pendingWakeups(): number {
    return this.#pending.size;
  }
}
