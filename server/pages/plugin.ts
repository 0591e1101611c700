/**
 * The staff's web application, served by the API's own Fastify app: `/` sends a person to
 * their queue (or to sign in), the pages live under `/ui/`, their files under
 * `/ui/assets/`. Every page reads and writes through the JSON API in-process (api.ts).
 *
 * Sessions (server/sessions.ts) ride in an HttpOnly, SameSite=Strict cookie; every POST of
 * a signed-in page carries the session's CSRF token (`_csrf`) and must not come from
 * another site (`Sec-Fetch-Site`/`Origin`). Failed sign-ins count against the address in
 * the same window as failed API authentications (AUTH_FAILURE_LIMIT). Pages hold personal
 * data: `Cache-Control: no-store`, except the hashed assets.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../machines/contract.js';
import type { Identity } from '../auth.js';
import type { WindowCounter } from '../plugins/rate-limits.js';
import { csrfMatches, type SessionStore } from '../sessions.js';
import { assets } from './assets.js';
import { LANG_COOKIE, langOf, pageOf, safeBack, seeOther, sendHtml, SESSION_COOKIE } from './context.js';
import { html } from './html.js';
import { isLang, t } from './i18n/index.js';
import { page } from './layout.js';
import { accountPages } from './account.js';
import { auditPages } from './audit.js';
import { auditLedgerPages } from './audit-ledger.js';
import { newCasePages } from './new-case.js';
import { publicFormPages } from './public-form.js';
import { listPages } from './lists.js';
import { casePages } from './case.js';
import { queuePages } from './queue.js';
import { reportPages } from './reports.js';
import { siteContentPages } from './site-content.js';
import { signInPage } from './sign-in.js';

export interface PagesOptions {
  identity: Identity;
  /** The calendar's IANA zone: every local time and every date the pages show or read. */
  zone: string;
  sessions: SessionStore;
  /** Failed sign-ins per address (shared with the API's failed authentications). */
  failures?: WindowCounter;
}

/** Paths a person reaches without a session. */
const PUBLIC = [/^\/(?:\?|$)/, /^\/ui\/sign-in(?:\?|$)/, /^\/ui\/assets\//, /^\/ui\/lang(?:\?|$)/, /^\/form\//];

function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

/** A POST must come from our own pages: browsers say so in Sec-Fetch-Site, older ones in Origin. */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export async function pagesPlugin(app: FastifyInstance, opts: PagesOptions): Promise<void> {
  await app.register(cookie);
  await app.register(async (scope) => {
    // HTML forms post urlencoded bodies; only the pages' scope parses them (the API stays JSON-only).
    await scope.register(formbody, { bodyLimit: 64 * 1024 });

    scope.addHook('onRequest', (request, reply, done) => {
      const lang = langOf(request);
      const sessionId = request.cookies[SESSION_COOKIE];
      const session = sessionId ? opts.sessions.get(sessionId, Date.now()) : undefined;
      request.page = { lang, zone: opts.zone, path: request.url, ...(session && sessionId ? { session, sessionId } : {}) };
      if (!request.url.startsWith('/ui/assets/')) void reply.header('cache-control', 'no-store');
      if (!session && !PUBLIC.some((p) => p.test(request.url))) {
        if (request.method === 'GET') {
          void seeOther(reply, `/ui/sign-in?next=${encodeURIComponent(request.url)}`);
          return done();
        }
        void sendHtml(reply, page({ lang, zone: opts.zone, path: request.url }, { title: t(lang, 'error.title'), main: html`<p>${t(lang, 'error.csrf')}</p>` }), 403);
        return done();
      }
      done();
    });

    // CSRF: every POST of a signed-in person carries the session's token and comes from our pages.
    scope.addHook('preHandler', (request, reply, done) => {
      if (request.method !== 'POST') return done();
      const p = pageOf(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const needsToken = p.session !== undefined && !request.url.startsWith('/ui/sign-in');
      if (!sameOrigin(request) || (needsToken && !csrfMatches(p.session!, body._csrf))) {
        void sendHtml(
          reply,
          page(p, { title: t(p.lang, 'error.title'), main: html`<p>${t(p.lang, 'error.csrf')}</p><p><a href="${safeBack(request.headers.referer && new URL(request.headers.referer, 'http://x').pathname)}">${t(p.lang, 'error.back')}</a></p>` }),
          403,
        );
        return done();
      }
      done();
    });

    // An unknown page under /ui/ is an HTML 404 (the API's own 404 stays JSON).
    await scope.register(
      async (ui) => {
        ui.setNotFoundHandler((request, reply) => {
          const p = pageOf(request);
          return sendHtml(reply, page(p, { title: t(p.lang, 'error.notFound'), main: html`<h1>${t(p.lang, 'error.notFound')}</h1>` }), 404);
        });
      },
      { prefix: '/ui' },
    );

    scope.get('/', { schema: { hide: true } }, (request, reply) => seeOther(reply, pageOf(request).session ? '/ui/queue' : '/ui/sign-in'));
    scope.get('/ui', { schema: { hide: true } }, (_request, reply) => seeOther(reply, '/ui/queue'));

    scope.get<{ Params: { name: string } }>('/ui/assets/:name', { schema: { hide: true } }, (request, reply) => {
      const asset = assets().get(request.params.name);
      if (!asset) return reply.callNotFound();
      return reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', `"${asset.hash}"`).type(asset.type).send(asset.body);
    });

    scope.get<{ Querystring: { to?: string; back?: string } }>('/ui/lang', { schema: { hide: true } }, (request, reply) => {
      const to = request.query.to;
      if (isLang(to)) {
        void reply.setCookie(LANG_COOKIE, to, cookieOptions(request, 365 * 24 * 3600));
        const s = pageOf(request).session;
        if (s) s.lang = to;
      }
      return seeOther(reply, safeBack(request.query.back));
    });

    await scope.register(signInPage, {
      identity: opts.identity,
      failures: opts.failures,
      start: (request: FastifyRequest, reply: FastifyReply, user) => {
        const { id } = opts.sessions.create(user, langOf(request), Date.now());
        void reply.setCookie(SESSION_COOKIE, id, cookieOptions(request));
      },
      end: (request: FastifyRequest, reply: FastifyReply) => {
        const id = request.cookies[SESSION_COOKIE];
        if (id) opts.sessions.delete(id);
        void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
      },
    });

    scope.post<{ Body: { role?: string; back?: string } }>('/ui/role', { schema: { hide: true } }, (request, reply) => {
      const s = pageOf(request).session!;
      const role = request.body?.role;
      if (typeof role === 'string' && s.user.roles.includes(role as Role)) s.role = role as Role;
      return seeOther(reply, safeBack(request.body?.back));
    });

    await scope.register(queuePages);
    await scope.register(newCasePages);
    await scope.register(publicFormPages);
    await scope.register(auditPages);
    await scope.register(auditLedgerPages);
    await scope.register(listPages);
    await scope.register(casePages);
    await scope.register(accountPages);
    await scope.register(reportPages);
    await scope.register(siteContentPages);
  });
}
