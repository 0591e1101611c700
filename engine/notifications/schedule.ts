/**
 * The reminder schedule is a function of a case's open deadlines and the policy, as the
 * timers are (engine/timer-sync.ts). `syncReminders` runs in the unit of work that changed
 * the deadlines (engine/runner.ts, next to `syncTimers`): an open deadline has one row per
 * policy slot at its instant; a deadline that closed, moved or was dropped has its
 * scheduled rows cancelled (a moved one re-armed at the new instants). A row already sent
 * for the same deadline dueAt stays sent, so a reminder goes out once per deadline turn.
 *
 * A slot's instant: the deadline's last day (`workingDaysBefore` 0) or the N-th working
 * day before it (the business calendar), at the slot's local time in the calendar's zone.
 * A slot at or after the deadline's dueAt is not scheduled; a slot already past when the
 * deadline is (re)computed is born `skipped` (it was due before the deadline was known).
 */
import { formatDay, parseDay } from '../../calendars/dates.js';
import type { BusinessCalendar, IsoDate } from '../../calendars/types.js';
import type { CaseDeadline } from '../../machines/contract.js';
import type { ReminderRepository } from '../../storage/index.js';
import type { DeadlineNotifications, ReminderSlot } from './policy.js';

/** The instant (UTC ISO) of `minutes` after local midnight of `date` in the calendar's zone. */
export function localTime(calendar: BusinessCalendar, date: IsoDate, minutes: number): string {
  const midnight = Date.parse(calendar.endOfDay(formatDay(parseDay(date) - 1)));
  return new Date(midnight + minutes * 60_000).toISOString();
}

/** The instant of one slot of `d`, or undefined (at/after the deadline's dueAt, or outside the calendar's years). */
function slotInstant(calendar: BusinessCalendar, d: Pick<CaseDeadline, 'lastDay' | 'dueAt'>, s: ReminderSlot): string | undefined {
  let day: IsoDate;
  try {
    day = s.workingDaysBefore === 0 ? d.lastDay : calendar.workingDayBefore(d.lastDay, s.workingDaysBefore).lastDay;
  } catch {
    // A year the calendar does not know (calendar_year_unknown): no reminder rather than a wrong one.
    return undefined;
  }
  const at = localTime(calendar, day, s.minutes);
  return Date.parse(at) < Date.parse(d.dueAt) ? at : undefined;
}

/** Whether a deadline is one the engine reminds of: open and not yet missed. */
const remindable = (d: CaseDeadline) => d.open && d.status === 'pending';

/**
 * Makes the stored reminders of `caseId` match its deadlines; returns the earliest newly
 * scheduled instant (to wake the reminder worker), if any.
 */
export async function syncReminders(
  reminders: ReminderRepository,
  calendar: BusinessCalendar,
  policyOf: (key: string) => DeadlineNotifications | undefined,
  caseId: string,
  deadlines: Record<string, CaseDeadline>,
  now: string,
): Promise<string | undefined> {
  const existing = new Map((await reminders.listForCase(caseId)).map((r) => [`${r.key}\u0000${r.slot}`, r]));
  let earliest: string | undefined;
  const nowMs = Date.parse(now);
  for (const d of Object.values(deadlines)) {
    const policy = policyOf(d.key);
    if (!policy || !remindable(d)) continue;
    const deadlineDueAt = new Date(Date.parse(d.dueAt)).toISOString();
    for (const s of policy.reminders) {
      const due = slotInstant(calendar, d, s);
      if (due === undefined) continue;
      const id = `${d.key}\u0000${s.slot}`;
      const r = existing.get(id);
      existing.delete(id);
      // Sent (or skipped) for this very deadline instant: that turn is done.
      if (r && r.deadlineDueAt === deadlineDueAt && r.dueAt === due && r.status !== 'cancelled') continue;
      const status = Date.parse(due) <= nowMs ? 'skipped' : 'scheduled';
      if (!r) await reminders.insert({ caseId, key: d.key, slot: s.slot, dueAt: due, deadlineDueAt, status, createdAt: now, updatedAt: now });
      else await reminders.update(caseId, d.key, s.slot, { dueAt: due, deadlineDueAt, status, updatedAt: now });
      if (status === 'scheduled' && (earliest === undefined || due < earliest)) earliest = due;
    }
  }
  // Closed, missed, dropped, or a slot the policy no longer has: nothing more to remind.
  for (const r of existing.values()) {
    if (r.status === 'scheduled') await reminders.update(caseId, r.key, r.slot, { status: 'cancelled', updatedAt: now });
  }
  return earliest;
}
