/**
 * Deadline arithmetic and judging, shared by every procedure. Pure: time comes from the
 * events' `occurredAt`, calendar arithmetic from `MachineDeps.calendar`; instants are
 * compared with `Date.parse` only.
 */
import type { ComputedDeadline, Instant, IsoDate, Reading } from '../../calendars/types.js';
import type { CaseDeadline, DeadlinePolicy, MachineDeps } from '../contract.js';

/** The reading a policy is counted with: fixed for qualified units, a setting for unqualified "дней". */
export function readingFor(deps: MachineDeps, policy: DeadlinePolicy): Reading {
  if (policy.unit === 'working_days') return 'working';
  if (policy.unit === 'calendar_days') return 'calendar';
  return deps.readings?.[policy.key] ?? policy.reading;
}

/** A deadline record from a computed period: open and `pending`. */
export function fromComputed(
  policy: DeadlinePolicy,
  computed: Pick<ComputedDeadline, 'lastDay' | 'dueAt' | 'calendar'>,
  reading: Reading,
  from: Instant | IsoDate,
  amount: number = policy.amount,
): CaseDeadline {
  return {
    key: policy.key,
    rule: policy.rule,
    amount,
    unit: policy.unit,
    reading,
    from,
    lastDay: computed.lastDay,
    dueAt: computed.dueAt,
    status: 'pending',
    open: true,
    calendar: computed.calendar,
  };
}

/**
 * Opens a deadline counted forward from `from` (an event's occurredAt).
 * @example openAfter(deps, REVIEW, '2025-03-06T10:00:00+05:00', 45) // lastDay 2025-04-21
 */
export function openAfter(
  deps: MachineDeps,
  policy: DeadlinePolicy,
  from: Instant,
  amount: number = policy.amount,
): CaseDeadline {
  const reading = readingFor(deps, policy);
  return fromComputed(policy, deps.calendar.deadline(from, amount, reading), reading, from, amount);
}

/** Whole calendar days from day `a` to day `b` (negative when b < a). */
export function calendarDaysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** How late an act at `at` is against a deadline, in the deadline's reading (≥ 1). */
export function lateness(deps: MachineDeps, d: CaseDeadline, at: Instant): { amount: number; unit: Reading } {
  const day = deps.calendar.dayOf(at);
  const amount =
    d.reading === 'working'
      ? deps.calendar.workingDaysBetween(d.lastDay, day)
      : calendarDaysBetween(d.lastDay, day);
  // A late act on a day off right after the last working day is still late: report at least 1.
  return { amount: Math.max(1, amount), unit: d.reading };
}

/**
 * Closes a deadline by the act that fulfils it, judged by the act's `occurredAt`:
 * `met` before `dueAt` (even when a `missed` observation came first — the back-dated case),
 * `met_late` otherwise, with the lateness recorded.
 */
export function close(deps: MachineDeps, d: CaseDeadline, at: Instant): CaseDeadline {
  const inTime = Date.parse(at) < Date.parse(d.dueAt);
  const { shortfall: _drop, ...rest } = d;
  return inTime
    ? { ...rest, open: false, closedAt: at, status: 'met' }
    : { ...rest, open: false, closedAt: at, status: 'met_late', shortfall: lateness(deps, d, at) };
}

/** The engine observed an open deadline past due: `missed`. Closed or not-yet-due deadlines are left alone. */
export function observeMissed(d: CaseDeadline, at: Instant): CaseDeadline {
  if (!d.open || Date.parse(at) < Date.parse(d.dueAt)) return d;
  return { ...d, status: 'missed', observedMissedAt: at };
}

/** Reopens a closed deadline with its old due date (P5 `cancel_redirect`). */
export function reopen(d: CaseDeadline): CaseDeadline {
  const { closedAt: _c, shortfall: _s, ...rest } = d;
  return { ...rest, open: true, status: d.observedMissedAt ? 'missed' : 'pending' };
}
