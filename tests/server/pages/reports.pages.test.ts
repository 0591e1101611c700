/** The on-time report page without a browser: tables, chart, downloads through the session, errors, the nav link. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' } });
  t.clock.set('2025-04-01T05:00:00.000Z');
  await t.engine.idle();
});
afterAll(async () => t.close());

describe('/ui/reports', () => {
  it('should show the tables and the chart, link the downloads, and be in the navigation', async () => {
    const p = await signIn(t.app, 'supervisor');
    const res = await p.get('/ui/reports?from=2025-03-01&to=2025-04-30');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<a href="/ui/reports" aria-current="page">');
    expect(res.body).toMatch(/<svg [^>]*role="img" aria-labelledby="chart-title chart-desc"/);
    expect(res.body.match(/<g data-period=/g)).toHaveLength(2);
    expect(res.body).toContain('href="/ui/reports/deadlines.csv?from=2025-03-01&amp;to=2025-04-30&amp;groupBy=month"');
    expect(res.body).not.toContain('Айгерим');
    const csv = await p.get('/ui/reports/deadlines.csv?from=2025-03-01&to=2025-04-30&groupBy=month');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toContain('2025-03,feedback-inquiry,review,,1,0,0,,,,1,1,0,0,0');
    const xlsx = await p.get('/ui/reports/deadlines.xlsx?from=2025-03-01&to=2025-04-30');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="deadlines-2025-03-01-2025-04-30-month.xlsx"');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('should say what to fix for a bad range, keeping the form', async () => {
    const p = await signIn(t.app, 'auditor');
    const res = await p.get('/ui/reports?from=2025-04-01&to=2025-03-01');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('value="2025-04-01"');
  });
});
