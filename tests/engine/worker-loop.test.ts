/**
 * engine/worker-loop.ts, on its own: pokes coalesce into at most one more run, the loop
 * sleeps until `nextAt()` through the Clock (one wake-up at a time, never polling), `dueAt`
 * only ever brings the wake-up forward, `stop` cancels it, and a failing `work` or
 * `nextAt` goes to `onError` without stopping the loop.
 *
 * The SimulatedClock runs due wake-ups synchronously inside `set`, and `work` is called
 * synchronously by the poke a wake-up makes, so the tests count calls right after moving
 * the clock and then wait for the run to finish (`whenIdle`).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { WorkerLoop } from '../../engine/worker-loop.js';

const T0 = '2025-03-06T05:00:00.000Z';

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A loop whose work is counted (and may be held or fail) and whose `nextAt` is settable. */
function harness(options: { work?: (call: number) => Promise<void> } = {}) {
  const clock = new SimulatedClock(T0);
  const errors: unknown[] = [];
  const state = { calls: 0, nextAtCalls: 0, next: undefined as string | undefined, nextAtError: undefined as Error | undefined };
  const loop = new WorkerLoop(
    clock,
    () => {
      state.calls++;
      return options.work ? options.work(state.calls) : Promise.resolve();
    },
    () => {
      state.nextAtCalls++;
      return state.nextAtError ? Promise.reject(state.nextAtError) : Promise.resolve(state.next);
    },
    (e) => errors.push(e),
  );
  return { clock, loop, errors, state };
}

