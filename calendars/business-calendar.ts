/**
 * The business calendar: calendar data + the counting rules of PROCEDURES.md
 * ("Counting days"). Built once per data file; every operation afterwards is a few array
 * look-ups on per-day indexes — a deadline never loops day by day through luxon.
 *
 * Indexes over a contiguous range of years [startYear, endYear]:
 * - `working[i]`: 1 when day `base + i` is a working day;
 * - `cum[i]`: how many working days there are in [base, base + i] (inclusive);
 * - `workdays[k]`: the epoch day of the (k+1)-th working day of the range.
 * With them, "N working days after D" is `workdays[cum[D] + N - 1]`, and "the N-th
 * working day before P" is `workdays[cum[P - 1] - N]`.
 */
import { formatDay, parseDay, parseInstant, weekdayOf, yearOf, epochDay } from './dates.js';
import { CalendarError, yearUnknown } from './errors.js';
import type { CalendarData } from './data-schema.js';
import type {
  BusinessCalendar,
  CalendarStamp,
  ComputedDeadline,
  ComputedLeadTime,
  DayInfo,
  DayKind,
  DayReason,
  Instant,
  IsoDate,
  Reading,
  YearSummary,
} from './types.js';
import { DAY_KINDS } from './types.js';
import { ZoneAdapter } from './zone.js';

export interface CalendarOptions {
  /**
   * Compute years outside the data from statute only (holidays by law and carry-over; no
   * transfer orders, no religious days with a yearly date). Off by default: an unknown
   * year is then the error `calendar_year_unknown`. Every result touching such a year
   * says so in its stamp.
   */
  allowStatutoryOnly?: boolean;
}

/** The latest year a statute-only computation may reach; protects against runaway amounts. */
const STATUTORY_MAX_YEAR = 2200;
const MAX_AMOUNT = 3660;

/** The index of a day's kind in the precomputed arrays is its position in DAY_KINDS. */
const KIND_CODES: readonly DayKind[] = DAY_KINDS;
const WEEKDAY_EN = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

interface RangeIndex {
  startYear: number;
  endYear: number;
  base: number;
  working: Uint8Array;
  kind: Uint8Array;
  cum: Int32Array;
  workdays: Int32Array;
  /** Reasons per epoch day; the first one decided the day. */
  reasons: Map<number, DayReason[]>;
  /** `YYYY-MM-DD` of every day of the range, so results never format dates on the hot path. */
  dayStrings: string[];
}

export class KazakhBusinessCalendar implements BusinessCalendar {
  readonly id: string;
  readonly zone: string;
  readonly version: string;
  readonly firstYear: number;
  readonly lastYear: number;
  private readonly weekend: Set<number>;
  private readonly zoneAdapter: ZoneAdapter;
  private readonly allowStatutoryOnly: boolean;
  private index: RangeIndex;
  private readonly dataFirstDay: number;
  private readonly dataLastDay: number;
  /** The options it was built with (another version of the data is built with the same: calendars/index.ts `calendarSource`). */
  readonly options: CalendarOptions;

  constructor(
    private readonly data: CalendarData,
    version: string,
    options: CalendarOptions = {},
  ) {
    this.options = { ...options };
    this.id = data.id;
    this.zone = data.zone;
    this.version = version;
    this.firstYear = data.years.from;
    this.lastYear = data.years.to;
    this.weekend = new Set(data.weekend);
    this.zoneAdapter = new ZoneAdapter(data.zone);
    this.allowStatutoryOnly = options.allowStatutoryOnly ?? false;
    this.dataFirstDay = epochDay(data.years.from, 1, 1);
    this.dataLastDay = epochDay(data.years.to, 12, 31);
    this.index = this.build(data.years.from, data.years.to);
  }

  /** The validated data it was built from (installed into the database as a calendar version). */
  get sourceData(): CalendarData {
    return this.data;
  }

  // ---------------------------------------------------------------- public operations

  dayOf(value: Instant | IsoDate | Date): IsoDate {
    const day = this.dayNumber(value);
    const idx = this.index;
    return idx.dayStrings[day - idx.base] ?? formatDay(day);
  }

  day(date: IsoDate): DayInfo {
    const d = parseDay(date);
    const idx = this.indexFor(d);
    const i = d - idx.base;
    const reasons = idx.reasons.get(d);
    const info: DayInfo = {
      date: formatDay(d),
      weekday: weekdayOf(d),
      working: idx.working[i] === 1,
      kind: KIND_CODES[idx.kind[i]!]!,
      statutoryOnly: this.isStatutoryYear(yearOf(d)),
    };
    if (reasons && reasons.length > 0) {
      info.reason = reasons[0]!;
      if (reasons.length > 1) info.also = reasons.slice(1);
    }
    return info;
  }

