import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCalendar, loadKzCalendar } from '../../calendars/index.js';
import { CalendarError } from '../../calendars/errors.js';

const kz = loadKzCalendar();
const facts = JSON.parse(
  readFileSync(new URL('./fixtures/kz-calendar-facts-2024-2027.json', import.meta.url), 'utf8'),
) as Array<{ date: string; kind: string; name: string }>;
const rawData = () => JSON.parse(readFileSync(new URL('../../calendars/data/kz.json', import.meta.url), 'utf8'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as CalendarError).code;
  }
  return undefined;
}

// calendar-facts.md, "Working days per month (five-day week), from these facts".
const TABLE: Record<number, number[]> = {
  2024: [21, 21, 17, 22, 20, 20, 22, 21, 21, 22, 21, 21],
  2025: [20, 20, 17, 22, 19, 20, 22, 21, 21, 22, 20, 22],
  2026: [19, 20, 18, 22, 17, 22, 22, 21, 22, 21, 21, 22],
  2027: [18, 20, 18, 22, 18, 22, 21, 22, 22, 20, 22, 22],
};
const TOTALS: Record<number, number> = { 2024: 249, 2025: 246, 2026: 247, 2027: 247 };

describe('kz calendar: working days per month', () => {
  for (const year of [2024, 2025, 2026, 2027]) {
    it(`should match the table of calendar-facts.md for ${year}`, () => {
      const summary = kz.year(year);
      expect(summary.months).toEqual(TABLE[year]);
      expect(summary.workingDays).toBe(TOTALS[year]);
      expect(summary.dataStatus).toBe('complete');
    });
  }
});

describe('kz calendar: agreement with the dated facts', () => {
  const kindMap: Record<string, string[]> = {
    holiday: ['holiday', 'religious'],
    carryover: ['carryover'],
    transfer_day_off: ['transfer_day_off'],
    transfer_workday: ['transfer_workday'],
  };

  it('should classify every dated fact of 2024–2027 as the facts file does', () => {
    for (const fact of facts) {
      const day = kz.day(fact.date);
      expect(kindMap[fact.kind], `${fact.date} ${fact.kind}`).toContain(day.kind);
      expect(day.working, `${fact.date} ${fact.name}`).toBe(fact.kind === 'transfer_workday');
    }
  });

  it('should have no weekday off and no working weekend day that the facts file does not list', () => {
    const listed = new Set(facts.map((f) => f.date));
    for (const year of [2024, 2025, 2026, 2027]) {
      const summary = kz.year(year);
      for (const d of [...summary.daysOff, ...summary.workingWeekendDays]) {
        expect(listed.has(d.date), `${d.date} (${d.kind}) is not in the facts file`).toBe(true);
      }
    }
  });

  it('should compute every carry-over of the facts file from Art. 5 rather than list it', () => {
    const data = rawData();
    expect(JSON.stringify(data)).not.toContain('"carryover"');
    const carryovers = facts.filter((f) => f.kind === 'carryover').map((f) => f.date);
    const computed = [2024, 2025, 2026, 2027].flatMap((y) =>
      kz.year(y).daysOff.filter((d) => d.kind === 'carryover').map((d) => d.date),
    );
    expect(computed).toEqual(carryovers);
  });
});

