/**
 * My calendars (`/ui/account`, issue 15 §3): issue the feed links (shown once), revoke
 * them; each form carries the CSRF token; the header links to the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ units: true });
});
afterAll(async () => t?.close());

/** The values of the page's read-only feed URL fields. */
const feedUrls = (body: string) => [...body.matchAll(/data-feed="[^"]+"|value="(http:\/\/[^"]+\.ics)"/g)].map((m) => m[1]).filter(Boolean);

describe('/ui/account', () => {
  it('is linked from the header and says there is no feed link yet', async () => {
    const c = await signIn(t.app, 'car');
    const queue = await c.get('/ui/queue');
    expect(queue.body).toContain('href="/ui/account"');
    const res = await c.get('/ui/account');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('data-feed-status="none"');
    expect(res.body).toContain('<h1>Мои календари</h1>');
  });

  it('issues the links once (the feed opens), then revokes them (the feed is 404)', async () => {
    const c = await signIn(t.app, 'car');
    await c.get('/ui/account');
    const issued = await c.post('/ui/account/feed-token', {});
    expect(issued.statusCode).toBe(200);
    const [deadlines, daysOff] = feedUrls(issued.body);
    expect(deadlines).toMatch(/\/feeds\/[A-Za-z0-9_-]{43}\/deadlines\.ics$/);
    expect(daysOff).toMatch(/\/feeds\/[A-Za-z0-9_-]{43}\/days-off\.ics$/);
    expect(issued.body).toContain('data-feed-status="active"');
    // The header's links come back to the page, not to the POST.
    expect(issued.body).toContain(`back=${encodeURIComponent('/ui/account')}`);
    const path = new URL(deadlines!).pathname;
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(200);

    // Shown once: the page on its own does not show the token again.
    const later = await c.get('/ui/account');
    expect(later.body).not.toContain(path);
    expect(later.body).toContain('data-feed-status="active"');

    const revoked = await c.post('/ui/account/feed-token/revoke', {});
    expect(revoked.statusCode).toBe(303);
    expect(revoked.headers.location).toBe('/ui/account?revoked=1');
    const after = await c.get('/ui/account?revoked=1');
    expect(after.body).toContain('data-feed-status="none"');
    expect(after.body).toContain('role="status"');
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
  });

  it('refuses a form without the CSRF token', async () => {
    const c = await signIn(t.app, 'car');
    const res = await c.post('/ui/account/feed-token', { _csrf: 'wrong' });
    expect(res.statusCode).toBe(403);
    expect((await c.get('/ui/account')).body).toContain('data-feed-status="none"');
  });
});
