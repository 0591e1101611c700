/**
 * calendars/zone.ts: offsets, civil days and day starts in an IANA zone, memoised per UTC
 * quarter-hour / per day. The memo must never change an answer: every result equals what
 * luxon says for that very instant, also right before and after an offset change, and in
 * zones whose offsets or day starts are unusual (+5:45, midnight skipped by DST).
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CalendarError } from '../../calendars/errors.js';
import { epochDay, ZoneAdapter } from '../../calendars/zone.js';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('ZoneAdapter', () => {
  it('should refuse a zone that is not in the IANA database', () => {
    expect(() => new ZoneAdapter('Asia/Nowhere')).toThrow(CalendarError);
    expect(() => new ZoneAdapter('Asia/Nowhere')).toThrow(expect.objectContaining({ code: 'calendar_data_invalid' }));
  });

  it("should follow Kazakhstan's change from UTC+6 to UTC+5 (Asia/Almaty, 1 March 2024 00:00 local)", () => {
    const almaty = new ZoneAdapter('Asia/Almaty');
    // Asked in this order on purpose: the instant right before the change must not leave an
    // offset in the memo that the instant of the change would reuse.
    expect(almaty.offsetAt(at('2024-02-29T17:59:59.999Z'))).toBe(6 * HOUR);
    expect(almaty.offsetAt(at('2024-02-29T18:00:00.000Z'))).toBe(5 * HOUR);
    expect(almaty.offsetAt(at('2024-02-29T17:59:59.999Z'))).toBe(6 * HOUR);
    expect(almaty.offsetAt(at('2025-06-01T00:00:00.000Z'))).toBe(5 * HOUR);
  });

  it('should place an instant in its civil day in the zone, across the change too', () => {
    const almaty = new ZoneAdapter('Asia/Almaty');
    expect(almaty.dayOf(at('2025-03-05T18:59:59.999Z'))).toBe(epochDay(2025, 3, 5));
    expect(almaty.dayOf(at('2025-03-05T19:00:00.000Z'))).toBe(epochDay(2025, 3, 6));
    // 29 February 2024 lasted 25 hours in Almaty: 18:30Z was 23:30 local (UTC+5), still that day.
    expect(almaty.dayOf(at('2024-02-29T18:30:00.000Z'))).toBe(epochDay(2024, 2, 29));
    expect(almaty.dayOf(at('2024-02-29T19:00:00.000Z'))).toBe(epochDay(2024, 3, 1));
  });

  it('should start a civil day at local midnight, or at the first instant of the day when midnight is skipped', () => {
    const almaty = new ZoneAdapter('Asia/Almaty');
    expect(almaty.startOfDay(epochDay(2025, 3, 6))).toBe(at('2025-03-05T19:00:00.000Z'));
    expect(almaty.startOfDay(epochDay(2024, 2, 29))).toBe(at('2024-02-28T18:00:00.000Z'));
    expect(almaty.startOfDay(epochDay(2024, 3, 1))).toBe(at('2024-02-29T19:00:00.000Z'));
    // Chile's DST began at 00:00 on 8 September 2024: the day began at 01:00 (UTC-3).
    expect(new ZoneAdapter('America/Santiago').startOfDay(epochDay(2024, 9, 8))).toBe(at('2024-09-08T04:00:00.000Z'));
  });

  it('should give the day start as the UTC ISO string of startOfDay', () => {
    const almaty = new ZoneAdapter('Asia/Almaty');
    expect(almaty.startOfDayIso(epochDay(2024, 3, 1))).toBe('2024-02-29T19:00:00.000Z');
    expect(almaty.startOfDayIso(epochDay(2024, 3, 1))).toBe('2024-02-29T19:00:00.000Z');
  });

  const zones = ['Asia/Almaty', 'Asia/Kathmandu', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'UTC'];
  const instants = fc.integer({ min: at('1990-01-01T00:00:00Z'), max: at('2040-01-01T00:00:00Z') });

  it('should answer exactly what luxon answers for any instant, however the memo was filled', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.array(instants, { minLength: 1, maxLength: 40 }), (zone, list) => {
        // One adapter for the whole list: earlier answers are in its memo for later ones.
        const z = new ZoneAdapter(zone);
        for (const ms of list) {
          const offset = DateTime.fromMillis(ms, { zone }).offset * 60_000;
          expect(z.offsetAt(ms)).toBe(offset);
          const local = DateTime.fromMillis(ms, { zone });
          expect(z.dayOf(ms)).toBe(epochDay(local.year, local.month, local.day));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('should start every day at an instant of that day, with the instant before it in the day before', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), instants, (zone, ms) => {
        const z = new ZoneAdapter(zone);
        const day = z.dayOf(ms);
        const start = z.startOfDay(day);
        expect(start).toBeLessThanOrEqual(ms);
        expect(z.dayOf(start)).toBe(day);
        expect(z.dayOf(start - 1)).toBe(day - 1);
      }),
      { numRuns: 300 },
    );
  });
});
