import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { buildApp } from '../../server/app.js';

let app: FastifyInstance;
const kz = loadKzCalendar();

beforeAll(async () => {
  app = await buildApp({ calendars: { kz } });
});
afterAll(async () => {
  await app.close();
});

const get = (url: string) => app.inject({ method: 'GET', url });

describe('HTTP calendar endpoints', () => {
  it('should explain a day off with its reason and source', async () => {
    const res = await get('/calendars/kz/days/2025-03-24');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ date: '2025-03-24', working: false, kind: 'carryover' });
    expect(body.reason.relatedDate).toBe('2025-03-22');
    expect(body.reason.source).toContain('ст. 5');
    expect(body.calendar.version).toBe(kz.version);
  });

  it('should say why a weekend day is working', async () => {
    const body = (await get('/calendars/kz/days/2025-01-05')).json();
    expect(body).toMatchObject({ working: true, kind: 'transfer_workday' });
    expect(body.reason.act).toContain('№ 436');
  });

  it('should give a year with 12 monthly counts and its days off', async () => {
    const body = (await get('/calendars/kz/years/2026')).json();
    expect(body.months).toEqual([19, 20, 18, 22, 17, 22, 22, 21, 22, 21, 21, 22]);
    expect(body.workingDays).toBe(247);
    expect(body.daysOff.map((d: { date: string }) => d.date)).toContain('2026-05-27');
  });

  it('should compute a deadline forward and a lead time backward', async () => {
    const forward = (await get('/calendars/kz/deadline?from=2025-03-06T10:00:00%2B05:00&amount=15&unit=calendar')).json();
    expect(forward).toMatchObject({ lastDay: '2025-03-26', dueAt: '2025-03-26T19:00:00.000Z', nominalLastDay: '2025-03-21' });
    const lead = (await get('/calendars/kz/deadline?before=2025-03-27&amount=2&unit=working')).json();
    expect(lead).toMatchObject({ lastDay: '2025-03-20', before: '2025-03-27' });
  });

  it.each([
    ['/calendars/kz/days/2025-02-30', 400, 'invalid_request'],
    ['/calendars/kz/days/2025-3-1', 400, 'invalid_request'],
    ['/calendars/kz/days/2031-01-01', 422, 'calendar_year_unknown'],
    ['/calendars/kz/years/2021', 422, 'calendar_year_unknown'],
    ['/calendars/kz/years/20x1', 400, 'invalid_request'],
    ['/calendars/us/days/2025-01-01', 404, 'not_found'],
    ['/calendars/kz/deadline?from=2025-03-06T10:00:00&amount=2&unit=working', 400, 'invalid_request'],
    ['/calendars/kz/deadline?from=2025-03-06T10:00:00Z&amount=0&unit=working', 400, 'invalid_request'],
    ['/calendars/kz/deadline?from=2025-03-06T10:00:00Z&amount=2&unit=weeks', 400, 'invalid_request'],
    ['/calendars/kz/deadline?from=2025-03-06T10:00:00Z&before=2025-04-01&amount=2&unit=working', 400, 'invalid_request'],
    ['/calendars/kz/deadline?before=2025-04-01&amount=2&unit=calendar', 400, 'invalid_request'],
    ['/calendars/kz/deadline?amount=2&unit=working', 400, 'invalid_request'],
    ['/calendars/kz/deadline?from=2027-12-20T10:00:00Z&amount=30&unit=working', 422, 'calendar_year_unknown'],
    ['/nowhere', 404, 'not_found'],
  ])('should answer %s with %i %s', async (url, status, code) => {
    const res = await get(url);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message.length).toBeGreaterThan(10);
  });

  it('should serve /health with the calendar version', async () => {
    const body = (await get('/health')).json();
    expect(body).toMatchObject({ status: 'ok', calendars: { kz: kz.version } });
  });

  it('should document every calendar route and the error codes in OpenAPI', async () => {
    const doc = (await get('/docs/json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/calendars/{calendarId}/days/{date}', '/calendars/{calendarId}/years/{year}', '/calendars/{calendarId}/deadline', '/health']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.info.description).toContain('calendar_year_unknown');
    expect(doc.paths['/calendars/{calendarId}/deadline'].get.responses['422']).toBeDefined();
  });
});