describe('kz calendar: each kind of day explained', () => {
  it('should name a holiday with its law', () => {
    const day = kz.day('2025-12-16');
    expect(day).toMatchObject({ working: false, kind: 'holiday', weekday: 2 });
    expect(day.reason?.nameEn).toBe('Independence Day');
    expect(day.reason?.source).toContain('267-II');
  });

  it('should explain a carry-over by the holiday it carries', () => {
    const day = kz.day('2026-03-25');
    expect(day).toMatchObject({ working: false, kind: 'carryover' });
    expect(day.reason?.relatedDate).toBe('2026-03-22');
    expect(day.reason?.nameEn).toContain('Nauryz');
    expect(kz.day('2026-03-24').reason?.relatedDate).toBe('2026-03-21');
    expect(kz.day('2026-03-23').kind).toBe('holiday'); // Monday 23 is Nauryz itself
  });

  it('should show a holiday on a weekend together with where it was carried', () => {
    const day = kz.day('2025-03-22');
    expect(day).toMatchObject({ working: false, kind: 'holiday', weekday: 6 });
    expect(day.reason?.relatedDate).toBe('2025-03-24');
  });

  it('should not carry over a religious day off that falls on a weekend', () => {
    const kurban = kz.day('2024-06-16');
    expect(kurban).toMatchObject({ working: false, kind: 'religious', weekday: 7 });
    expect(kurban.reason?.nameEn).toContain('without carry-over');
    expect(kz.day('2024-06-17')).toMatchObject({ working: true, kind: 'workday' });
    expect(kz.day('2024-01-07').reason?.nameEn).toContain('Orthodox Christmas');
    expect(kz.day('2024-01-08').working).toBe(true);
  });

  it('should make a weekday of Kurban Ait a day off', () => {
    expect(kz.day('2025-06-06')).toMatchObject({ working: false, kind: 'religious', weekday: 5 });
    expect(kz.day('2026-05-27')).toMatchObject({ working: false, kind: 'religious', weekday: 3 });
    expect(kz.day('2027-05-16').reason?.status).toBe('unverified');
  });

  it('should name the order behind a transferred day off and a working Sunday', () => {
    const off = kz.day('2025-01-03');
    expect(off).toMatchObject({ working: false, kind: 'transfer_day_off' });
    expect(off.reason?.act).toContain('№ 436');
    const sunday = kz.day('2025-01-05');
    expect(sunday).toMatchObject({ working: true, kind: 'transfer_workday', weekday: 7 });
    expect(sunday.reason?.relatedDate).toBe('2025-01-03');
    expect(kz.day('2024-05-04')).toMatchObject({ working: true, kind: 'transfer_workday', weekday: 6 });
    expect(kz.day('2024-05-08')).toMatchObject({ working: false, kind: 'transfer_day_off' });
  });

  it('should treat a holiday no longer in force as an ordinary day', () => {
    // 30 August stopped being a holiday in 2026; calendars printed in January 2026
    // showing Monday 31 August 2026 off are superseded.
    expect(kz.day('2025-08-30').kind).toBe('holiday');
    expect(kz.day('2026-08-30')).toMatchObject({ kind: 'weekend' });
    expect(kz.day('2026-08-30').reason).toBeUndefined();
    expect(kz.day('2026-08-31')).toMatchObject({ working: true, kind: 'workday' });
    // 17 December was a holiday until 2021 only; 1 December (First President Day) too.
    expect(kz.day('2024-12-17')).toMatchObject({ working: true, kind: 'workday' });
    expect(kz.day('2025-12-01')).toMatchObject({ working: true, kind: 'workday' });
    // Constitution Day moves to 15 March from 2027.
    expect(kz.day('2027-03-15').kind).toBe('holiday');
  });

  it('should compute the old years 2022 and 2023 with their transfers', () => {
    expect(kz.day('2022-03-05')).toMatchObject({ working: true, kind: 'transfer_workday' });
    expect(kz.day('2022-03-07')).toMatchObject({ working: false, kind: 'transfer_day_off' });
    expect(kz.day('2022-01-03')).toMatchObject({ working: false, kind: 'carryover' });
    expect(kz.day('2022-01-04')).toMatchObject({ working: false, kind: 'carryover' });
    expect(kz.day('2023-07-07')).toMatchObject({ working: false, kind: 'transfer_day_off' });
    expect(kz.day('2023-12-18')).toMatchObject({ working: false, kind: 'carryover' });
  });
});

