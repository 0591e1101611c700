/** Work queues over HTTP: filters, "my queue", due-before and pagination. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
const ids: string[] = [];
const q = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  for (let i = 0; i < 7; i++) {
    const res = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: q });
    ids.push(res.json().id);
  }
  await t.as('press_secretary').post('/cases', {
    procedure: 'blog-question',
    input: { channel: 'blog', author: { name: 'B' }, language: 'ru', text: 'Q' },
  });
  // Two of the inquiries move on: registered, then waiting for the supervisor.
  for (const id of ids.slice(0, 2)) await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: id.slice(0, 6) });
});
afterAll(async () => {
  await t.close();
});

const list = async (query: string, role: Parameters<TestApp['as']>[0] = 'auditor') => {
  const res = await t.as(role).get(`/cases${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { cases: { id: string; procedure: string; state: string; waitingRoles: string[] }[]; next?: string };
};

describe('work queues', () => {
  it('should filter by procedure and state', async () => {
    expect((await list('?procedure=blog-question')).cases).toHaveLength(1);
    const registered = await list('?procedure=feedback-inquiry&state=registered');
    expect(registered.cases.map((c) => c.id).sort()).toEqual(ids.slice(0, 2).sort());
  });

  it('should give each role its own queue', async () => {
    const car = await list('?mine=true', 'car');
    expect(car.cases.every((c) => c.waitingRoles.includes('car'))).toBe(true);
    // The unregistered inquiries and the blog question (ЦАР registers both).
    expect(car.cases.filter((c) => c.procedure === 'feedback-inquiry').map((c) => c.id).sort()).toEqual(ids.slice(2).sort());
    expect(car.cases.filter((c) => c.procedure === 'blog-question')).toHaveLength(1);
    const supervisor = await list('?mine=true', 'supervisor');
    expect(supervisor.cases.map((c) => c.id).sort()).toEqual(ids.slice(0, 2).sort());
    expect((await list('?mine=true', 'auditor')).cases).toHaveLength(0);
  });

  it('should list cases with a deadline due before a date, and overdue ones as time passes', async () => {
    // Inquiries: review due at the end of 2025-03-26; the blog question: 10 days → Monday 2025-03-17.
    expect((await list('?dueBefore=2025-03-16')).cases).toHaveLength(0);
    expect((await list('?dueBefore=2025-03-17')).cases.map((c) => c.procedure)).toEqual(['blog-question']);
    expect((await list('?dueBefore=2025-03-25&procedure=feedback-inquiry')).cases).toHaveLength(0);
    expect((await list('?dueBefore=2025-03-26&procedure=feedback-inquiry')).cases).toHaveLength(7);
    // A date is the calendar's end of that day (the next midnight in Asia/Almaty, UTC+5).
    expect(t.engine.deps.calendar.endOfDay('2025-03-17')).toBe('2025-03-17T19:00:00.000Z');
    expect((await list('?dueBefore=2025-03-17T19:00:00Z')).cases.map((c) => c.procedure)).toEqual(['blog-question']);
    expect((await list('?dueBefore=2025-03-17T23:59:59%2B05:00')).cases).toHaveLength(0);
    // A day the calendar has no data for has no end it can state.
    const unknownYear = await t.as('auditor').get('/cases?dueBefore=2031-01-01');
    expect(unknownYear.statusCode, unknownYear.body).toBe(422);
    expect(unknownYear.json().error.code).toBe('calendar_year_unknown');
    expect((await list('?overdue=true')).cases).toHaveLength(0);
    t.clock.set('2025-03-27T05:00:00.000Z');
    expect((await list('?overdue=true&procedure=blog-question')).cases).toHaveLength(1);
    await t.engine.idle();
    expect((await list('?overdue=true&procedure=feedback-inquiry')).cases).toHaveLength(7);
  });

  it('should page through every case exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list(`?limit=3${cursor ? `&after=${cursor}` : ''}`);
      seen.push(...page.cases.map((c) => c.id));
      cursor = page.next;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(8);
  });
});