  isWorkingDay(date: IsoDate): boolean {
    const d = parseDay(date);
    const idx = this.indexFor(d);
    return idx.working[d - idx.base] === 1;
  }

  nextWorkingDay(date: IsoDate, options: { inclusive?: boolean } = {}): IsoDate {
    const d = parseDay(date);
    return formatDay(this.nextWorkingAfter(options.inclusive ? d - 1 : d));
  }

  addWorkingDays(from: Instant | IsoDate | Date, amount: number): ComputedDeadline {
    checkAmount(amount);
    const { ms, day } = this.start(from);
    let idx = this.indexFor(day);
    while (idx.cum[day - idx.base]! + amount > idx.workdays.length) idx = this.extend(idx.endYear + 1);
    const last = idx.workdays[idx.cum[day - idx.base]! + amount - 1]!;
    return this.deadlineResult(from, ms, day, amount, 'working', last, last);
  }

  addCalendarDays(from: Instant | IsoDate | Date, amount: number): ComputedDeadline {
    checkAmount(amount);
    const { ms, day } = this.start(from);
    this.indexFor(day);
    const nominal = day + amount;
    const idx = this.indexFor(nominal);
    const last = idx.working[nominal - idx.base] === 1 ? nominal : this.nextWorkingAfter(nominal);
    return this.deadlineResult(from, ms, day, amount, 'calendar', last, nominal);
  }

  deadline(from: Instant | IsoDate | Date, amount: number, unit: Reading): ComputedDeadline {
    if (unit === 'working') return this.addWorkingDays(from, amount);
    if (unit === 'calendar') return this.addCalendarDays(from, amount);
    throw new CalendarError('invalid_amount', `Unknown unit '${String(unit)}': expected 'working' or 'calendar'.`);
  }

  workingDayBefore(date: IsoDate, amount: number): ComputedLeadTime {
    checkAmount(amount);
    const p = parseDay(date);
    let idx = this.indexFor(p - 1);
    // Ordinal (0-based) in `workdays` of the N-th working day before P.
    while (idx.cum[p - 1 - idx.base]! - amount < 0) idx = this.extend(idx.startYear - 1);
    const last = idx.workdays[idx.cum[p - 1 - idx.base]! - amount]!;
    return {
      before: formatDay(p),
      amount,
      unit: 'working',
      lastDay: formatDay(last),
      dueAt: this.endOfDayInstant(last),
      calendar: this.stampFor(last, p - 1),
    };
  }

  workingDaysBetween(a: IsoDate, b: IsoDate): number {
    const da = parseDay(a);
    const db = parseDay(b);
    this.indexFor(Math.min(da, db));
    const idx = this.indexFor(Math.max(da, db));
    return idx.cum[db - idx.base]! - idx.cum[da - idx.base]!;
  }

  endOfDay(date: IsoDate): Instant {
    const d = parseDay(date);
    this.indexFor(d);
    return this.endOfDayInstant(d);
  }

  year(year: number): YearSummary {
    if (!Number.isInteger(year)) {
      throw new CalendarError('invalid_date', `'${year}' is not a year.`, { value: year });
    }
    const jan1 = epochDay(year, 1, 1);
    const dec31 = epochDay(year, 12, 31);
    this.indexFor(jan1);
    const idx = this.indexFor(dec31);
    const months = new Array<number>(12).fill(0);
    const daysOff: DayInfo[] = [];
    const workingWeekendDays: DayInfo[] = [];
    for (let d = jan1; d <= dec31; d++) {
      const i = d - idx.base;
      const kind = KIND_CODES[idx.kind[i]!]!;
      if (idx.working[i] === 1) {
        months[new Date(d * 86_400_000).getUTCMonth()]! += 1;
        if (kind === 'transfer_workday') workingWeekendDays.push(this.day(formatDay(d)));
      } else if (kind !== 'weekend') {
        daysOff.push(this.day(formatDay(d)));
      }
    }
    const statutory = this.isStatutoryYear(year);
    const summary: YearSummary = {
      year,
      workingDays: months.reduce((s, n) => s + n, 0),
      months,
      daysOff,
      workingWeekendDays,
      dataStatus: statutory ? 'statutory_only' : 'complete',
      calendar: this.stamp([year]),
    };
    const note = statutory
      ? 'Computed from statute only: holidays by law and carry-overs; transfer orders and religious days with a yearly date (Kurban Ait) are not known for this year.'
      : this.data.yearNotes?.[String(year)];
    if (note) summary.note = note;
    return summary;
  }

  stamp(years: Iterable<number> = []): CalendarStamp {
    const statutoryOnlyYears = [...new Set(years)].filter((y) => this.isStatutoryYear(y)).sort((a, b) => a - b);
    return { id: this.id, version: this.version, statutoryOnly: statutoryOnlyYears.length > 0, statutoryOnlyYears };
  }

