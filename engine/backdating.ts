/**
 * Back-dating (PROCEDURES.md "Time"): a staff event's `occurredAt` may be earlier than its
 * `recordedAt` — a question received on Friday and registered on Monday — within a
 * deployment's limit, and one back-dated by more than a small tolerance carries a
 * `backdatingReason` that the history keeps (hashed) and flags.
 *
 * The limit is a setting (`MAX_BACKDATING`, e.g. `10wd`: ten working days; `30d`: thirty
 * calendar days). An occurredAt is allowed from the start (00:00 Asia/Almaty) of the day
 * that many days before the day of recording: with `10wd`, an event recorded on any day
 * may be dated on any day since the 10th working day before it.
 *
 * System events (deadline observations, deliveries) are never judged here: the engine
 * dates them itself (`deadline_missed` carries occurredAt = dueAt, however long ago).
 */
import type { BusinessCalendar, IsoDate } from '../calendars/types.js';
import { EngineError } from './errors.js';

export interface BackdatingLimit {
  amount: number;
  unit: 'working' | 'calendar';
}

/** The default limit: two working weeks. */
export const DEFAULT_MAX_BACKDATING: BackdatingLimit = { amount: 10, unit: 'working' };

/** An event dated up to this long before its recording is not "back-dated" (clocks, typing). */
export const BACKDATING_TOLERANCE_MS = 15 * 60_000;

/** The longest accepted `backdatingReason`. */
export const MAX_BACKDATING_REASON = 2000;

const SETTING = /^(\d{1,3})(wd|d)$/;

/** Parses `10wd` / `30d`; throws a message naming the setting. */
export function parseMaxBackdating(text: string): BackdatingLimit {
  const m = SETTING.exec(text.trim());
  if (!m) throw new Error(`MAX_BACKDATING=${JSON.stringify(text)}: must be <N>wd (working days) or <N>d (calendar days), e.g. 10wd`);
  return { amount: Number(m[1]), unit: m[2] === 'wd' ? 'working' : 'calendar' };
}

/** `10wd` / `30d`, as the setting is written (for messages). */
function formatMaxBackdating(l: BackdatingLimit): string {
  return `${l.amount}${l.unit === 'working' ? 'wd' : 'd'}`;
}

function minusCalendarDays(day: IsoDate, n: number): IsoDate {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** The earliest occurredAt a staff event recorded at `recordedAt` may carry (UTC ISO). */
function earliestOccurredAt(calendar: BusinessCalendar, limit: BackdatingLimit, recordedAt: string): string {
  const today = calendar.dayOf(recordedAt);
  const first = limit.amount === 0 ? today : limit.unit === 'working' ? calendar.workingDayBefore(today, limit.amount).lastDay : minusCalendarDays(today, limit.amount);
  // The start of `first` in the zone is the end of the day before it.
  return calendar.endOfDay(minusCalendarDays(first, 1));
}

/** True when `occurredAt` is more than the tolerance before `recordedAt`. */
export function isBackdated(occurredAt: string, recordedAt: string): boolean {
  return Date.parse(recordedAt) - Date.parse(occurredAt) > BACKDATING_TOLERANCE_MS;
}

/** Whether a stored event is back-dated: a staff event beyond the tolerance (the engine dates system events itself). */
export function eventIsBackdated(e: { role: string; occurredAt: string; recordedAt: string }): boolean {
  return e.role !== 'system' && isBackdated(e.occurredAt, e.recordedAt);
}

/**
 * The back-dating rules of one staff command: `occurredAt` not before the limit, and a
 * reason when back-dated beyond the tolerance. Returns the reason to store (or null).
 */
export function checkBackdating(
  calendar: BusinessCalendar,
  limit: BackdatingLimit,
  occurredAt: string,
  recordedAt: string,
  reason: unknown,
): string | null {
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_BACKDATING_REASON)) {
    throw new EngineError('invalid_request', `backdatingReason must be a non-empty text of at most ${MAX_BACKDATING_REASON} characters`, {
      field: 'backdatingReason',
    });
  }
  const late = isBackdated(occurredAt, recordedAt);
  // Within the tolerance an event is never before a limit of one day or more (the limit
  // starts at 00:00 of an earlier day, at least 24 hours back): the common command (its
  // occurredAt the server time) needs no calendar arithmetic.
  const earliest = !late && limit.amount >= 1 ? undefined : earliestOccurredAt(calendar, limit, recordedAt);
  if (earliest !== undefined && occurredAt < earliest) {
    const setting = formatMaxBackdating(limit);
    throw new EngineError(
      'invalid_request',
      `occurredAt ${occurredAt} is earlier than this deployment allows: MAX_BACKDATING=${setting} ` +
        `(${limit.amount} ${limit.unit === 'working' ? 'working' : 'calendar'} days) admits events from ${earliest} on`,
      { field: 'occurredAt', setting: 'MAX_BACKDATING', maxBackdating: setting, notBefore: earliest },
    );
  }
  if (late && reason === undefined) {
    throw new EngineError(
      'invalid_request',
      `occurredAt ${occurredAt} is more than ${BACKDATING_TOLERANCE_MS / 60_000} minutes before the recording (${recordedAt}): ` +
        'a back-dated event must carry "backdatingReason", saying why it is recorded late',
      { field: 'backdatingReason' },
    );
  }
  return typeof reason === 'string' ? reason : null;
}
