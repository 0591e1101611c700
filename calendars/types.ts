/**
 * The public contract of the business calendar. Machines, the engine and the HTTP
 * layer depend on these types only; `calendars/business-calendar.ts` implements them.
 *
 * Conventions:
 * - `IsoDate` is a civil day `YYYY-MM-DD` in the calendar's zone (Asia/Almaty for `kz`).
 * - `Instant` is an ISO-8601 timestamp WITH an offset or `Z`. An instant is first placed
 *   in the calendar's zone to find its day.
 * - A deadline is the exclusive end instant of its last day (`dueAt` = start of the next
 *   day in the zone): something done at 23:59:59 of the last day is on time.
 */

/** `YYYY-MM-DD`, a civil day in the calendar's zone. */
export type IsoDate = string;
/** ISO-8601 timestamp with an explicit offset or `Z`, e.g. `2025-03-06T10:00:00+05:00`. */
export type Instant = string;

/** How a count of days is read: working days, or calendar days with the last day moved off a day off. */
export type Reading = 'calendar' | 'working';

/** Reliability of a calendar fact, carried over from calendar-facts.md. */
export const FACT_STATUSES = ['verified', 'secondary', 'unverified', 'computed'] as const;
export type FactStatus = (typeof FACT_STATUSES)[number];

/**
 * What kind of day a day is.
 * - `workday`: Monday–Friday with nothing special.
 * - `weekend`: Saturday/Sunday with nothing special.
 * - `holiday`: a statutory public holiday (on any weekday, weekend included).
 * - `religious`: a religious day off without carry-over (Orthodox Christmas, first day of Kurban Ait).
 * - `carryover`: a weekday off because a holiday fell on a weekend (Art. 5 of the Law on holidays).
 * - `transfer_day_off`: a weekday made a day off by a transfer order.
 * - `transfer_workday`: a Saturday/Sunday made a working day by a transfer order.
 */
export const DAY_KINDS = ['workday', 'weekend', 'holiday', 'religious', 'carryover', 'transfer_day_off', 'transfer_workday'] as const;
export type DayKind = (typeof DAY_KINDS)[number];

/** Why a day is off (or why a weekend day is working), with its source. */
export interface DayReason {
  kind: Exclude<DayKind, 'workday' | 'weekend'>;
  /** Human-readable, Russian/Kazakh as in the sources, e.g. "Наурыз мейрамы" or "Перенос выходного: …". */
  name: string;
  /** English gloss, e.g. "Nauryz", "carry-over of Nauryz (2025-03-22)". */
  nameEn: string;
  /** The act or publication the fact comes from. */
  source: string;
  status: FactStatus;
  /** For a carry-over: the holiday date it carries. For a transfer: the paired date. */
  relatedDate?: IsoDate;
  /** For a transfer: the order that made it. */
  act?: string;
}

export interface DayInfo {
  date: IsoDate;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  working: boolean;
  kind: DayKind;
  /** Present for every day that is not a plain workday or plain weekend day. */
  reason?: DayReason;
  /**
   * Further facts on the same day that did not decide it (a holiday on a Saturday also
   * listed as such; a religious day on a weekend).
   */
  also?: DayReason[];
  /** True when the year is not in the data and was computed from statute only (opt-in). */
  statutoryOnly: boolean;
}

/** Which calendar data a result was computed with; stored with every deadline. */
export interface CalendarStamp {
  /** Calendar id, e.g. `kz`. */
  id: string;
  /** Content hash of the calendar data, e.g. `kz-2b1f0c9e4d7a`. */
  version: string;
  /** True when any year used was computed from statute only (no transfer orders, no religious dates). */
  statutoryOnly: boolean;
  /** The statute-only years touched, if any. */
  statutoryOnlyYears: number[];
}

/** A deadline computed forward from an instant. */
export interface ComputedDeadline {
  /** The instant counted from, normalised to UTC ISO. */
  from: Instant;
  /** The day (in the zone) of `from`. Counting starts the day after it. */
  fromDay: IsoDate;
  amount: number;
  unit: Reading;
  /** Last day on which the act is on time. */
  lastDay: IsoDate;
  /** Exclusive end instant: the start of the day after `lastDay` in the zone, UTC ISO. */
  dueAt: Instant;
  /** For `calendar`: fromDay + amount before the last-day rule; equals lastDay when not moved. */
  nominalLastDay: IsoDate;
  calendar: CalendarStamp;
}

/** The latest on-time day for "not less than N working days before P" (P itself not counted). */
export interface ComputedLeadTime {
  before: IsoDate;
  amount: number;
  unit: 'working';
  lastDay: IsoDate;
  dueAt: Instant;
  calendar: CalendarStamp;
}

export interface YearSummary {
  year: number;
  workingDays: number;
  /** Working days per month, January first. */
  months: number[];
  /** Every weekday off and every working weekend day of the year, with reasons. */
  daysOff: DayInfo[];
  workingWeekendDays: DayInfo[];
  /** Status of the year's data: `complete` (transfers known), or `statutory_only`. */
  dataStatus: 'complete' | 'statutory_only';
  note?: string;
  calendar: CalendarStamp;
}

/**
 * A business calendar: data (holidays, transfers, religious days) + the counting rules of
 * PROCEDURES.md "Counting days". All operations are pure and synchronous.
 *
 * Errors: `CalendarError` with code `calendar_year_unknown` (a year not in the data and
 * statute-only not allowed), `invalid_date`, `invalid_instant`, `invalid_amount`.
 */
export interface BusinessCalendar {
  readonly id: string;
  readonly zone: string;
  /** Content hash of the data the calendar was built from. */
  readonly version: string;
  /** First and last year present in the data (statute-only years are outside this range). */
  readonly firstYear: number;
  readonly lastYear: number;

  /** The civil day (in the zone) of an instant, or the date itself when given a date. */
  dayOf(instantOrDate: Instant | IsoDate | Date): IsoDate;
  /** The day with its kind and reason. */
  day(date: IsoDate): DayInfo;
  isWorkingDay(date: IsoDate): boolean;
  /** The first working day strictly after `date` (or on/after it with `inclusive`). */
  nextWorkingDay(date: IsoDate, options?: { inclusive?: boolean }): IsoDate;
  /** N ≥ 1 working days after the day of `from`: counting starts the next day; ends at the end of the N-th. */
  addWorkingDays(from: Instant | IsoDate | Date, amount: number): ComputedDeadline;
  /** N ≥ 1 calendar days after the day of `from`; a last day that is not working moves to the next working day. */
  addCalendarDays(from: Instant | IsoDate | Date, amount: number): ComputedDeadline;
  /** Dispatch on the reading. */
  deadline(from: Instant | IsoDate | Date, amount: number, unit: Reading): ComputedDeadline;
  /** The N-th (N ≥ 1) working day before `date`, `date` itself not counted (п. 11 lead times). */
  workingDayBefore(date: IsoDate, amount: number): ComputedLeadTime;
  /** The number of working days d with a < d ≤ b (negative when b < a). */
  workingDaysBetween(a: IsoDate, b: IsoDate): number;
  /** The exclusive end instant of a day: the start of the next day in the zone, UTC ISO. */
  endOfDay(date: IsoDate): Instant;
  /** Per-month and per-year counts and the days off of a year. */
  year(year: number): YearSummary;
  /** The stamp for results touching the given years. */
  stamp(years?: Iterable<number>): CalendarStamp;
}