  // ---------------------------------------------------------------- internals

  private isStatutoryYear(year: number): boolean {
    return year < this.firstYear || year > this.lastYear;
  }

  private dayNumber(value: Instant | IsoDate | Date): number {
    if (value instanceof Date) {
      const ms = value.getTime();
      if (!Number.isFinite(ms)) throw new CalendarError('invalid_instant', 'Invalid Date object.');
      return this.zoneAdapter.dayOf(ms);
    }
    if (typeof value !== 'string') {
      throw new CalendarError('invalid_instant', `Expected an ISO instant or date, got ${typeof value}.`);
    }
    return value.length === 10 ? parseDay(value) : this.zoneAdapter.dayOf(parseInstant(value));
  }

  /** The start instant (ms) and its day; a bare date counts from the start of that day. */
  private start(from: Instant | IsoDate | Date): { ms: number; day: number } {
    if (typeof from === 'string' && from.length === 10) {
      const day = parseDay(from);
      this.indexFor(day);
      return { ms: this.zoneAdapter.startOfDay(day), day };
    }
    const ms = from instanceof Date ? from.getTime() : typeof from === 'string' ? parseInstant(from) : NaN;
    if (!Number.isFinite(ms)) throw new CalendarError('invalid_instant', `Invalid instant '${String(from)}'.`);
    return { ms, day: this.zoneAdapter.dayOf(ms) };
  }

  private deadlineResult(
    fromText: Instant | IsoDate | Date,
    fromMs: number,
    fromDay: number,
    amount: number,
    unit: Reading,
    last: number,
    nominal: number,
  ): ComputedDeadline {
    const idx = this.index;
    return {
      from: canonicalInstant(fromMs, fromText),
      fromDay: idx.dayStrings[fromDay - idx.base]!,
      amount,
      unit,
      lastDay: idx.dayStrings[last - idx.base]!,
      dueAt: this.endOfDayInstant(last),
      nominalLastDay: idx.dayStrings[nominal - idx.base]!,
      calendar: this.stampFor(fromDay, last),
    };
  }

  private stampFor(a: number, b: number): CalendarStamp {
    // Fast path: both ends inside the data years (the usual case) need no year list.
    if (Math.min(a, b) >= this.dataFirstDay && Math.max(a, b) <= this.dataLastDay) {
      return { id: this.id, version: this.version, statutoryOnly: false, statutoryOnlyYears: [] };
    }
    const years: number[] = [];
    for (let y = yearOf(Math.min(a, b)); y <= yearOf(Math.max(a, b)); y++) years.push(y);
    return this.stamp(years);
  }

  private endOfDayInstant(day: number): Instant {
    return this.zoneAdapter.startOfDayIso(day + 1);
  }

  /** The first working day strictly after `day`, extending the range if allowed. */
  private nextWorkingAfter(day: number): number {
    let idx = this.indexFor(day);
    while (idx.cum[day - idx.base]! >= idx.workdays.length) idx = this.extend(idx.endYear + 1);
    return idx.workdays[idx.cum[day - idx.base]!]!;
  }

  /** The index covering `day`, extended to statute-only years when allowed. */
  private indexFor(day: number): RangeIndex {
    const idx = this.index;
    if (day >= idx.base && day - idx.base < idx.working.length) return idx;
    return this.extend(yearOf(day));
  }

  private extend(year: number): RangeIndex {
    const idx = this.index;
    if (year >= idx.startYear && year <= idx.endYear) return idx;
    if (!this.allowStatutoryOnly || year < this.data.statutoryFrom || year > STATUTORY_MAX_YEAR) {
      throw yearUnknown(year, this.firstYear, this.lastYear);
    }
    this.index = this.build(Math.min(year, idx.startYear), Math.max(year, idx.endYear));
    return this.index;
  }

