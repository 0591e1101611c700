/**
 * Calendar benchmark: the indexed calendar against a naive luxon day-by-day loop, on the
 * same inputs, in the same run. Reports ops/s of both and the ratio (target ≥ 100×).
 * Both implementations must agree on every input, or the bench fails.
 */
import { DateTime } from 'luxon';
import { loadKzCalendar } from '../calendars/index.js';

const ZONE = 'Asia/Almaty';

export interface CalendarBenchResult {
  name: string;
  inputs: number;
  indexedOpsPerSec: number;
  naiveOpsPerSec: number;
  ratio: number;
}

/** A deterministic pseudo-random sequence (mulberry32), so every run uses the same inputs. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function timeOps(fn: () => void, minMs = 400): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    ops++;
    elapsed = performance.now() - start;
  }
  return ops / (elapsed / 1000);
}

export function runCalendarBench(): CalendarBenchResult[] {
  const kz = loadKzCalendar();
  // The naive baseline knows the same facts: a set of working and non-working ISO dates.
  const off = new Set<string>();
  const workingWeekend = new Set<string>();
  for (let y = kz.firstYear; y <= kz.lastYear; y++) {
    const s = kz.year(y);
    s.daysOff.forEach((d) => off.add(d.date));
    s.workingWeekendDays.forEach((d) => workingWeekend.add(d.date));
  }
  const naiveWorking = (dt: DateTime) => {
    const iso = dt.toISODate()!;
    if (workingWeekend.has(iso)) return true;
    return dt.weekday < 6 && !off.has(iso);
  };
  const naiveWorkingDays = (from: string, n: number) => {
    let dt = DateTime.fromISO(from, { setZone: true }).setZone(ZONE).startOf('day');
    let left = n;
    while (left > 0) {
      dt = dt.plus({ days: 1 });
      if (naiveWorking(dt)) left--;
    }
    return { lastDay: dt.toISODate()!, dueAt: dt.plus({ days: 1 }).toUTC().toISO()! };
  };
  const naiveCalendarDays = (from: string, n: number) => {
    let dt = DateTime.fromISO(from, { setZone: true }).setZone(ZONE).startOf('day').plus({ days: n });
    while (!naiveWorking(dt)) dt = dt.plus({ days: 1 });
    return { lastDay: dt.toISODate()!, dueAt: dt.plus({ days: 1 }).toUTC().toISO()! };
  };

  const random = rng(20251126);
  const lo = Date.parse('2024-01-01T00:00:00Z');
  const hi = Date.parse('2026-12-01T00:00:00Z');
  const inputs = Array.from({ length: 2000 }, () => ({
    from: new Date(lo + Math.floor(random() * (hi - lo))).toISOString(),
    n: 1 + Math.floor(random() * 30),
  }));

  const results: CalendarBenchResult[] = [];
  const cases = [
    { name: 'N working days after an instant (N = 1…30)', indexed: (f: string, n: number) => kz.addWorkingDays(f, n), naive: naiveWorkingDays },
    { name: 'N calendar days after an instant, last-day rule (N = 1…30)', indexed: (f: string, n: number) => kz.addCalendarDays(f, n), naive: naiveCalendarDays },
  ];
  for (const c of cases) {
    for (const { from, n } of inputs) {
      const a = c.indexed(from, n);
      const b = c.naive(from, n);
      if (a.lastDay !== b.lastDay || Date.parse(a.dueAt) !== Date.parse(b.dueAt)) {
        throw new Error(`calendar bench: implementations disagree on ${from} + ${n}: ${a.lastDay} vs ${b.lastDay}`);
      }
    }
    let i = 0;
    const indexedOpsPerSec = timeOps(() => {
      const x = inputs[i++ % inputs.length]!;
      c.indexed(x.from, x.n);
    });
    i = 0;
    const naiveOpsPerSec = timeOps(() => {
      const x = inputs[i++ % inputs.length]!;
      c.naive(x.from, x.n);
    });
    results.push({ name: c.name, inputs: inputs.length, indexedOpsPerSec, naiveOpsPerSec, ratio: indexedOpsPerSec / naiveOpsPerSec });
  }
  return results;
}
