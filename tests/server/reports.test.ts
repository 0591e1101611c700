/**
 * The on-time report reconciles (issue 15 §2): cases with known outcomes are built through
 * the real engine and API with a simulated clock (on time, late by N days, extended, open
 * overdue, open not yet due, no unit, two units, two months), then EVERY cell of the report
 * is checked, the identities hold in every row and total, and the figures agree with the
 * case list (`GET /cases` filters). Also: CSV and XLSX downloads, the errors, who reads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import type { DeadlineReport, ReportCells, ReportGroup } from '../../engine/reports.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { HUMAN_ROLES, sha256Hex, UserDirectory, type AuthFile } from '../../server/auth.js';
import { kz, token, type HumanRole } from '../helpers/app.js';

let app: FastifyInstance;
let engine: Engine;
let clock: SimulatedClock;
let dir: string;
const sent: string[] = [];

const get = (role: HumanRole, url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token(role)}`, ...headers } });
async function post(role: HumanRole, url: string, body: unknown) {
  const res = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token(role)}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  if (res.statusCode >= 300) throw new Error(`${role} ${url} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; deadlines: { key: string; lastDay: string; status: string }[] };
}
const question = { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };
const at = async (instant: string) => {
  clock.set(instant);
  await engine.idle();
};
const create = async () => (await post('car', '/cases', { procedure: 'feedback-inquiry', input: question })).id;
const ev = (id: string, role: HumanRole, body: Record<string, unknown>) => post(role, `/cases/${id}/events`, body);
const toUnit = async (id: string, unit: string) => {
  await ev(id, 'car', { type: 'register', registrationNumber: `ВХ-${id.slice(0, 4)}` });
  await ev(id, 'supervisor', { type: 'assign', unit });
};
const answer = async (id: string) => {
  await ev(id, 'unit', { type: 'submit_answer', text: 'A', citations: ['Закон РК'], language: 'ru' });
  return ev(id, 'supervisor', { type: 'approve_answer' });
};

const ids: Record<string, string> = {};
let cLastDay = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qi-reports-'));
  clock = new SimulatedClock('2025-03-06T05:00:00.000Z'); // Thursday 10:00 in Almaty
  engine = await createEngine({
    databasePath: join(dir, 'r.sqlite'),
    synchronous: 'NORMAL',
    calendar: kz,
    procedures,
    clock,
    // Delivered at once: P3's extension notice (a deadline of its own) is met when delivered.
    transport: { sendMail: async (m) => (sent.push(m.subject), { messageId: m.messageId }) },
  });
  const file: AuthFile = {
    users: HUMAN_ROLES.map((role) => ({ name: `${role}-user`, roles: [role], tokenSha256: sha256Hex(token(role)) })) as AuthFile['users'],
  };
  app = await buildApp({ calendars: { kz }, engine, users: new UserDirectory(file), intakeRateLimit: 1000 });
  await engine.start();

  // 6 March: five questions (review: 15 calendar days → last day 2025-03-26).
  for (const k of ['A', 'B', 'C', 'D', 'E', 'G']) ids[k] = await create();
  for (const k of ['A', 'B', 'G']) await toUnit(ids[k]!, 'U1');
  for (const k of ['C', 'D']) await toUnit(ids[k]!, 'U2');
  // 10 March: A answered on time; C extended by 10 days (its notice delivered the same day).
  await at('2025-03-10T05:00:00.000Z');
  await answer(ids.A!);
  const extended = await ev(ids.C!, 'chairman', { type: 'extend', days: 10, reason: 'needs a check' });
  cLastDay = extended.deadlines.find((d) => d.key === 'review')!.lastDay;
  await engine.idle();
  // 28 March: C answered within its extended term.
  await at('2025-03-28T05:00:00.000Z');
  await answer(ids.C!);
  // 31 March: B answered 5 calendar days late; 1 April: G 6 days late.
  await at('2025-03-31T05:00:00.000Z');
  await answer(ids.B!);
  await at('2025-04-01T05:00:00.000Z');
  await answer(ids.G!);
  // 2 April: F arrives (last day in April) and goes to U1. D (U2) and E (no unit) stay open, overdue.
  await at('2025-04-02T05:00:00.000Z');
  ids.F = await create();
  await toUnit(ids.F, 'U1');
  await at('2025-04-03T05:00:00.000Z');
});
afterAll(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const report = async (query: string, role: HumanRole = 'auditor'): Promise<DeadlineReport> => {
  const res = await get(role, `/reports/deadlines${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const cells = (o: Partial<ReportCells>): ReportCells => ({
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
  ...o,
});
const group = (period: string, key: string, unit: string | null, o: Partial<ReportCells>): ReportGroup => ({ period, procedure: 'feedback-inquiry', key, unit, ...cells(o) });

function identities(c: ReportCells, where: string) {
  expect(c.opened, where).toBe(c.closedOnTime + c.closedLate + c.open);
  expect(c.overdue, where).toBeLessThanOrEqual(c.open);
  expect(c.extended, where).toBeLessThanOrEqual(c.opened);
  expect(c.extended, where).toBeLessThanOrEqual(c.extensions);
}

describe('GET /reports/deadlines', () => {
  it('should count every cell of cases with known outcomes, by month', async () => {
    // 10 + 15 days from 6 March: the extended review ends on the last day of March.
    expect(cLastDay).toBe('2025-03-31');
    const r = await report('?from=2025-03-01&to=2025-04-30&groupBy=month');
    expect(r).toMatchObject({ from: '2025-03-01', to: '2025-04-30', groupBy: 'month', zone: 'Asia/Almaty', now: '2025-04-03T05:00:00.000Z' });
    expect(r.groups).toEqual([
      group('2025-03', 'extension_notice', 'U2', { opened: 1, closedOnTime: 1 }),
      group('2025-03', 'review', 'U1', { opened: 3, closedOnTime: 1, closedLate: 2, lateMedian: 5.5, lateWorst: 6, latenessUnit: 'calendar' }),
      group('2025-03', 'review', 'U2', { opened: 2, closedOnTime: 1, open: 1, overdue: 1, extended: 1, extensions: 1, extensionDays: 10 }),
      group('2025-03', 'review', null, { opened: 1, open: 1, overdue: 1 }),
      group('2025-04', 'review', 'U1', { opened: 1, open: 1 }),
    ]);
    expect(r.periods).toEqual([
      { period: '2025-03', start: '2025-03-01', end: '2025-03-31', ...cells({ opened: 7, closedOnTime: 3, closedLate: 2, lateMedian: 5.5, lateWorst: 6, latenessUnit: 'calendar', open: 2, overdue: 2, extended: 1, extensions: 1, extensionDays: 10 }) },
      { period: '2025-04', start: '2025-04-01', end: '2025-04-30', ...cells({ opened: 1, open: 1 }) },
    ]);
    expect(r.total).toEqual(cells({ opened: 8, closedOnTime: 3, closedLate: 2, lateMedian: 5.5, lateWorst: 6, latenessUnit: 'calendar', open: 3, overdue: 2, extended: 1, extensions: 1, extensionDays: 10 }));
    for (const g of r.groups) identities(g, `${g.period} ${g.key} ${g.unit}`);
    for (const p of r.periods) {
      identities(p, p.period);
      const sum = cells({});
      for (const g of r.groups.filter((x) => x.period === p.period)) for (const k of ['opened', 'closedOnTime', 'closedLate', 'open', 'overdue', 'extended', 'extensions', 'extensionDays'] as const) sum[k] += g[k];
      expect({ ...p, lateMedian: null, lateWorst: null, latenessUnit: null, period: undefined, start: undefined, end: undefined }).toEqual({ ...sum, period: undefined, start: undefined, end: undefined });
    }
    identities(r.total, 'total');
  });

  it('should agree with the case list', async () => {
    const r = await report('?from=2025-03-01&to=2025-04-30');
    const count = async (q: string) => {
      const res = await get('auditor', `/cases?procedure=feedback-inquiry&limit=200${q}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { cases: unknown[] }).cases.length;
    };
    const review = r.groups.filter((g) => g.key === 'review');
    const sum = (gs: ReportGroup[], k: keyof ReportCells) => gs.reduce((n, g) => n + Number(g[k]), 0);
    // One review per case: its open ones are the active cases, its closed ones the done cases.
    expect(sum(review, 'opened')).toBe(await count(''));
    expect(sum(review, 'open')).toBe(await count('&status=active'));
    expect(sum(review, 'closedOnTime') + sum(review, 'closedLate')).toBe(await count('&status=done'));
    // Overdue now: the open cases past their due instant (no other deadline of theirs is open).
    expect(sum(review, 'overdue')).toBe(await count('&overdue=true'));
    for (const unit of ['U1', 'U2']) {
      const ofUnit = review.filter((g) => g.unit === unit);
      expect(sum(ofUnit, 'opened'), unit).toBe(await count(`&unit=${unit}`));
      expect(sum(ofUnit, 'open'), unit).toBe(await count(`&unit=${unit}&status=active`));
      expect(sum(ofUnit, 'overdue'), unit).toBe(await count(`&unit=${unit}&overdue=true`));
    }
  });

  it('should group by quarter and by year with the same totals, and cut periods at the range', async () => {
    const month = await report('?from=2025-03-01&to=2025-04-30');
    const quarter = await report('?from=2025-01-01&to=2025-12-31&groupBy=quarter');
    expect(quarter.periods.map((p) => [p.period, p.opened])).toEqual([['2025-Q1', 7], ['2025-Q2', 1], ['2025-Q3', 0], ['2025-Q4', 0]]);
    expect(quarter.total).toEqual(month.total);
    const year = await report('?from=2025-03-15&to=2025-03-31&groupBy=year');
    // From 15 March: the extension notice (last day 13 March) is left out.
    expect(year.periods).toEqual([expect.objectContaining({ period: '2025', start: '2025-03-15', end: '2025-03-31', opened: 6 })]);
    // A range that leaves the last days out counts nothing of them.
    expect((await report('?from=2025-03-01&to=2025-03-25')).total.opened).toBe(1); // the extension notice (13 March)
  });

  it('should give the groups as CSV (format or Accept) and as XLSX', async () => {
    const csv = await get('auditor', '/reports/deadlines?from=2025-03-01&to=2025-04-30&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="deadlines-2025-03-01-2025-04-30-month.csv"');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('period,procedure,key,unit,opened,closedOnTime,closedLate,lateMedian,lateWorst,latenessUnit,open,overdue,extended,extensions,extensionDays');
    expect(lines).toContain('2025-03,feedback-inquiry,review,U1,3,1,2,5.5,6,calendar,0,0,0,0,0');
    expect(lines).toContain('2025-03,feedback-inquiry,review,,1,0,0,,,,1,1,0,0,0');
    expect(lines).toHaveLength(6);
    const byAccept = await get('auditor', '/reports/deadlines?from=2025-03-01&to=2025-04-30', { accept: 'text/csv' });
    expect(byAccept.body).toBe(csv.body);

    const xlsx = await get('auditor', '/reports/deadlines?from=2025-03-01&to=2025-04-30&format=xlsx');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="deadlines-2025-03-01-2025-04-30-month.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('groups')!;
    expect(sheet.rowCount).toBe(6);
    expect(sheet.getRow(3).values).toEqual([undefined, '2025-03', 'feedback-inquiry', 'review', 'U1', 3, 1, 2, 5.5, 6, 'calendar', 0, 0, 0, 0, 0]);
    expect(wb.getWorksheet('periods')!.getRow(2).getCell(1).value).toBe('2025-03');
  });

  it('should refuse bad dates, an inverted range and a range too large with 400 invalid_request and the reason', async () => {
    const cases: [string, string, string][] = [
      ['?from=2025-02-30', 'from', 'invalid_date'],
      ['?to=31.03.2025', 'to', 'invalid_date'],
      ['?from=2025-04-01&to=2025-03-01', 'to', 'range_inverted'],
      ['?from=2000-01-01&to=2025-01-01', 'to', 'range_too_large'],
    ];
    for (const [q, field, reason] of cases) {
      const res = await get('auditor', `/reports/deadlines${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error, q).toMatchObject({ code: 'invalid_request', details: { field, reason } });
    }
    const period = await get('auditor', '/reports/deadlines?groupBy=week');
    expect(period.statusCode).toBe(400);
    expect(period.json().error.code).toBe('invalid_request');
    const format = await get('auditor', '/reports/deadlines?format=pdf');
    expect(format.statusCode).toBe(400);
  });

  it('should be read by every staff role and the auditor, never without a token, and hold no personal data', async () => {
    for (const role of HUMAN_ROLES) expect((await get(role, '/reports/deadlines?from=2025-03-01&to=2025-04-30')).statusCode, role).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/reports/deadlines' })).statusCode).toBe(401);
    const body = (await get('unit', '/reports/deadlines?from=2025-03-01&to=2025-04-30')).body;
    expect(body).not.toContain('Айгерим');
    expect(body).not.toContain('a@example.kz');
    for (const id of Object.values(ids)) expect(body).not.toContain(id);
  });

  it('should default to the current year by month', async () => {
    const r = await report('');
    expect(r).toMatchObject({ from: '2025-01-01', to: '2025-12-31', groupBy: 'month' });
    expect(r.periods).toHaveLength(12);
  });
});
