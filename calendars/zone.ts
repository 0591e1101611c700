/**
 * Placing instants in a time zone without paying for luxon on every call.
 *
 * luxon (with the IANA database of the runtime) is the only source of truth for offsets;
 * its answers are memoised. Offsets are cached per UTC quarter-hour because every offset
 * transition in the IANA database happens on a quarter-hour boundary, so the cache can
 * never straddle one. Kazakhstan's own change (UTC+6 → UTC+5 on 1 March 2024) is such a
 * transition: Asia/Almaty carries it, no offset is ever typed by hand.
 */
import { DateTime, IANAZone } from 'luxon';
import { epochDay } from './dates.js';
import { CalendarError } from './errors.js';

const QUARTER_HOUR = 900_000;
const MS_PER_DAY = 86_400_000;
const MAX_CACHE = 500_000;

export class ZoneAdapter {
  private readonly offsets = new Map<number, number>();
  private readonly dayStarts = new Map<number, number>();
  private readonly dayStartIsos = new Map<number, string>();

  constructor(readonly zone: string) {
    if (!IANAZone.isValidZone(zone)) {
      throw new CalendarError('calendar_data_invalid', `Unknown IANA time zone '${zone}'.`, { zone });
    }
  }

  /** Offset from UTC in milliseconds at an instant. */
  offsetAt(ms: number): number {
    const key = Math.floor(ms / QUARTER_HOUR);
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      if (this.offsets.size > MAX_CACHE) this.offsets.clear();
      offset = DateTime.fromMillis(key * QUARTER_HOUR, { zone: this.zone }).offset * 60_000;
      this.offsets.set(key, offset);
    }
    return offset;
  }

  /** The epoch day (civil day in the zone) of an instant. */
  dayOf(ms: number): number {
    return Math.floor((ms + this.offsetAt(ms)) / MS_PER_DAY);
  }

  /** `startOfDay` as a UTC ISO string (memoised: deadlines return it on the hot path). */
  startOfDayIso(day: number): string {
    let iso = this.dayStartIsos.get(day);
    if (iso === undefined) {
      if (this.dayStartIsos.size > MAX_CACHE) this.dayStartIsos.clear();
      iso = new Date(this.startOfDay(day)).toISOString();
      this.dayStartIsos.set(day, iso);
    }
    return iso;
  }

  /** The instant at which a civil day starts in the zone. */
  startOfDay(day: number): number {
    let start = this.dayStarts.get(day);
    if (start === undefined) {
      if (this.dayStarts.size > MAX_CACHE) this.dayStarts.clear();
      const probe = new Date(day * MS_PER_DAY);
      start = DateTime.fromObject(
        { year: probe.getUTCFullYear(), month: probe.getUTCMonth() + 1, day: probe.getUTCDate() },
        { zone: this.zone },
      )
        .startOf('day')
        .toMillis();
      this.dayStarts.set(day, start);
    }
    return start;
  }
}

/** Convenience for tests: the epoch day of a civil date. */
export { epochDay };
