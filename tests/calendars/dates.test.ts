import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIsoDate, parseDay, parseInstant, formatDay, weekdayOf } from '../../calendars/dates.js';

describe('date and instant parsing', () => {
  it('should agree with Date.parse on every valid instant with an offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2199-12-31T00:00:00Z') }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }).map((m) => m - (m % 15)),
        (ms, offsetMinutes) => {
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const text = `${local}${off}`;
          expect(parseInstant(text)).toBe(Date.parse(text));
          expect(parseInstant(new Date(ms).toISOString())).toBe(ms);
        },
      ),
    );
  });

  it('should accept minutes-only and long fractions', () => {
    expect(parseInstant('2025-03-06T10:00+05:00')).toBe(Date.parse('2025-03-06T05:00:00Z'));
    expect(parseInstant('2025-03-06T10:00:00.123456789Z')).toBe(Date.parse('2025-03-06T10:00:00.123Z'));
  });

  it.each([
    '2025-03-06T10:00:00',
    '2025-03-06 10:00:00Z',
    '2025-02-29T10:00:00Z',
    '2025-13-01T10:00:00Z',
    '2025-03-06T24:00:00Z',
    '2025-03-06T10:60:00Z',
    '2025-03-06T10:00:00.Z',
    '2025-03-06T10:00:00+0500',
    '2025-03-06T10:00:00+05:00x',
    '2025-03-06',
    '',
    'yesterday',
  ])('should refuse %j as an instant', (text) => {
    expect(() => parseInstant(text)).toThrow(/not an instant/);
  });

  it('should know leap years and impossible dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2100-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2025-04-31')).toBe(false);
    expect(() => parseDay('2025-02-30')).toThrow(/not a date/);
  });

  it('should round-trip epoch days and know weekdays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (day) => {
        expect(parseDay(formatDay(day))).toBe(day);
        expect(weekdayOf(day)).toBe(((new Date(day * 86_400_000).getUTCDay() + 6) % 7) + 1);
      }),
    );
  });
});
