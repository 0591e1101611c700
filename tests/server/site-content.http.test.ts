/**
 * The register of the site's mandatory content over HTTP (п. 9, issue 18 §3;
 * server/routes/site-content.ts): every role reads it, only the press secretary and the
 * administrator change it, against If-Match; the compliance report as CSV and JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUMAN_ROLES } from '../../server/auth.js';
import { SITE_CONTENT_KIND_KEYS } from '../../machines/site-content-review/site-content.kinds.js';
import { buildTestApp, token, type HumanRole, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ now: '2025-04-07T05:00:00.000Z', units: true });
});
afterAll(async () => t.close());

const put = (role: HumanRole | 'two-hats', kind: string, body: unknown, ifMatch?: string, extra: Record<string, string> = {}) =>
  t.app.inject({
    method: 'PUT',
    url: `/site-content/${kind}`,
    headers: {
      authorization: `Bearer ${role === 'two-hats' ? 'token-two-hats' : token(role)}`,
      'content-type': 'application/json',
      ...(ifMatch !== undefined ? { 'if-match': ifMatch } : {}),
      ...extra,
    },
    payload: JSON.stringify(body),
  });

describe('GET /site-content', () => {
  it('answers every role the seven kinds with their compliance; no token is 401', async () => {
    for (const role of HUMAN_ROLES) {
      const res = await t.as(role).get('/site-content');
      expect(res.statusCode, role).toBe(200);
      expect(res.json().kinds.map((k: { kind: string }) => k.kind)).toEqual(SITE_CONTENT_KIND_KEYS);
    }
    expect((await t.app.inject({ method: 'GET', url: '/site-content' })).statusCode).toBe(401);
  });
});

describe('PUT /site-content/{kind}', () => {
  it('lets only the press secretary and the administrator change an entry, and records who', async () => {
    for (const role of HUMAN_ROLES.filter((r) => r !== 'press_secretary' && r !== 'administrator')) {
      const res = await put(role, 'strategy', { url: 'https://qazindustry.gov.kz/strategy', unit: null }, '"0"');
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    const res = await put('administrator', 'strategy', { url: 'https://qazindustry.gov.kz/strategy', unit: t.units[0] }, '"0"');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toMatchObject({ kind: 'strategy', revision: 1, changedBy: 'administrator-user', role: 'administrator', unit: t.units[0] });
    // The one with two hats acts as the press secretary (its first editing role).
    const two = await put('two-hats', 'strategy', { url: 'https://qazindustry.gov.kz/strategy/2030', unit: t.units[0], note: 'new strategy' }, '"1"');
    expect(two.statusCode, two.body).toBe(200);
    expect(two.json()).toMatchObject({ revision: 2, changedBy: 'two-hats', role: 'press_secretary' });
  });

  it('requires If-Match and refuses a stale one with the current revision, writing nothing', async () => {
    const missing = await put('press_secretary', 'news', { url: 'https://qazindustry.gov.kz/news', unit: null });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/If-Match is required/);
    const garbled = await put('press_secretary', 'news', { url: 'https://qazindustry.gov.kz/news', unit: null }, 'latest');
    expect(garbled.statusCode).toBe(400);
    expect((await put('press_secretary', 'news', { url: 'https://qazindustry.gov.kz/news', unit: null }, '"0"')).statusCode).toBe(200);
    const stale = await put('administrator', 'news', { url: 'https://qazindustry.gov.kz/press', unit: null }, '"0"');
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'version_conflict', details: { revision: 1 } });
    const got = await t.as('auditor').get('/site-content/news');
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.json().revisions.map((r: { url: string }) => r.url)).toEqual(['https://qazindustry.gov.kz/news']);
  });

  it('refuses a bad body with 400 and what to fix: no URL, unknown unit, unknown field, unknown kind is 404', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'ftp://qazindustry.gov.kz/x', unit: null }, /absolute http\(s\) address/],
      [{ url: 'https://qazindustry.gov.kz/x', unit: 'Нет такого отдела' }, /configured units/],
      [{ url: 'https://qazindustry.gov.kz/x', unit: null, owner: 'me' }, /owner/],
      [{ url: 'https://qazindustry.gov.kz/x' }, /unit/],
    ];
    for (const [body, message] of cases) {
      const res = await put('press_secretary', 'contacts', body, '"0"');
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
      expect(res.json().error.message).toMatch(message);
    }
    expect((await t.as('auditor').get('/site-content/contacts')).json().revisions).toEqual([]);
    const unknown = await put('press_secretary', 'vacancies', { url: null, unit: null }, '"0"');
    expect(unknown.statusCode).toBe(404);
    expect((await t.as('auditor').get('/site-content/vacancies')).statusCode).toBe(404);
  });
});

describe('GET /site-content/report', () => {
  it('gives one CSV row per kind with its status, and the register as JSON', async () => {
    const res = await t.as('chairman').get('/site-content/report');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="site-content-2025-04-07.csv"');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('kind,item,status,reason,url,unit,revision,lastReviewedAt,lastResult,openReviewPeriod,openReviewDueAt');
    expect(lines.length).toBe(8);
    const news = lines.find((l) => l.startsWith('news,'))!;
    expect(news).toBe('news,"п. 9, пп. 6",stale,never_reviewed,https://qazindustry.gov.kz/news,,1,,,,');
    const json = await t.as('auditor').get('/site-content/report?format=json');
    expect(json.json().counts).toEqual({ present: 0, missing: 5, stale: 2 });
    expect((await t.as('auditor').get('/site-content/report?format=xml')).statusCode).toBe(400);
  });
});
