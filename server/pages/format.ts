/**
 * How the pages write times and what remains: `18.12.2026` and `18.12.2026 14:05` in the
 * calendar's zone (Asia/Almaty unless the calendar says otherwise), whatever the language;
 * "осталось 2 раб. дня", "просрочено на 3 дня" from the engine's `remaining`.
 */
import type { Remaining } from '../../engine/index.js';
import { days, t, type Lang } from './i18n/index.js';

const formats = new Map<string, { date: Intl.DateTimeFormat; dateTime: Intl.DateTimeFormat }>();
function formatsFor(zone: string) {
  let f = formats.get(zone);
  if (!f) {
    const base = { timeZone: zone, day: '2-digit', month: '2-digit', year: 'numeric' } as const;
    f = {
      date: new Intl.DateTimeFormat('ru-RU', base),
      dateTime: new Intl.DateTimeFormat('ru-RU', { ...base, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    };
    formats.set(zone, f);
  }
  return f;
}

/** An instant (ISO) as `dd.MM.yyyy` in `zone`. */
export function formatDate(instant: string, zone: string): string {
  return formatsFor(zone).date.format(new Date(instant));
}

/** An instant (ISO) as `dd.MM.yyyy HH:mm` in `zone`. */
export function formatDateTime(instant: string, zone: string): string {
  return formatsFor(zone).dateTime.format(new Date(instant)).replace(',', '');
}

/** A calendar date (`2026-12-18`) as `18.12.2026`. */
export function formatIsoDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y}`;
}

/**
 * What remains of an open deadline, in words: working days where the rule counts them,
 * calendar days otherwise. Past due: "просрочено на N", counted the same way (at least 1).
 */
export function remainingText(lang: Lang, remaining: Remaining | undefined, overdue: boolean): string {
  if (!remaining) return '';
  const kind = remaining.workingDays !== undefined ? 'working' : 'calendar';
  const n = remaining.workingDays ?? remaining.calendarDays;
  if (overdue) return t(lang, 'remaining.overdue', { n: days(lang, Math.max(1, Math.abs(n)), kind) });
  if (remaining.calendarDays === 0) return t(lang, 'remaining.today');
  return t(lang, 'remaining.left', { n: days(lang, n, kind) });
}

/** Urgency for colour: overdue, due today or tomorrow (`soon`), within 3 working days (`near`), else `ok`. */
export type Urgency = 'overdue' | 'soon' | 'near' | 'ok' | 'none';
export function urgencyOf(remaining: Remaining | undefined, overdue: boolean): Urgency {
  if (overdue) return 'overdue';
  if (!remaining) return 'none';
  if (remaining.calendarDays <= 1) return 'soon';
  if ((remaining.workingDays ?? remaining.calendarDays) <= 3) return 'near';
  return 'ok';
}
