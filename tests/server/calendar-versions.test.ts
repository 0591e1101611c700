/**
 * Issue 15 §4: the HTTP layer shows the newest installed calendar version (the calendar
 * routes, /health and the case views), not the one the process started with.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calendarSource, createCalendar, type CalendarData } from '../../calendars/index.js';
import { candidateOf } from '../../engine/calendar-versions.js';
import { buildTestApp, kz, type TestApp } from '../helpers/app.js';

function decreeData(): CalendarData {
  const data = structuredClone(calendarSource(kz)!.data);
  data.transfers.find((t) => t.year === 2027)!.swaps.push({ workday: '2027-01-09', dayOff: '2027-01-05' });
  return data;
}
const decree = createCalendar(decreeData());

describe('the newest installed calendar over HTTP', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ now: '2026-12-21T05:00:00.000Z' });
  });
  afterEach(async () => {
    await t.close();
  });

  it('should answer the calendar routes, /health and the case view with the new version after an install', async () => {
    const before = await t.as('car').get('/calendars/kz/days/2027-01-05');
    expect(before.json()).toMatchObject({ working: true, calendar: { version: kz.version } });
    const created = await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'q' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;

    await t.engine.installCalendar(candidateOf(decreeData()), 'cli');

    const day = await t.as('car').get('/calendars/kz/days/2027-01-05');
    expect(day.json()).toMatchObject({ working: false, kind: 'transfer_day_off', calendar: { version: decree.version } });
    expect(JSON.stringify((await t.app.inject({ method: 'GET', url: '/health' })).json())).toContain(decree.version);
    const view = (await t.as('car').get(`/cases/${id}`)).json();
    expect(view.deadlines.find((d: { key: string }) => d.key === 'review')).toMatchObject({ lastDay: '2027-01-06', calendar: { version: decree.version } });
    const history = (await t.as('car').get(`/cases/${id}/history`)).json();
    expect((history.events ?? history).map((e: { type: string }) => e.type)).toEqual(['created', 'deadline_recounted']);
    expect((await t.as('auditor').get(`/cases/${id}/verify`)).json()).toMatchObject({ ok: true });
  });
});
