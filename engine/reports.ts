/**
 * The on-time report (issue 15 §2): how the company kept its deadlines, per procedure,
 * deadline key, responsible unit and period, counted from the deadline ledger
 * (engine/deadline-ledger.ts, migration 001000) without loading a case.
 *
 * Definition (docs/reports.md says it for readers):
 * - The unit counted is a deadline: one turn of one deadline key of one case (P4's rework
 *   turns count each). Every deadline a case holds counts, open or closed.
 * - A deadline belongs to the period its LAST DAY falls in (the calendar's zone). Like
 *   Jira Service Management's and Zendesk's SLA reports, which count a target in the period
 *   it is due, a deadline is in one period from the moment it opens and stays there when it
 *   closes (a period's figures only fill in, they never move to another period), and
 *   "on time in March" means "due in March and met". An extension (P3 `extend`) moves the
 *   last day, and with it the period: the report is of the terms as they stand.
 * - `from`/`to` (days, inclusive) select the deadlines by last day; a period cut by the
 *   range counts only its days inside (`start`/`end` say which).
 * - Cells of a group: `opened` (its deadlines), `closedOnTime` (closed before their due
 *   instant: status met), `closedLate` (closed at or after it: met_late), `lateMedian` and
 *   `lateWorst` (of the closed-late ones: the median and the largest lateness, in the
 *   deadline's own days, `latenessUnit`: working or calendar), `open` (not closed yet),
 *   `overdue` (open and due at or before the request's `now`), `extended` (deadlines
 *   extended at least once), `extensions` (extension decisions), `extensionDays` (days added).
 * - Identities, for every group, period total and the grand total:
 *   opened = closedOnTime + closedLate + open; overdue ≤ open; extended ≤ opened;
 *   extended ≤ extensions; and each total is the sum of its groups (tests/engine/reports.test.ts).
 *
 * No case id, no name, no text: counts per group only, so every staff role may read it.
 */
import type { Instant, IsoDate } from '../calendars/types.js';
import type { DeadlineLatenessRow, DeadlineLedgerRecord, DeadlineReportCountsRow, DeadlineReportQuery, ReportPeriod } from '../storage/index.js';
import { EngineError } from './errors.js';

export type { ReportPeriod } from '../storage/index.js';
export const REPORT_PERIODS: readonly ReportPeriod[] = ['month', 'quarter', 'year'];
/** The longest range a report may span (days): ten years of months is 120 columns of a chart. */
export const MAX_REPORT_DAYS = 3660;

export interface DeadlineReportRequest {
  /** First last day counted (YYYY-MM-DD); default the 1st of January of the current year. */
  from?: string;
  /** Last last day counted (inclusive); default the 31st of December of `from`'s year. */
  to?: string;
  groupBy?: ReportPeriod;
}

export interface ReportCells {
  opened: number;
  closedOnTime: number;
  closedLate: number;
  /** Median lateness of the closed-late deadlines (null: none, or units mixed). */
  lateMedian: number | null;
  lateWorst: number | null;
  /** The days lateness is counted in; `mixed` when working and calendar days meet (then no median). */
  latenessUnit: 'working' | 'calendar' | 'mixed' | null;
  open: number;
  overdue: number;
  extended: number;
  extensions: number;
  extensionDays: number;
}

export interface ReportGroup extends ReportCells {
  period: string;
  procedure: string;
  key: string;
  /** The case's responsible unit; null: none (yet). */
  unit: string | null;
}

export interface ReportPeriodTotal extends ReportCells {
  period: string;
  /** The period's days inside the range. */
  start: IsoDate;
  end: IsoDate;
}

export interface DeadlineReport {
  now: Instant;
  zone: string;
  from: IsoDate;
  to: IsoDate;
  groupBy: ReportPeriod;
  /** Every period of the range, in order, with its totals (empty periods too). */
  periods: ReportPeriodTotal[];
  /** One row per (period, procedure, key, unit) with any deadline, ordered so. */
  groups: ReportGroup[];
  total: ReportCells;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
function validDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}
const dayNumber = (s: string): number => Date.parse(`${s}T00:00:00Z`) / 86_400_000;
const dayOfNumber = (n: number): string => new Date(n * 86_400_000).toISOString().slice(0, 10);

