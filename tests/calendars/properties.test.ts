import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';

const kz = loadKzCalendar();
// Instants from 2022-01-01 to 2026-06-30 so that 300 working days stay inside 2027.
const instant = fc
  .integer({ min: Date.parse('2022-01-01T00:00:00Z'), max: Date.parse('2026-06-30T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());
const day = instant.map((s) => kz.dayOf(s));
// Days far enough from the start of the data for 60 working days back.
const laterDay = fc
  .integer({ min: Date.parse('2022-06-01T00:00:00Z'), max: Date.parse('2027-10-31T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));
const amount = fc.integer({ min: 1, max: 300 });

describe('kz calendar: properties', () => {
  it('should land N working days after d on a working day with exactly N working days between', () => {
    fc.assert(
      fc.property(instant, amount, (from, n) => {
        const d = kz.addWorkingDays(from, n);
        expect(kz.isWorkingDay(d.lastDay)).toBe(true);
        expect(kz.workingDaysBetween(d.fromDay, d.lastDay)).toBe(n);
        expect(Date.parse(d.dueAt)).toBeGreaterThan(Date.parse(from));
      }),
    );
  });

  it('should be strictly monotonic in N', () => {
    fc.assert(
      fc.property(instant, amount, (from, n) => {
        expect(kz.addWorkingDays(from, n + 1).lastDay > kz.addWorkingDays(from, n).lastDay).toBe(true);
      }),
    );
  });

  it('should make the lead time consistent with the forward count', () => {
    fc.assert(
      fc.property(laterDay, fc.integer({ min: 1, max: 60 }), (p, n) => {
        const lead = kz.workingDayBefore(p, n).lastDay;
        expect(kz.isWorkingDay(lead)).toBe(true);
        expect(lead < p).toBe(true);
        // The lead day is the N-th working day before P: N-1 working days lie between it
        // and P, so N working days forward from it land on P or the first working day after.
        expect(kz.addWorkingDays(lead, n).lastDay).toBe(kz.nextWorkingDay(p, { inclusive: true }));
        expect(kz.workingDaysBetween(lead, p) - (kz.isWorkingDay(p) ? 1 : 0)).toBe(n - 1);
      }),
    );
  });

  it('should end a calendar-day deadline on the first working day on or after d + N', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 60 }), (from, n) => {
        const d = kz.addCalendarDays(from, n);
        expect(kz.isWorkingDay(d.lastDay)).toBe(true);
        expect(d.lastDay >= d.nominalLastDay).toBe(true);
        expect(kz.nextWorkingDay(d.nominalLastDay, { inclusive: true })).toBe(d.lastDay);
      }),
    );
  });

  it('should agree with a naive day-by-day count', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 40 }), (start, n) => {
        let cursor = start;
        let left = n;
        while (left > 0) {
          cursor = new Date(Date.parse(`${cursor}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
          if (kz.day(cursor).working) left--;
        }
        expect(kz.addWorkingDays(start, n).lastDay).toBe(cursor);
      }),
    );
  });
});
