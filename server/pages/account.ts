/**
 * My calendars (`/ui/account`, issue 15 §3): the person's private iCalendar feeds. The page
 * says whether a feed link is active and since when; "issue" shows the two feed URLs once
 * (a new link revokes the old one), "revoke" makes them answer 404. Each form is one call
 * of the JSON API (`POST` / `DELETE /me/feed-token`, server/routes/feeds.ts), with the
 * session's CSRF token like every form of the pages.
 *
 * The URLs are shown in read-only fields to copy (the token is in them: it is not stored
 * anywhere but in the person's calendar program); the page is `no-store` like every page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callApi, type Caller } from './api.js';
import { seeOther, sendHtml, signedIn } from './context.js';
import { formatDateTime } from './format.js';
import { html, type Html } from './html.js';
import { t } from './i18n/index.js';
import { csrfField, page, type PageContext } from './layout.js';

interface FeedTokenStatus {
  active: boolean;
  createdAt?: string;
}

interface Issued {
  token: string;
  createdAt: string;
  paths: { deadlines: string; daysOff: string };
}

type Ctx = ReturnType<typeof signedIn>;

function urlField(id: string, label: string, url: string): Html {
  return html`<p><label for="${id}">${label}</label><br>
<input id="${id}" class="feed-url" type="text" readonly size="80" value="${url}" data-feed="${id}"></p>`;
}

function body(ctx: PageContext, status: FeedTokenStatus, issued?: { deadlines: string; daysOff: string }): Html {
  const l = ctx.lang;
  const state = status.active
    ? html`<p data-feed-status="active">${t(l, 'account.active', { since: formatDateTime(status.createdAt ?? '', ctx.zone) })}</p>`
    : html`<p data-feed-status="none">${t(l, 'account.none')}</p>`;
  const shown = issued
    ? html`<section aria-labelledby="feed-urls-title" class="feed-urls">
<h2 id="feed-urls-title">${t(l, 'account.urls')}</h2>
<p>${t(l, 'account.urlsOnce')}</p>
${urlField('feed-deadlines', t(l, 'account.deadlines'), issued.deadlines)}
${urlField('feed-days-off', t(l, 'account.daysOff'), issued.daysOff)}
</section>`
    : html``;
  const revoke = status.active
    ? html`<form method="post" action="/ui/account/feed-token/revoke" data-form="revoke-feed">${csrfField(ctx)}
<p><button type="submit">${t(l, 'account.revoke')}</button></p></form>`
    : html``;
  return html`<h1>${t(l, 'account.title')}</h1>
<p>${t(l, 'account.intro')}</p>
${state}
${shown}
<form method="post" action="/ui/account/feed-token" data-form="issue-feed">${csrfField(ctx)}
<p><button type="submit">${status.active ? t(l, 'account.reissue') : t(l, 'account.issue')}</button></p></form>
${revoke}`;
}

export async function accountPages(app: FastifyInstance): Promise<void> {
  const callerOf = (ctx: Ctx): Caller => ({ sessionId: ctx.sessionId, role: ctx.session.role });
  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  const render = async (request: FastifyRequest, ctx: Ctx, flash?: { kind: 'ok' | 'error'; text: string }, issued?: Issued) => {
    const res = await callApi<FeedTokenStatus>(app, request, callerOf(ctx), { method: 'GET', url: '/me/feed-token' });
    const status = res.ok ? res.body : { active: false };
    const error = res.ok ? flash : { kind: 'error' as const, text: res.body.error.message };
    const urls = issued && { deadlines: base(request) + issued.paths.deadlines, daysOff: base(request) + issued.paths.daysOff };
    return page(ctx, { title: t(ctx.lang, 'account.title'), ...(error ? { flash: error } : {}), main: body(ctx, status, urls) });
  };

  app.get<{ Querystring: { revoked?: string } }>('/ui/account', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const flash = request.query.revoked === '1' ? { kind: 'ok' as const, text: t(ctx.lang, 'account.revoked') } : undefined;
    return sendHtml(reply, await render(request, ctx, flash));
  });

  // Answered with the page itself, not a redirect: the URLs are shown this once.
  // The page's own path for the header's language and role links (not the POST's).
  const asPage = (request: FastifyRequest): Ctx => ({ ...signedIn(request), path: '/ui/account' });

  app.post('/ui/account/feed-token', { schema: { hide: true } }, async (request, reply) => {
    const ctx = asPage(request);
    const res = await callApi<Issued>(app, request, callerOf(ctx), { method: 'POST', url: '/me/feed-token' });
    if (!res.ok) return sendHtml(reply, await render(request, ctx, { kind: 'error', text: res.body.error.message }), res.status);
    return sendHtml(reply, await render(request, ctx, { kind: 'ok', text: t(ctx.lang, 'account.issued') }, res.body));
  });

  app.post('/ui/account/feed-token/revoke', { schema: { hide: true } }, async (request, reply) => {
    const ctx = asPage(request);
    const res = await callApi<{ revoked: boolean }>(app, request, callerOf(ctx), { method: 'DELETE', url: '/me/feed-token' });
    if (!res.ok) return sendHtml(reply, await render(request, ctx, { kind: 'error', text: res.body.error.message }), res.status);
    return seeOther(reply, '/ui/account?revoked=1');
  });
}