/** The checked request: 400 `invalid_request` naming the field and the reason. */
export function reportQuery(r: DeadlineReportRequest, today: IsoDate, now: Instant): DeadlineReportQuery {
  const bad = (field: string, reason: string, message: string) => new EngineError('invalid_request', message, { field, reason });
  if (r.from !== undefined && !validDay(r.from)) throw bad('from', 'invalid_date', `"from" must be a date YYYY-MM-DD (got "${r.from}")`);
  if (r.to !== undefined && !validDay(r.to)) throw bad('to', 'invalid_date', `"to" must be a date YYYY-MM-DD (got "${r.to}")`);
  const groupBy = r.groupBy ?? 'month';
  if (!REPORT_PERIODS.includes(groupBy)) throw bad('groupBy', 'invalid_period', `"groupBy" must be one of ${REPORT_PERIODS.join(', ')}`);
  const fromDay = r.from ?? `${(r.to ?? today).slice(0, 4)}-01-01`;
  const toDay = r.to ?? `${fromDay.slice(0, 4)}-12-31`;
  if (toDay < fromDay) throw bad('to', 'range_inverted', `"to" (${toDay}) is before "from" (${fromDay}); send to ≥ from`);
  if (dayNumber(toDay) - dayNumber(fromDay) + 1 > MAX_REPORT_DAYS) {
    throw bad('to', 'range_too_large', `the range ${fromDay}..${toDay} is longer than ${MAX_REPORT_DAYS} days; ask for a shorter one`);
  }
  return { fromDay, toDay, groupBy, now };
}