  private build(startYear: number, endYear: number): RangeIndex {
    const base = epochDay(startYear, 1, 1);
    const length = epochDay(endYear, 12, 31) - base + 1;
    const reasons = new Map<number, DayReason[]>();
    const add = (day: number, reason: DayReason) => {
      const list = reasons.get(day);
      if (list) list.push(reason);
      else reasons.set(day, [reason]);
    };
    const has = (day: number, kind: DayReason['kind']) => reasons.get(day)?.some((r) => r.kind === kind) ?? false;

    const holidayDays: number[] = [];
    for (let year = startYear; year <= endYear; year++) {
      const statutory = this.isStatutoryYear(year);
      for (const h of this.data.holidays) {
        if ((h.validFrom !== undefined && year < h.validFrom) || (h.validTo !== undefined && year > h.validTo)) continue;
        for (const md of h.days) {
          const day = parseDay(`${year}-${md}`);
          add(day, { kind: 'holiday', name: h.name, nameEn: h.nameEn, source: h.source, status: h.status });
          holidayDays.push(day);
        }
      }
      for (const r of this.data.religiousDaysOff) {
        const dates = r.fixed
          ? [{ date: `${year}-${r.fixed}`, source: r.source, status: r.status }]
          : statutory
            ? [] // a yearly date (Kurban Ait) cannot be known from statute
            : (r.dates ?? []).filter((d) => d.date.startsWith(`${year}-`));
        for (const d of dates) {
          const day = parseDay(d.date);
          const onWeekend = this.weekend.has(weekdayOf(day));
          add(day, {
            kind: 'religious',
            name: r.name,
            nameEn: onWeekend ? `${r.nameEn} (on a ${WEEKDAY_EN[weekdayOf(day)]}: a day off without carry-over)` : r.nameEn,
            source: d.source === r.source ? r.source : `${r.source}; ${d.source}`,
            status: d.status,
          });
        }
      }
    }

    // Carry-over (Art. 5): a holiday on a weekend gives the next weekday that is not
    // already a day off. Holidays are processed in date order so that consecutive weekend
    // holidays (Nauryz on Sat+Sun) take consecutive weekdays.
    holidayDays.sort((a, b) => a - b);
    for (const h of holidayDays) {
      if (!this.weekend.has(weekdayOf(h))) continue;
      let c = h + 1;
      while (this.weekend.has(weekdayOf(c)) || has(c, 'holiday') || has(c, 'religious') || has(c, 'carryover')) c++;
      const holiday = reasons.get(h)!.find((r) => r.kind === 'holiday')!;
      add(c, {
        kind: 'carryover',
        name: `Перенос выходного: ${holiday.name} ${formatDay(h)}`,
        nameEn: `carry-over of ${holiday.nameEn} (${formatDay(h)}, a ${WEEKDAY_EN[weekdayOf(h)]})`,
        source: this.data.carryOver.source,
        status: 'computed',
        relatedDate: formatDay(h),
      });
      holiday.relatedDate = formatDay(c);
      holiday.nameEn = `${holiday.nameEn} (on a ${WEEKDAY_EN[weekdayOf(h)]}; carried over to ${formatDay(c)})`;
    }

    for (const t of this.data.transfers) {
      if (t.year < startYear || t.year > endYear) continue;
      for (const s of t.swaps) {
        const w = parseDay(s.workday);
        const o = parseDay(s.dayOff);
        add(w, {
          kind: 'transfer_workday',
          name: `Рабочий день: день отдыха перенесён на ${s.dayOff}`,
          nameEn: `working ${WEEKDAY_EN[weekdayOf(w)]}: its day off moved to ${s.dayOff}`,
          source: t.source,
          status: t.status,
          relatedDate: s.dayOff,
          act: t.act,
        });
        add(o, {
          kind: 'transfer_day_off',
          name: `День отдыха, перенесённый с ${s.workday}`,
          nameEn: `day off moved from ${WEEKDAY_EN[weekdayOf(w)]} ${s.workday}`,
          source: t.source,
          status: t.status,
          relatedDate: s.workday,
          act: t.act,
        });
      }
    }

    const working = new Uint8Array(length);
    const kind = new Uint8Array(length);
    const cum = new Int32Array(length);
    const workdayList: number[] = [];
    const priority: DayReason['kind'][] = ['transfer_workday', 'transfer_day_off', 'holiday', 'religious', 'carryover'];
    for (let i = 0, count = 0; i < length; i++) {
      const day = base + i;
      const list = reasons.get(day);
      let k: DayKind = this.weekend.has(weekdayOf(day)) ? 'weekend' : 'workday';
      if (list) {
        list.sort((a, b) => priority.indexOf(a.kind) - priority.indexOf(b.kind));
        k = list[0]!.kind;
      }
      const isWorking = k === 'workday' || k === 'transfer_workday';
      kind[i] = KIND_CODES.indexOf(k);
      if (isWorking) {
        working[i] = 1;
        count++;
        workdayList.push(day);
      }
      cum[i] = count;
    }
    const dayStrings = Array.from({ length }, (_, i) => formatDay(base + i));
    return { startYear, endYear, base, working, kind, cum, workdays: Int32Array.from(workdayList), reasons, dayStrings };
  }
}

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The UTC ISO form of an instant; an input already in that form is returned as is. */
function canonicalInstant(ms: number, text: Instant | IsoDate | Date): Instant {
  return typeof text === 'string' && text.length === 24 && CANONICAL_UTC.test(text) ? text : new Date(ms).toISOString();
}

function checkAmount(amount: number): void {
  if (!Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    throw new CalendarError(
      'invalid_amount',
      `amount must be a whole number of days from 1 to ${MAX_AMOUNT}; got ${String(amount)}.`,
      { value: amount },
    );
  }
}
