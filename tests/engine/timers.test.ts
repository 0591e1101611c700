import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_WAKE_DELAY_MS, SystemClock } from '../../engine/clock.js';
import { car, chairman, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';

const types = async (t: TestEngine, id: string) => (await t.engine.history(id)).map((e) => e.type);

describe('timer worker', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should fire deadline_missed once at dueAt, woken by the clock (one wake-up, no polling)', async () => {
    await t.engine.start();
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.idle();
    expect(t.clock.pendingWakeups).toBe(1);
    t.clock.set('2025-03-08T04:59:59.999Z');
    await t.engine.idle();
    expect(await types(t, view.id)).toEqual(['created']);
    t.clock.set('2025-03-08T05:00:00.000Z');
    await t.engine.idle();
    t.clock.advance(10 * 86_400_000);
    await t.engine.idle();
    const h = await t.engine.history(view.id);
    expect(h.map((e) => e.type)).toEqual(['created', 'deadline_missed']);
    expect(h[1]).toMatchObject({ role: 'system', actor: 'engine', payload: { key: 'reply' }, occurredAt: '2025-03-08T05:00:00.000Z' });
    const c = await t.engine.getCase(view.id);
    expect(c.deadlines[0]).toMatchObject({ status: 'missed', open: true, observedMissedAt: '2025-03-08T05:00:00.000Z' });
    expect(c.overdue).toBe(true);
    expect((await t.engine.storage.read.timers.listForCase(view.id))[0]).toMatchObject({ status: 'fired' });
    expect(t.engine.timers.fired).toBe(1);
    expect(t.clock.pendingWakeups).toBe(0);
  });

  it('should never fire a deadline that was met', async () => {
    await t.engine.start();
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'done' } }, { actor: unit });
    t.clock.advance(30 * 86_400_000);
    await t.engine.idle();
    expect(await types(t, view.id)).toEqual(['created', 'reply']);
    expect((await t.engine.storage.read.timers.listForCase(view.id))[0]!.status).toBe('cancelled');
  });

  it('should move the timer when the deadline is extended', async () => {
    await t.engine.start();
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.applyEvent(view.id, { type: 'extend', payload: { days: 3 } }, { actor: chairman });
    t.clock.set('2025-03-08T06:00:00.000Z'); // past the old due, before the new one (2025-03-11T05:00Z)
    await t.engine.idle();
    // Only the notice deadline (1 day after the extension) has fired.
    expect((await t.engine.history(view.id)).filter((e) => e.type === 'deadline_missed').map((e) => e.payload.key)).toEqual(['notice']);
    t.clock.set('2025-03-11T05:00:00.000Z');
    await t.engine.idle();
    const missed = (await t.engine.history(view.id)).filter((e) => e.type === 'deadline_missed');
    expect(missed.map((e) => [e.payload.key, e.occurredAt])).toEqual([
      ['notice', '2025-03-07T05:00:00.000Z'],
      ['reply', '2025-03-11T05:00:00.000Z'],
    ]);
  });

  it('should fire timers that fell due while stopped at start, and exactly once across restarts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.engine.createCase('test-procedure', inquiry(1 + (i % 2)), { actor: car })).view.id);
    await t.reopen(); // not started: nothing fires
    t.clock.set('2025-03-20T00:00:00Z');
    await t.engine.idle();
    for (const id of ids) expect(await types(t, id)).toEqual(['created']);
    await t.engine.start();
    await t.engine.idle();
    for (let restart = 0; restart < 3; restart++) {
      await t.reopen();
      await t.engine.start();
      t.clock.advance(86_400_000);
      await t.engine.idle();
    }
    for (const id of ids) {
      expect(await types(t, id)).toEqual(['created', 'deadline_missed']);
      expect((await t.engine.verify(id)).ok).toBe(true);
    }
  });
});

describe('SystemClock', () => {
  it('should cap a far wake-up to one hour (Node clamps delays above 24.8 days)', () => {
    vi.useFakeTimers();
    try {
      const clock = new SystemClock();
      const fn = vi.fn();
      clock.wakeAt(new Date(Date.now() + 60 * 86_400_000), fn);
      vi.advanceTimersByTime(MAX_WAKE_DELAY_MS - 1);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledTimes(1);
      const h = clock.wakeAt(new Date(Date.now() + 10), fn);
      clock.cancel(h);
      vi.advanceTimersByTime(100);
      expect(fn).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
