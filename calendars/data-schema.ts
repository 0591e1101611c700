/**
 * The shape of a calendar data file (`calendars/data/<id>.json`) and its validation.
 * A broken file fails start-up with a message naming the file and the entry.
 *
 * Adding a year, a transfer order or a corrected Kurban Ait date is a change of the data
 * file only; the carry-over rule of Art. 5 is computed, never listed by hand.
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { isIsoDate, parseDay, weekdayOf, yearOf } from './dates.js';
import { CalendarError } from './errors.js';

const Status = Type.Union([
  Type.Literal('verified'),
  Type.Literal('secondary'),
  Type.Literal('unverified'),
]);
const MonthDay = Type.String({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });
const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Year = Type.Integer({ minimum: 1990, maximum: 2200 });
const Text = Type.String({ minLength: 1 });

export const HolidaySchema = Type.Object(
  {
    id: Text,
    name: Text,
    nameEn: Text,
    /** Days of the year (MM-DD) the holiday covers. */
    days: Type.Array(MonthDay, { minItems: 1 }),
    /** First year the holiday is in force (inclusive); absent = always within the data. */
    validFrom: Type.Optional(Year),
    /** Last year the holiday is in force (inclusive). */
    validTo: Type.Optional(Year),
    source: Text,
    status: Status,
  },
  { additionalProperties: false },
);

export const ReligiousDaySchema = Type.Object(
  {
    id: Text,
    name: Text,
    nameEn: Text,
    /** A day off on the same MM-DD each year… */
    fixed: Type.Optional(MonthDay),
    /** …or on a date fixed each year (Kurban Ait), one entry per year of the data. */
    dates: Type.Optional(
      Type.Array(Type.Object({ date: DateString, source: Text, status: Status }, { additionalProperties: false })),
    ),
    source: Text,
    status: Status,
  },
  { additionalProperties: false },
);

export const TransferOrderSchema = Type.Object(
  {
    year: Year,
    /** The act that ordered the transfers ("none known" for a year without one). */
    act: Text,
    source: Text,
    status: Status,
    /** Each swap makes a Saturday/Sunday a working day and a weekday a day off. */
    swaps: Type.Array(Type.Object({ workday: DateString, dayOff: DateString }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const CalendarDataSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
    name: Text,
    zone: Text,
    /** ISO weekdays that are the weekly rest days. */
    weekend: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 6 }),
    /** The years the data is complete for (transfer orders and religious dates known). */
    years: Type.Object({ from: Year, to: Year }, { additionalProperties: false }),
    /** The earliest year the statute model (holidays, carry-over) is believed right for. */
    statutoryFrom: Year,
    yearNotes: Type.Optional(Type.Record(Type.String({ pattern: '^\\d{4}$' }), Text)),
    carryOver: Type.Object({ rule: Text, source: Text, status: Status }, { additionalProperties: false }),
    holidays: Type.Array(HolidaySchema),
    religiousDaysOff: Type.Array(ReligiousDaySchema),
    transfers: Type.Array(TransferOrderSchema),
  },
  { additionalProperties: false },
);

export type CalendarData = Static<typeof CalendarDataSchema>;
export type HolidayData = Static<typeof HolidaySchema>;
export type ReligiousDayData = Static<typeof ReligiousDaySchema>;
export type TransferOrderData = Static<typeof TransferOrderSchema>;

function fail(file: string, entry: string, problem: string): never {
  throw new CalendarError('calendar_data_invalid', `Calendar data ${file}: ${entry}: ${problem}`, { file, entry });
}

/** Checks a parsed data file: shape first, then meaning. Throws naming the file and the entry. */
export function validateCalendarData(raw: unknown, file: string): CalendarData {
  if (!Value.Check(CalendarDataSchema, raw)) {
    const errors = Value.Errors(CalendarDataSchema, raw).filter((e) => e.keyword !== 'boolean');
    const first = errors[0];
    fail(file, first?.instancePath || '(root)', `${first?.message ?? 'does not match the schema'}` +
      (errors.length > 1 ? ` (and ${errors.length - 1} more problems)` : ''));
  }
  const data = raw as CalendarData;
  const weekend = new Set(data.weekend);
  const isDate = (value: string, entry: string) => {
    if (!isIsoDate(value)) fail(file, entry, `'${value}' is not a real date`);
    return parseDay(value);
  };

  if (data.years.from > data.years.to) fail(file, 'years', `from ${data.years.from} is after to ${data.years.to}`);
  if (data.statutoryFrom > data.years.from) fail(file, 'statutoryFrom', 'must not be later than years.from');

  const ids = new Set<string>();
  data.holidays.forEach((h, i) => {
    const entry = `holidays[${i}] (${h.id})`;
    if (ids.has(h.id)) fail(file, entry, `duplicate id '${h.id}'`);
    ids.add(h.id);
    if (h.validFrom !== undefined && h.validTo !== undefined && h.validFrom > h.validTo) {
      fail(file, entry, `validFrom ${h.validFrom} is after validTo ${h.validTo}`);
    }
    h.days.forEach((md) => {
      // 02-29 would be a real date only in leap years; no holiday uses it.
      if (!isIsoDate(`2001-${md}`)) fail(file, entry, `'${md}' is not a day of the year`);
    });
  });

  data.religiousDaysOff.forEach((r, i) => {
    const entry = `religiousDaysOff[${i}] (${r.id})`;
    if (ids.has(r.id)) fail(file, entry, `duplicate id '${r.id}'`);
    ids.add(r.id);
    if ((r.fixed === undefined) === (r.dates === undefined)) fail(file, entry, 'needs exactly one of fixed or dates');
    if (r.fixed !== undefined && !isIsoDate(`2001-${r.fixed}`)) fail(file, entry, `'${r.fixed}' is not a day of the year`);
    if (r.dates) {
      const seen = new Set<number>();
      r.dates.forEach((d, j) => {
        const day = isDate(d.date, `${entry}.dates[${j}]`);
        const y = yearOf(day);
        if (seen.has(y)) fail(file, `${entry}.dates[${j}]`, `a second date for ${y}`);
        seen.add(y);
      });
      for (let y = data.years.from; y <= data.years.to; y++) {
        if (!seen.has(y)) fail(file, entry, `no date for ${y}, a year the data claims to be complete for`);
      }
    }
  });

  const transferYears = new Set<number>();
  data.transfers.forEach((t, i) => {
    const entry = `transfers[${i}] (${t.year})`;
    if (transferYears.has(t.year)) fail(file, entry, `a second transfer entry for ${t.year}: merge the swaps`);
    transferYears.add(t.year);
    t.swaps.forEach((s, j) => {
      const e = `${entry}.swaps[${j}]`;
      const w = isDate(s.workday, `${e}.workday`);
      const o = isDate(s.dayOff, `${e}.dayOff`);
      if (yearOf(w) !== t.year || yearOf(o) !== t.year) fail(file, e, `dates must be in ${t.year}`);
      if (!weekend.has(weekdayOf(w))) fail(file, e, `workday ${s.workday} is not a weekend day`);
      if (weekend.has(weekdayOf(o))) fail(file, e, `dayOff ${s.dayOff} is already a weekend day`);
    });
  });
  for (let y = data.years.from; y <= data.years.to; y++) {
    if (!transferYears.has(y)) {
      fail(file, 'transfers', `no entry for ${y}; a year without a transfer order needs an entry with "swaps": [] saying so`);
    }
  }
  return data;
}