/** The period (`2025-03`, `2025-Q1`, `2025`) of a day; the same as the storage's SQL. */
function periodOfDay(day: IsoDate, groupBy: ReportPeriod): string {
  if (groupBy === 'month') return day.slice(0, 7);
  if (groupBy === 'year') return day.slice(0, 4);
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) + 2) / 3)}`;
}

/** The periods of the range in order, each with its days inside the range. */
function periodsOf(q: Pick<DeadlineReportQuery, 'fromDay' | 'toDay' | 'groupBy'>): { period: string; start: IsoDate; end: IsoDate }[] {
  const out: { period: string; start: IsoDate; end: IsoDate }[] = [];
  let y = Number(q.fromDay.slice(0, 4));
  let m = Number(q.fromDay.slice(5, 7));
  const step = q.groupBy === 'month' ? 1 : q.groupBy === 'quarter' ? 3 : 12;
  // Align to the period's first month.
  if (q.groupBy === 'quarter') m = m - ((m - 1) % 3);
  if (q.groupBy === 'year') m = 1;
  for (;;) {
    const start = `${y}-${String(m).padStart(2, '0')}-01`;
    if (start > q.toDay) return out;
    let ny = y;
    let nm = m + step;
    if (nm > 12) {
      ny += Math.floor((nm - 1) / 12);
      nm = ((nm - 1) % 12) + 1;
    }
    const end = dayOfNumber(dayNumber(`${ny}-${String(nm).padStart(2, '0')}-01`) - 1);
    out.push({ period: periodOfDay(start, q.groupBy), start: start < q.fromDay ? q.fromDay : start, end: end > q.toDay ? q.toDay : end });
    y = ny;
    m = nm;
  }
}

const emptyCells = (): ReportCells => ({
  opened: 0,
  closedOnTime: 0,
  closedLate: 0,
  lateMedian: null,
  lateWorst: null,
  latenessUnit: null,
  open: 0,
  overdue: 0,
  extended: 0,
  extensions: 0,
  extensionDays: 0,
});
const COUNTS = ['opened', 'closedOnTime', 'closedLate', 'open', 'overdue', 'extended', 'extensions', 'extensionDays'] as const;

function addCounts(to: ReportCells, from: Pick<ReportCells, (typeof COUNTS)[number]>): void {
  for (const k of COUNTS) to[k] += Number(from[k]);
}

/** Median and maximum of the lateness of a set of late deadlines, if they share one unit. */
function lateness(cells: ReportCells, late: readonly DeadlineLatenessRow[]): void {
  const amounts = late.map((l) => l.amount).filter((a): a is number => a !== null);
  const units = new Set(late.map((l) => l.latenessUnit).filter((u) => u !== null));
  if (units.size > 1) {
    cells.latenessUnit = 'mixed';
    return;
  }
  if (amounts.length === 0) return;
  cells.latenessUnit = [...units][0] ?? null;
  const sorted = [...amounts].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  cells.lateMedian = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  cells.lateWorst = sorted[sorted.length - 1]!;
}

const groupId = (r: { period: string; procedure: string; key: string; unit: string | null }) => `${r.period}\u0000${r.procedure}\u0000${r.key}\u0000${r.unit ?? ''}\u0000${r.unit === null ? 0 : 1}`;

/** The report from the storage's counts and late rows (or the same computed from contexts: `countLedger`). */
export function buildReport(q: DeadlineReportQuery, zone: string, counts: readonly DeadlineReportCountsRow[], late: readonly DeadlineLatenessRow[]): DeadlineReport {
  const lateByGroup = new Map<string, DeadlineLatenessRow[]>();
  const lateByPeriod = new Map<string, DeadlineLatenessRow[]>();
  for (const l of late) {
    const g = groupId(l);
    lateByGroup.set(g, [...(lateByGroup.get(g) ?? []), l]);
    lateByPeriod.set(l.period, [...(lateByPeriod.get(l.period) ?? []), l]);
  }
  const groups: ReportGroup[] = counts.map((c) => {
    const cells = emptyCells();
    addCounts(cells, c);
    lateness(cells, lateByGroup.get(groupId(c)) ?? []);
    return { period: c.period, procedure: c.procedure, key: c.key, unit: c.unit, ...cells };
  });
  groups.sort((a, b) => cmp(a.period, b.period) || cmp(a.procedure, b.procedure) || cmp(a.key, b.key) || cmp(a.unit ?? '\uffff', b.unit ?? '\uffff'));
  const periods: ReportPeriodTotal[] = periodsOf(q).map((p) => {
    const cells = emptyCells();
    for (const g of groups) if (g.period === p.period) addCounts(cells, g);
    lateness(cells, lateByPeriod.get(p.period) ?? []);
    return { ...p, ...cells };
  });
  const total = emptyCells();
  for (const g of groups) addCounts(total, g);
  lateness(total, late);
  return { now: q.now, zone, from: q.fromDay, to: q.toDay, groupBy: q.groupBy, periods, groups, total };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The storage's two answers computed in memory from ledger rows (those `ledgerRowsOf` derives
 * from the cases' contexts): the reference the tests and the benchmark compare the ledger
 * table with. The same rules as storage/repositories/deadline-ledger.ts `report`, `lateness`.
 */
export function countLedger(rows: Iterable<DeadlineLedgerRecord>, q: DeadlineReportQuery): { counts: DeadlineReportCountsRow[]; late: DeadlineLatenessRow[] } {
  const counts = new Map<string, DeadlineReportCountsRow>();
  const late: DeadlineLatenessRow[] = [];
  const now = Date.parse(q.now);
  for (const r of rows) {
    if (r.lastDay < q.fromDay || r.lastDay > q.toDay) continue;
    const period = periodOfDay(r.lastDay, q.groupBy);
    const id = groupId({ period, procedure: r.procedure, key: r.key, unit: r.unit });
    let c = counts.get(id);
    if (!c) {
      c = { procedure: r.procedure, key: r.key, unit: r.unit, period, opened: 0, closedOnTime: 0, closedLate: 0, open: 0, overdue: 0, extended: 0, extensions: 0, extensionDays: 0 };
      counts.set(id, c);
    }
    c.opened++;
    if (r.open) {
      c.open++;
      if (Date.parse(r.dueAt) <= now) c.overdue++;
    } else if (r.status === 'met') c.closedOnTime++;
    else {
      c.closedLate++;
      late.push({ procedure: r.procedure, key: r.key, unit: r.unit, period, amount: r.latenessAmount, latenessUnit: r.latenessUnit });
    }
    if (r.extensions > 0) c.extended++;
    c.extensions += r.extensions;
    c.extensionDays += r.extensionDays;
  }
  return { counts: [...counts.values()], late };
}

/** CSV of the report's groups (RFC 4180, CRLF, a header row), the same columns as the XLSX sheet. */
export const REPORT_COLUMNS = [
  'period',
  'procedure',
  'key',
  'unit',
  'opened',
  'closedOnTime',
  'closedLate',
  'lateMedian',
  'lateWorst',
  'latenessUnit',
  'open',
  'overdue',
  'extended',
  'extensions',
  'extensionDays',
] as const satisfies readonly (keyof ReportGroup)[];

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // A leading = + - @ would be a formula to a spreadsheet: quoted and prefixed (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function reportCsv(report: DeadlineReport): string {
  const lines = [REPORT_COLUMNS.join(',')];
  for (const g of report.groups) lines.push(REPORT_COLUMNS.map((c) => csvField(g[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
