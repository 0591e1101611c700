/**
 * A signed-in browser for page tests without a browser: signs in through the sign-in form,
 * keeps the session cookie, and posts forms (urlencoded) with the CSRF token read from the
 * last page, as a browser would.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { token, type HumanRole } from './app.js';

export interface PageClient {
  cookie: string;
  csrf: string;
  get(url: string): Promise<LightMyRequestResponse>;
  /** Posts a form; `_csrf` is added unless given. */
  post(url: string, form: Record<string, string | string[]>): Promise<LightMyRequestResponse>;
}

export function csrfOf(body: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
}

export function encodeForm(form: Record<string, string | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  return q.toString();
}

export async function signIn(app: FastifyInstance, user: HumanRole | { name: string; token: string }): Promise<PageClient> {
  const who = typeof user === 'string' ? { name: `${user}-user`, token: token(user) } : user;
  const res = await app.inject({
    method: 'POST',
    url: '/ui/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: encodeForm({ name: who.name, token: who.token, next: '/ui/queue' }),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const set = res.headers['set-cookie'];
  const cookie = (Array.isArray(set) ? set : [String(set)]).map((c) => c.split(';')[0]!).join('; ');
  const client: PageClient = {
    cookie,
    csrf: '',
    async get(url) {
      const r = await app.inject({ method: 'GET', url, headers: { cookie: client.cookie } });
      client.csrf = csrfOf(r.body) ?? client.csrf;
      return r;
    },
    async post(url, form) {
      return app.inject({
        method: 'POST',
        url,
        headers: { cookie: client.cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        payload: encodeForm({ _csrf: client.csrf, ...form }),
      });
    },
  };
  await client.get('/ui/queue');
  return client;
}