describe('kz calendar: the examples of PROCEDURES.md', () => {
  it('should give the lead time of a publication on Thursday 2025-04-17 as Tuesday 2025-04-15', () => {
    const lead = kz.workingDayBefore('2025-04-17', 2);
    expect(lead.lastDay).toBe('2025-04-15');
    expect(lead.dueAt).toBe('2025-04-15T19:00:00.000Z');
  });

  it('should skip Nauryz 2025 for a publication on Thursday 2025-03-27', () => {
    expect(kz.workingDayBefore('2025-03-27', 1).lastDay).toBe('2025-03-26');
    expect(kz.workingDayBefore('2025-03-27', 2).lastDay).toBe('2025-03-20');
  });

  it('should give 15 calendar days from 2025-03-06 as 2025-03-26 and 45 as Monday 2025-04-21', () => {
    const review = kz.addCalendarDays('2025-03-06T10:00:00+05:00', 15);
    expect(review).toMatchObject({ fromDay: '2025-03-06', nominalLastDay: '2025-03-21', lastDay: '2025-03-26' });
    expect(review.dueAt).toBe('2025-03-26T19:00:00.000Z');
    const extended = kz.addCalendarDays('2025-03-06T10:00:00+05:00', 45);
    expect(extended).toMatchObject({ nominalLastDay: '2025-04-20', lastDay: '2025-04-21' });
  });

  it('should count working days starting the day after the event', () => {
    // Friday 2025-03-07 + 2 working days: Mon 10 is a carry-over of 8 March → Tue 11, Wed 12.
    expect(kz.addWorkingDays('2025-03-07T09:00:00+05:00', 2).lastDay).toBe('2025-03-12');
    // A working Sunday counts: from Thursday 2025-01-02, 1 working day is Sunday 5 January.
    expect(kz.addWorkingDays('2025-01-02T12:00:00+05:00', 1).lastDay).toBe('2025-01-05');
    // Across Kurban Ait 2026 (Wed 27 May): from Tue 26, 1 working day is Thu 28.
    expect(kz.addWorkingDays('2026-05-26T12:00:00+05:00', 1).lastDay).toBe('2026-05-28');
  });

  it('should record the calendar version and the reading in every deadline', () => {
    const d = kz.addWorkingDays('2026-03-20T12:00:00+05:00', 3);
    expect(d.lastDay).toBe('2026-03-30');
    expect(d.unit).toBe('working');
    expect(d.calendar).toEqual({ id: 'kz', version: kz.version, statutoryOnly: false, statutoryOnlyYears: [] });
    expect(kz.version).toMatch(/^kz-[0-9a-f]{12}$/);
  });
});

describe('kz calendar: time zone', () => {
  it('should place an instant in Asia/Almaty before taking its day', () => {
    expect(kz.dayOf('2025-03-06T23:59:59+05:00')).toBe('2025-03-06');
    expect(kz.dayOf('2025-03-06T19:00:00Z')).toBe('2025-03-07');
    expect(kz.dayOf('2025-03-06T18:59:59.999Z')).toBe('2025-03-06');
  });

  it('should use UTC+6 before 1 March 2024 and UTC+5 after, from the IANA zone', () => {
    expect(kz.dayOf('2024-01-15T18:30:00Z')).toBe('2024-01-16');
    expect(kz.endOfDay('2024-01-15')).toBe('2024-01-15T18:00:00.000Z');
    expect(kz.endOfDay('2024-03-01')).toBe('2024-03-01T19:00:00.000Z');
  });

  it('should make something done at 23:59 of the last day on time', () => {
    const d = kz.addCalendarDays('2025-03-06T10:00:00+05:00', 15);
    expect(Date.parse('2025-03-26T23:59:00+05:00')).toBeLessThan(Date.parse(d.dueAt));
    expect(Date.parse('2025-03-27T00:00:00+05:00')).toBe(Date.parse(d.dueAt));
  });
});

describe('kz calendar: errors', () => {
  it('should refuse a year it does not know, naming the year', () => {
    expect(codeOf(() => kz.day('2028-01-05'))).toBe('calendar_year_unknown');
    expect(codeOf(() => kz.year(2021))).toBe('calendar_year_unknown');
    try {
      kz.addWorkingDays('2027-12-20T10:00:00+05:00', 20);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CalendarError);
      expect((error as CalendarError).code).toBe('calendar_year_unknown');
      expect((error as CalendarError).message).toContain('2028');
      expect((error as CalendarError).details.year).toBe(2028);
    }
    expect(codeOf(() => kz.workingDayBefore('2022-01-05', 5))).toBe('calendar_year_unknown');
  });

  it('should refuse impossible dates, instants without an offset and bad amounts', () => {
    expect(codeOf(() => kz.day('2025-02-30'))).toBe('invalid_date');
    expect(codeOf(() => kz.day('2025-2-3'))).toBe('invalid_date');
    expect(codeOf(() => kz.addWorkingDays('2025-03-06T10:00:00', 1))).toBe('invalid_instant');
    expect(codeOf(() => kz.addWorkingDays('2025-02-30T10:00:00Z', 1))).toBe('invalid_instant');
    expect(codeOf(() => kz.addWorkingDays('2025-03-06T10:00:00Z', 0))).toBe('invalid_amount');
    expect(codeOf(() => kz.addWorkingDays('2025-03-06T10:00:00Z', 1.5))).toBe('invalid_amount');
  });
});

