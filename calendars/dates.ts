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
  return monthLength(year, month);
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

/**
 * Days from 1970-01-01 to a civil date (Howard Hinnant's days_from_civil): integer maths
 * only, no Date object. Month 1–12.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function monthLength(y: number, m: number): number {
  return m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : DAYS_IN_MONTH[m]!;
}

/** Reads `count` ASCII digits at `at`; -1 if any is not a digit. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Milliseconds of an ISO-8601 instant that carries an explicit offset or `Z`:
 * `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)`. A local time without an offset is refused:
 * in a product about legal deadlines an instant must not depend on the server's zone.
 * Hand-parsed because it is on the hot path of every deadline (a regex + Date.parse costs
 * several times more), and because Date.parse accepts impossible dates such as 02-30.
 */
export function parseInstant(value: string): number {
  const ms = typeof value === 'string' ? scanInstant(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new CalendarError(
      'invalid_instant',
      `'${String(value)}' is not an instant: expected ISO-8601 with an offset, e.g. 2025-03-06T10:00:00+05:00 or 2025-03-06T05:00:00Z.`,
      { value },
    );
  }
  return ms;
}

function scanInstant(s: string): number {
  if (s.length < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) {
    return NaN;
  }
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > monthLength(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  let i = 16;
  let sec = 0;
  let frac = 0;
  if (s.charCodeAt(i) === 58) {
    sec = digits(s, i + 1, 2);
    if (sec < 0 || sec > 59) return NaN;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      let scale = 100;
      let j = i + 1;
      for (; j < s.length; j++) {
        const c = s.charCodeAt(j) - 48;
        if (c < 0 || c > 9) break;
        frac += c * scale;
        scale /= 10;
      }
      if (j === i + 1 || j - i - 1 > 9) return NaN;
      i = j;
    }
  }
  let offset: number;
  const sign = s.charCodeAt(i);
  if (sign === 90 && i + 1 === s.length) {
    offset = 0;
  } else if ((sign === 43 || sign === 45) && i + 6 === s.length && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 18 || om < 0 || om > 59) return NaN;
    offset = (sign === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else {
    return NaN;
  }
  return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + Math.floor(frac) - offset;
}
