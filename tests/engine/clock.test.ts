/**
 * engine/clock.ts: the engine's only source of time. SimulatedClock moves only when told
 * and runs due wake-ups inside that call, earliest first; SystemClock never waits longer
 * than MAX_WAKE_DELAY_MS (Node would clamp a longer delay to 1 ms), so a far wake-up fires
 * early and its owner re-checks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_WAKE_DELAY_MS, SimulatedClock, SystemClock } from '../../engine/clock.js';

describe('SimulatedClock', () => {
  it('should start at the given instant and refuse an invalid one', () => {
    expect(new SimulatedClock('2025-01-02T03:04:05.006Z').now().toISOString()).toBe('2025-01-02T03:04:05.006Z');
    expect(new SimulatedClock().now().toISOString()).toBe('2025-03-06T05:00:00.000Z');
    expect(() => new SimulatedClock('not a date')).toThrow(/invalid start time/);
  });

  it('should run due wake-ups inside set, earliest first and in registration order on a tie, and keep later ones', () => {
    const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
    const ran: string[] = [];
    clock.wakeAt(new Date('2025-03-06T07:00:00.000Z'), () => ran.push('7h'));
    clock.wakeAt(new Date('2025-03-06T06:00:00.000Z'), () => ran.push('6h-a'));
    clock.wakeAt(new Date('2025-03-06T06:00:00.000Z'), () => ran.push('6h-b'));
    clock.wakeAt(new Date('2025-03-06T09:00:00.000Z'), () => ran.push('9h'));
    expect(clock.pendingWakeups).toBe(4);
    clock.set('2025-03-06T05:59:59.999Z');
    expect(ran).toEqual([]);
    clock.set('2025-03-06T08:00:00.000Z');
    expect(ran).toEqual(['6h-a', '6h-b', '7h']);
    expect(clock.pendingWakeups).toBe(1);
    clock.advance(3_600_000);
    expect(ran).toEqual(['6h-a', '6h-b', '7h', '9h']);
    expect(clock.now().toISOString()).toBe('2025-03-06T09:00:00.000Z');
    // A wake-up runs once.
    clock.advance(1);
    expect(ran).toHaveLength(4);
  });

  it('should not run a cancelled wake-up', () => {
    const clock = new SimulatedClock();
    const ran: number[] = [];
    const handle = clock.wakeAt(new Date(clock.now().getTime() + 10), () => ran.push(1));
    clock.wakeAt(new Date(clock.now().getTime() + 10), () => ran.push(2));
    clock.cancel(handle);
    clock.advance(10);
    expect(ran).toEqual([2]);
  });

  it('should refuse to move backwards with set, but jump backwards (clock-jump tests) without running later wake-ups', () => {
    const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
    const ran: string[] = [];
    clock.wakeAt(new Date('2025-03-06T04:00:00.000Z'), () => ran.push('4h'));
    clock.wakeAt(new Date('2025-03-06T06:00:00.000Z'), () => ran.push('6h'));
    expect(() => clock.set('2025-03-06T04:59:59.999Z')).toThrow(/backwards/);
    expect(() => clock.set('garbage')).toThrow(/invalid time/);
    expect(clock.now().toISOString()).toBe('2025-03-06T05:00:00.000Z');
    clock.jump('2025-03-06T04:30:00.000Z');
    expect(clock.now().toISOString()).toBe('2025-03-06T04:30:00.000Z');
    // The one due at the new time runs; the later one still waits.
    expect(ran).toEqual(['4h']);
    expect(clock.pendingWakeups).toBe(1);
  });
});

describe('SystemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should wake at the instant asked, and not for a cancelled wake-up', () => {
    vi.useFakeTimers({ now: new Date('2025-03-06T05:00:00.000Z') });
    const clock = new SystemClock();
    expect(clock.now().toISOString()).toBe('2025-03-06T05:00:00.000Z');
    const ran: string[] = [];
    clock.wakeAt(new Date('2025-03-06T05:00:01.000Z'), () => ran.push('1s'));
    const cancelled = clock.wakeAt(new Date('2025-03-06T05:00:01.000Z'), () => ran.push('cancelled'));
    clock.cancel(cancelled);
    vi.advanceTimersByTime(999);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['1s']);
  });

  it('should run a wake-up in the past at once', () => {
    vi.useFakeTimers({ now: new Date('2025-03-06T05:00:00.000Z') });
    const ran: number[] = [];
    new SystemClock().wakeAt(new Date('2025-03-06T04:00:00.000Z'), () => ran.push(1));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual([1]);
  });

  it('should wake after MAX_WAKE_DELAY_MS at the latest, however far the instant is', () => {
    vi.useFakeTimers({ now: new Date('2025-03-06T05:00:00.000Z') });
    const ran: number[] = [];
    // 30 days: past Node's 2^31-1 ms limit, which would otherwise fire after 1 ms.
    new SystemClock().wakeAt(new Date(Date.now() + 30 * 86_400_000), () => ran.push(1));
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(MAX_WAKE_DELAY_MS - 2);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1]);
  });
});
