/**
 * The site's mandatory content page (`/ui/site-content`, п. 9) without a browser: the seven
 * kinds with their compliance in each language, the edit forms only for the editors, a
 * save through the API with the revision shown, a stale form refused with the API's
 * message and nothing written, the CSV through the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ now: '2025-04-07T05:00:00.000Z', units: true });
});
afterAll(async () => t.close());

describe('/ui/site-content', () => {
  it('lists the seven kinds with their compliance, in the navigation, in ru, kk and en', async () => {
    const p = await signIn(t.app, 'unit');
    const ru = await p.get('/ui/site-content');
    expect(ru.statusCode).toBe(200);
    expect(ru.body).toContain('<a href="/ui/site-content" aria-current="page">');
    expect(ru.body.match(/<tr data-kind=/g)).toHaveLength(7);
    expect(ru.body).toContain('Обязательная информация сайта (п. 9)');
    expect(ru.body).toContain('п. 9, пп. 4');
    expect(ru.body).toContain('data-counts="0/7/0"');
    expect(ru.body).toContain('страница не указана');
    // A unit user reads it, and changes nothing: no edit form.
    expect(ru.body).not.toContain('data-form="site-content-');
    const cookie = p.cookie;
    p.cookie = `${cookie}; qi_lang=kk`;
    expect((await p.get('/ui/site-content')).body).toContain('Сайттың міндетті ақпараты (9-т.)');
    p.cookie = `${cookie}; qi_lang=en`;
    const en = await p.get('/ui/site-content');
    expect(en.body).toContain('The site&#39;s mandatory content (п. 9)');
    expect(en.body).toContain('no page named');
  });

  it('saves an entry through the form, and refuses a form of an older revision with the reason', async () => {
    const p = await signIn(t.app, 'press_secretary');
    const before = await p.get('/ui/site-content');
    expect(before.body).toContain('data-form="site-content-procurement"');
    const saved = await p.post('/ui/site-content/procurement', { revision: '0', url: 'https://qazindustry.gov.kz/procurement', unit: t.units[0]!, note: '' });
    expect(saved.statusCode, saved.body.slice(0, 500)).toBe(303);
    expect(saved.headers.location).toBe('/ui/site-content?saved=procurement');
    const after = await p.get('/ui/site-content?saved=procurement');
    expect(after.body).toContain('role="status"');
    expect(after.body).toContain('href="https://qazindustry.gov.kz/procurement"');
    expect(after.body).toMatch(/<tr data-kind="procurement">[\s\S]*?data-status="stale"/);
    // The same form again (revision 0): someone saved meanwhile.
    const stale = await p.post('/ui/site-content/procurement', { revision: '0', url: 'https://qazindustry.gov.kz/other', unit: t.units[0]! });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('role="alert"');
    expect(stale.body).toContain('revision 1, not 0');
    const bad = await p.post('/ui/site-content/news', { revision: '0', url: 'not a page', unit: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('absolute http(s) address');
    const history = await t.as('auditor').get('/site-content/procurement');
    expect(history.json().revisions.map((r: { url: string }) => r.url)).toEqual(['https://qazindustry.gov.kz/procurement']);
    expect((await t.as('auditor').get('/site-content/news')).json().revisions).toEqual([]);
  });

  it('downloads the compliance CSV through the session', async () => {
    const p = await signIn(t.app, 'chairman');
    const csv = await p.get('/ui/site-content/report.csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[0]).toBe('kind,item,status,reason,url,unit,revision,lastReviewedAt,lastResult,openReviewPeriod,openReviewDueAt');
  });
});
