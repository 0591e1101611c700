import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../../helpers/app.js';
import { encodeForm, signIn } from '../../helpers/pages.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ authFailureLimit: 3 });
});
afterEach(async () => t.close());

const form = (body: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/ui/sign-in',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: encodeForm(body),
});

describe('sign-in and sessions', () => {
  it('sends a person without a session to the sign-in page, and back after signing in', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ui/queue' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ui/sign-in?next=%2Fui%2Fqueue');
    const root = await t.app.inject({ method: 'GET', url: '/' });
    expect(root.headers.location).toBe('/ui/sign-in');
    const page = await t.app.inject({ method: 'GET', url: '/ui/sign-in' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<label for="sign-in-token">Ключ доступа</label>');
  });

  it('sets an HttpOnly SameSite=Strict cookie; the session reads the API as that user', async () => {
    const res = await t.app.inject(form({ name: 'car-user', token: token('car'), next: '/ui/queue' }));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ui/queue');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/qi_session=[A-Za-z0-9_-]{43}/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const client = await signIn(t.app, 'car');
    const queue = await client.get('/ui/queue');
    expect(queue.statusCode).toBe(200);
    expect(queue.headers['cache-control']).toBe('no-store');
    expect(queue.body).toContain('data-user="car-user"');
  });

  it('refuses a wrong key without saying which field was wrong, and limits failures per address', async () => {
    const wrongToken = await t.app.inject(form({ name: 'car-user', token: 'nope' }));
    expect(wrongToken.statusCode).toBe(401);
    const wrongName = await t.app.inject(form({ name: 'press_secretary-user', token: token('car') }));
    expect(wrongName.statusCode).toBe(401);
    expect(wrongName.body).toContain('Неверное имя пользователя или ключ.');
    await t.app.inject(form({ name: 'x', token: 'y' }));
    // The fourth attempt, a right one included, waits out the window (AUTH_FAILURE_LIMIT=3).
    const limited = await t.app.inject(form({ name: 'car-user', token: token('car') }));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a POST without the session CSRF token, or from another site, changes nothing', async () => {
    const client = await signIn(t.app, 'car');
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/ui/sign-out',
      headers: { cookie: client.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(noToken.statusCode).toBe(403);
    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/ui/sign-out',
      headers: { cookie: client.cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      payload: encodeForm({ _csrf: client.csrf }),
    });
    expect(crossSite.statusCode).toBe(403);
    expect((await client.get('/ui/queue')).statusCode).toBe(200);
  });

  it('signing out ends the session: the cookie no longer opens a page or the API', async () => {
    const client = await signIn(t.app, 'car');
    const out = await client.post('/ui/sign-out', {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/ui/sign-in?out=1');
    expect((await client.get('/ui/queue')).statusCode).toBe(303);
    const id = /qi_session=([^;]+)/.exec(client.cookie)![1]!;
    const api = await t.app.inject({ method: 'GET', url: '/cases', headers: { authorization: `Session ${id}` } });
    expect(api.statusCode).toBe(401);
  });

  it('the JSON API never takes the cookie as a credential', async () => {
    const client = await signIn(t.app, 'car');
    const res = await t.app.inject({ method: 'GET', url: '/cases', headers: { cookie: client.cookie } });
    expect(res.statusCode).toBe(401);
  });

  it('a person with two roles picks the acting role in the header', async () => {
    const client = await signIn(t.app, { name: 'two-hats', token: 'token-two-hats' });
    const before = await client.get('/ui/queue');
    expect(before.body).toContain('<option value="press_secretary" selected>');
    const res = await client.post('/ui/role', { role: 'administrator', back: '/ui/queue' });
    expect(res.statusCode).toBe(303);
    const after = await client.get('/ui/queue');
    expect(after.body).toContain('<option value="administrator" selected>');
    // A role the person does not hold is ignored.
    await client.post('/ui/role', { role: 'chairman', back: '/ui/queue' });
    expect((await client.get('/ui/queue')).body).toContain('<option value="administrator" selected>');
  });

  it('switches the language by a cookie; Russian by default', async () => {
    const client = await signIn(t.app, 'car');
    expect((await client.get('/ui/queue')).body).toContain('<html lang="ru">');
    const res = await t.app.inject({ method: 'GET', url: '/ui/lang?to=kk&back=/ui/queue', headers: { cookie: client.cookie } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/ui/queue');
    client.cookie += `; ${String(res.headers['set-cookie']).split(';')[0]}`;
    const kk = await client.get('/ui/queue');
    expect(kk.body).toContain('<html lang="kk">');
    expect(kk.body).toContain('Менің кезегім');
    // An open redirect is refused.
    const evil = await t.app.inject({ method: 'GET', url: '/ui/lang?to=en&back=//evil.example' });
    expect(evil.headers.location).toBe('/ui/queue');
  });

  it('serves its assets from this server, with content hashes and long caching', async () => {
    const client = await signIn(t.app, 'car');
    const page = (await client.get('/ui/queue')).body;
    const css = /href="(\/ui\/assets\/app\.css\?v=[0-9a-f]{12})"/.exec(page)?.[1];
    expect(css).toBeDefined();
    const res = await t.app.inject({ method: 'GET', url: css! });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/css/);
    expect(res.headers['cache-control']).toContain('immutable');
    for (const name of ['htmx.min.js', 'mermaid.tiny.js', 'app.js']) {
      expect((await t.app.inject({ method: 'GET', url: `/ui/assets/${name}` })).statusCode).toBe(200);
    }
    expect(page).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});