describe('kz calendar: statute-only years (opt-in)', () => {
  const lenient = loadKzCalendar({ allowStatutoryOnly: true });

  it('should compute an unknown year from statute and say so', () => {
    const y = lenient.year(2028);
    expect(y.dataStatus).toBe('statutory_only');
    expect(y.note).toContain('statute only');
    expect(y.calendar).toMatchObject({ statutoryOnly: true, statutoryOnlyYears: [2028] });
    // 2028: Nauryz Tue–Thu 21–23 March; 1 January is a Saturday → Monday 3 January off.
    expect(lenient.day('2028-03-21')).toMatchObject({ working: false, kind: 'holiday', statutoryOnly: true });
    expect(lenient.day('2028-01-03')).toMatchObject({ working: false, kind: 'carryover' });
  });

  it('should mark every deadline that crossed into a statute-only year', () => {
    const d = lenient.addWorkingDays('2027-12-20T10:00:00+05:00', 20);
    expect(d.calendar).toMatchObject({ statutoryOnly: true, statutoryOnlyYears: [2028] });
    const inside = lenient.addWorkingDays('2027-03-01T10:00:00+05:00', 5);
    expect(inside.calendar.statutoryOnly).toBe(false);
  });

  it('should still refuse years before the statute model', () => {
    expect(codeOf(() => lenient.day('2005-05-05'))).toBe('calendar_year_unknown');
  });
});

describe('kz calendar: data is data', () => {
  it('should take a new year from a data change only, with a new version', () => {
    const data = rawData();
    data.years.to = 2028;
    data.religiousDaysOff[1].dates.push({ date: '2028-05-04', source: 'test', status: 'unverified' });
    data.transfers.push({ year: 2028, act: 'test order', source: 'test', status: 'unverified', swaps: [] });
    const cal = createCalendar(data);
    expect(cal.version).not.toBe(kz.version);
    expect(cal.day('2028-05-04')).toMatchObject({ working: false, kind: 'religious', statutoryOnly: false });
    expect(cal.year(2028).dataStatus).toBe('complete');
  });

  it('should fail on a broken file naming the file and the entry', () => {
    const bad = rawData();
    bad.transfers[3].swaps[0].workday = '2025-01-06'; // a Monday
    expect(() => createCalendar(bad, {}, 'kz.json')).toThrow(/kz\.json: transfers\[3\] \(2025\)\.swaps\[0\]: workday 2025-01-06 is not a weekend day/);

    const missing = rawData();
    missing.religiousDaysOff[1].dates = missing.religiousDaysOff[1].dates.filter((d: { date: string }) => !d.date.startsWith('2026'));
    expect(() => createCalendar(missing, {}, 'kz.json')).toThrow(/religiousDaysOff\[1\] \(kurban_ait\): no date for 2026/);

    const shape = rawData();
    shape.holidays[0].days = ['13-01'];
    expect(() => createCalendar(shape, {}, 'kz.json')).toThrow(/kz\.json: \/holidays\/0\/days\/0/);

    const impossible = rawData();
    impossible.transfers[2].swaps[0].dayOff = '2024-02-30';
    expect(() => createCalendar(impossible, {}, 'kz.json')).toThrow(/swaps\[0\]\.dayOff: '2024-02-30' is not a real date/);
  });

  it('should keep the version of the shipped data byte for byte', () => {
    // Deadlines stored in cases record this version; it was computed by the calendar's own
    // canonical JSON before that was replaced by the shared lib/canonical-json.ts. A change
    // here without a change of kz.json means the serialisation or the digest changed.
    // Update the pin only together with a deliberate change of calendars/data/kz.json.
    expect(kz.version).toBe('kz-4bd48663733c');
  });

  it('should keep the version stable across formatting', () => {
    const reformatted = JSON.parse(JSON.stringify(rawData(), null, 4));
    expect(createCalendar(reformatted).version).toBe(kz.version);
  });
});
