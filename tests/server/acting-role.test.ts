/**
 * `X-Acting-Role` on reads (issue 13): a person with several roles reads with the union of
 * them, unless the request names one; then that role alone decides what they see (and is
 * the role recorded with the read). A role they do not hold is 403 `forbidden`. The header
 * is declared on the case routes in the OpenAPI document.
 *
 * `two-hats` (tests/helpers/app.ts) is press_secretary, who takes part in P3, and
 * administrator, who does not (README "Who reads what").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let id: string;
const APPLICANT = 'Айгерим-acting';

beforeAll(async () => {
  t = await buildTestApp();
  const created = await t.as('car').post('/cases', {
    procedure: 'feedback-inquiry',
    input: { applicant: { name: APPLICANT, email: 'acting@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
  });
  expect(created.statusCode, created.body).toBe(201);
  id = created.json().id;
});
afterAll(async () => t.close());

const get = (url: string, role?: string, token = 'token-two-hats') =>
  t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...(role ? { 'x-acting-role': role } : {}) } });

describe('X-Acting-Role on reads', () => {
  it('should read with the union of the roles without it, and with the named role only with it', async () => {
    const union = await get(`/cases/${id}`);
    expect(union.statusCode, union.body).toBe(200);
    expect(union.json().redacted).toBeUndefined();
    expect(union.json().context.applicant.name).toBe(APPLICANT);

    const asAdministrator = await get(`/cases/${id}`, 'administrator');
    expect(asAdministrator.statusCode, asAdministrator.body).toBe(200);
    expect(asAdministrator.json().redacted).toBe(true);
    expect(asAdministrator.body).not.toContain(APPLICANT);

    const asPress = await get(`/cases/${id}`, 'press_secretary');
    expect(asPress.json().redacted).toBeUndefined();
    expect(asPress.json().context.applicant.name).toBe(APPLICANT);
  });

  it.each([
    ['list', () => `/cases?procedure=feedback-inquiry`],
    ['history', () => `/cases/${id}/history`],
    ['messages', () => `/cases/${id}/messages`],
    ['replay', () => `/cases/${id}/replay`],
  ])('should apply to %s', async (_route, url) => {
    const full = await get(url());
    expect(full.statusCode, full.body).toBe(200);
    expect(full.body).toContain(APPLICANT);
    const redacted = await get(url(), 'administrator');
    expect(redacted.statusCode, redacted.body).toBe(200);
    expect(redacted.body).not.toContain(APPLICANT);
    expect(redacted.body).toContain('"redacted":true');
  });

  it('should record the named role with the read', async () => {
    expect((await get(`/cases/${id}/messages`, 'press_secretary')).statusCode).toBe(200);
    const reads = (await t.as('auditor').get(`/cases/${id}/reads`)).json().reads as { actor: string; role: string; route: string }[];
    expect(reads.filter((r) => r.actor === 'two-hats' && r.route === 'GET /cases/{id}/messages').map((r) => r.role)).toContain('press_secretary');
    // A redacted read is not recorded: none under administrator.
    expect(reads.filter((r) => r.actor === 'two-hats' && r.role === 'administrator')).toEqual([]);
  });

  it('should refuse a role the user does not hold with 403 forbidden, saying which roles they hold', async () => {
    for (const url of [`/cases/${id}`, `/cases?procedure=feedback-inquiry`, `/cases/${id}/history`, `/cases/${id}/messages`, `/cases/${id}/replay`]) {
      const res = await get(url, 'chairman');
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: { roles: ['press_secretary', 'administrator'] } });
      expect(res.json().error.message).toMatch(/X-Acting-Role 'chairman' is not one of your roles \(press_secretary, administrator\)/);
    }
    // The auditor's reads are the auditor's: another role is not theirs to name.
    expect((await get(`/cases/${id}`, 'car', 'token-of-auditor')).statusCode).toBe(403);
    expect((await get(`/cases/${id}/reads`, 'administrator')).statusCode).toBe(403);
  });

  it('should refuse a value that is no role with 400 invalid_request', async () => {
    const res = await get(`/cases/${id}`, 'boss');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('should answer an event sent under the named role with what that role may see', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/cases/${id}/events`,
      headers: { authorization: 'Bearer token-two-hats', 'content-type': 'application/json', 'x-acting-role': 'press_secretary' },
      payload: JSON.stringify({ type: 'comment', text: 'from the press office' }),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().redacted).toBeUndefined();
    // Under the role without a part in P3: no comment (README "Who reads what").
    const asAdministrator = await t.app.inject({
      method: 'POST',
      url: `/cases/${id}/events`,
      headers: { authorization: 'Bearer token-two-hats', 'content-type': 'application/json', 'x-acting-role': 'administrator' },
      payload: JSON.stringify({ type: 'comment', text: 'from the web team' }),
    });
    expect(asAdministrator.statusCode, asAdministrator.body).toBe(403);
    expect(asAdministrator.json().error.message).toMatch(/The role administrator takes no part in feedback-inquiry cases/);
  });
});

describe('X-Acting-Role in the OpenAPI document', () => {
  it('should be an optional header parameter of every case route that acts or reads', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean; schema: { enum?: string[] } }[] }>>;
    };
    const routes = [
      ['/cases', 'post'],
      ['/cases', 'get'],
      ['/cases/{id}', 'get'],
      ['/cases/{id}/events', 'post'],
      ['/cases/{id}/history', 'get'],
      ['/cases/{id}/messages', 'get'],
      ['/cases/{id}/replay', 'get'],
      ['/cases/{id}/reads', 'get'],
    ] as const;
    for (const [path, method] of routes) {
      const p = doc.paths[path]![method]!.parameters?.find((x) => x.in === 'header' && x.name === 'x-acting-role');
      expect(p, `${method} ${path}`).toBeDefined();
      expect(p!.required ?? false).toBe(false);
      expect(p!.schema.enum).toEqual(expect.arrayContaining(['press_secretary', 'auditor']));
    }
  });
});
