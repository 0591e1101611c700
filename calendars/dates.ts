/**
 * Civil-day arithmetic on "epoch days" (days since 1970-01-01, proleptic Gregorian).
 * Pure integer maths: the hot path of every deadline never touches luxon or time zones.
 */
import { CalendarError } from './errors.js';

const MS_PER_DAY = 86_400_000;

/** Epoch day of a civil date; month 1–12. */
export function epochDay(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** ISO weekday of an epoch day: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Calendar year of an epoch day. */
export function yearOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** `YYYY-MM-DD` of an epoch day. */
export function formatDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is a real `YYYY-MM-DD` date (2025-02-30 is not). */
export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** Epoch day of a `YYYY-MM-DD` string; throws `invalid_date` naming the value otherwise. */
export function parseDay(value: string): number {
  const m = DATE_RE.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)) return epochDay(y, mo, d);
  }
  throw new CalendarError('invalid_date', `'${value}' is not a date: expected YYYY-MM-DD with a real month and day.`, {
    value,
  });
}

const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Milliseconds of an ISO-8601 instant that carries an explicit offset or `Z`. A local time
 * without an offset is refused: in a product about legal deadlines an instant must not
 * depend on the server's zone.
 */
export function parseInstant(value: string): number {
  const m = INSTANT_RE.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const s = m[6] === undefined ? 0 : Number(m[6]);
    const oh = m[8] === undefined ? 0 : Number(m[8]);
    const om = m[9] === undefined ? 0 : Number(m[9]);
    const valid =
      mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59 && oh <= 18 && om <= 59;
    if (valid) {
      // Date.parse only sees the first 3 fraction digits' worth of precision; that is enough.
      const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw new CalendarError(
    'invalid_instant',
    `'${value}' is not an instant: expected ISO-8601 with an offset, e.g. 2025-03-06T10:00:00+05:00 or 2025-03-06T05:00:00Z.`,
    { value },
  );
}