describe('WorkerLoop', () => {
  it('should run nothing before start or after stop', async () => {
    const { loop, state } = harness();
    await loop.poke();
    loop.dueAt(T0);
    expect(state.calls).toBe(0);
    expect(loop.running).toBe(false);
    await loop.start();
    expect(state.calls).toBe(1);
    await loop.stop();
    await loop.poke();
    expect(state.calls).toBe(1);
    expect(loop.running).toBe(false);
  });

  it('should coalesce pokes during a run into exactly one more run', async () => {
    const first = gate();
    const { loop, state } = harness({ work: (call) => (call === 1 ? first.promise : Promise.resolve()) });
    const run = loop.start();
    expect(state.calls).toBe(1);
    expect(loop.busy).toBe(true);
    // Every poke during the run joins it: the same promise, no extra call yet.
    expect(loop.poke()).toBe(run);
    expect(loop.poke()).toBe(run);
    expect(loop.poke()).toBe(run);
    expect(state.calls).toBe(1);
    first.open();
    await run;
    expect(state.calls).toBe(2);
    expect(loop.busy).toBe(false);
    // Once idle, a poke is a new run.
    await loop.poke();
    expect(state.calls).toBe(3);
  });

  it('should sleep until nextAt through the clock and run then, with one wake-up at a time', async () => {
    const { clock, loop, state } = harness();
    state.next = '2025-03-06T06:00:00.000Z';
    await loop.start();
    await loop.poke();
    await loop.poke();
    expect(state.calls).toBe(3);
    expect(clock.pendingWakeups).toBe(1);
    clock.set('2025-03-06T05:59:59.999Z');
    expect(state.calls).toBe(3);
    state.next = undefined;
    clock.set('2025-03-06T06:00:00.000Z');
    expect(state.calls).toBe(4);
    await loop.whenIdle();
    // Nothing due any more: no wake-up left behind.
    expect(clock.pendingWakeups).toBe(0);
    clock.advance(86_400_000);
    expect(state.calls).toBe(4);
    await loop.stop();
  });

  it('should bring the wake-up forward for an earlier dueAt and ignore a later one', async () => {
    const { clock, loop, state } = harness();
    state.next = '2025-03-06T08:00:00.000Z';
    await loop.start();
    loop.dueAt('2025-03-06T06:00:00.000Z');
    // Later than the wake-up already set: it must not push 06:00 back.
    loop.dueAt('2025-03-06T09:00:00.000Z');
    expect(clock.pendingWakeups).toBe(1);
    clock.set('2025-03-06T06:00:00.000Z');
    expect(state.calls).toBe(2);
    await loop.whenIdle();
    // After the run the loop asks nextAt again (08:00) and sleeps until then; a later
    // dueAt leaves that wake-up alone too.
    expect(clock.pendingWakeups).toBe(1);
    loop.dueAt('2025-03-06T09:00:00.000Z');
    state.next = undefined;
    clock.set('2025-03-06T07:59:59.999Z');
    expect(state.calls).toBe(2);
    clock.set('2025-03-06T08:00:00.000Z');
    expect(state.calls).toBe(3);
    await loop.stop();
  });

  it('should run at once for a dueAt that is already due', async () => {
    const { loop, state } = harness();
    await loop.start();
    loop.dueAt(T0);
    expect(state.calls).toBe(2);
    loop.dueAt('2025-03-06T04:00:00.000Z');
    await loop.whenIdle();
    expect(state.calls).toBe(3);
    await loop.stop();
  });

  it('should run once more and reschedule when a dueAt arrives during a run', async () => {
    const first = gate();
    const { clock, loop, state } = harness({ work: (call) => (call === 1 ? first.promise : Promise.resolve()) });
    const run = loop.start();
    // Arrives while the run may be reading the database: it must not be lost.
    loop.dueAt('2025-03-06T07:00:00.000Z');
    state.next = '2025-03-06T07:00:00.000Z';
    first.open();
    await run;
    expect(state.calls).toBe(2);
    expect(clock.pendingWakeups).toBe(1);
    await loop.stop();
  });

  it('should cancel the wake-up on stop, and wait for the run in progress without rescheduling', async () => {
    const { clock, loop, state } = harness();
    state.next = '2025-03-06T06:00:00.000Z';
    await loop.start();
    expect(clock.pendingWakeups).toBe(1);
    await loop.stop();
    expect(clock.pendingWakeups).toBe(0);
    clock.set('2025-03-06T07:00:00.000Z');
    expect(state.calls).toBe(1);

    const held = gate();
    const h = harness({ work: () => held.promise });
    h.state.next = '2025-03-06T06:00:00.000Z';
    void h.loop.start();
    let stopped = false;
    const stopping = h.loop.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    held.open();
    await stopping;
    // The run finished, but a stopped loop neither asks nextAt nor sets a wake-up.
    expect(h.state.nextAtCalls).toBe(0);
    expect(h.clock.pendingWakeups).toBe(0);
  });

  it('should report a failing work to onError and keep going: nextAt, the wake-up and later runs', async () => {
    const boom = new Error('boom');
    const { clock, loop, errors, state } = harness({ work: (call) => (call === 1 ? Promise.reject(boom) : Promise.resolve()) });
    state.next = '2025-03-06T06:00:00.000Z';
    await expect(loop.start()).resolves.toBeUndefined();
    expect(errors).toEqual([boom]);
    expect(state.nextAtCalls).toBe(1);
    expect(clock.pendingWakeups).toBe(1);
    state.next = undefined;
    clock.set('2025-03-06T06:00:00.000Z');
    await loop.whenIdle();
    expect(state.calls).toBe(2);
    expect(errors).toEqual([boom]);
    await loop.stop();
  });

  it('should run a coalesced poke even when the run it joined failed', async () => {
    const first = gate();
    const { loop, errors, state } = harness({ work: (call) => (call === 1 ? first.promise.then(() => Promise.reject(new Error('x'))) : Promise.resolve()) });
    const run = loop.start();
    void loop.poke();
    first.open();
    await run;
    expect(errors).toHaveLength(1);
    expect(state.calls).toBe(2);
    await loop.stop();
  });

  it('should report a failing nextAt to onError and still answer later pokes', async () => {
    const { clock, loop, errors, state } = harness();
    const down = new Error('database unavailable');
    state.nextAtError = down;
    await loop.start();
    expect(errors).toEqual([down]);
    expect(clock.pendingWakeups).toBe(0);
    state.nextAtError = undefined;
    state.next = '2025-03-06T06:00:00.000Z';
    await loop.poke();
    expect(state.calls).toBe(2);
    expect(clock.pendingWakeups).toBe(1);
    await loop.stop();
  });
});
