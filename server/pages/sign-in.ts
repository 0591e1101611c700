/**
 * Sign in and out. The person types their user name and their key (today the token of
 * AUTH_FILE; `Identity` is the seam where the company's directory plugs in). A failure
 * never says which of the two was wrong, and counts against the address like a failed API
 * authentication; over the limit, the form answers 429 with the wait.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, User } from '../auth.js';
import type { WindowCounter } from '../plugins/rate-limits.js';
import { pageOf, safeBack, seeOther, sendHtml } from './context.js';
import { html } from './html.js';
import { t } from './i18n/index.js';
import { page, type PageContext } from './layout.js';

export interface SignInOptions {
  identity: Identity;
  failures?: WindowCounter;
  start(request: FastifyRequest, reply: FastifyReply, user: User): void;
  end(request: FastifyRequest, reply: FastifyReply): void;
}

function form(ctx: PageContext, next: string, name: string, error?: string) {
  return page(ctx, {
    title: t(ctx.lang, 'signIn.title'),
    ...(error ? { flash: { kind: 'error' as const, text: error } } : {}),
    main: html`<h1>${t(ctx.lang, 'signIn.title')}</h1>
<form method="post" action="/ui/sign-in" class="sign-in" data-form="sign-in">
  <input type="hidden" name="next" value="${next}">
  <p><label for="sign-in-name">${t(ctx.lang, 'signIn.name')}</label>
  <input id="sign-in-name" name="name" autocomplete="username" required maxlength="200" value="${name}"></p>
  <p><label for="sign-in-token">${t(ctx.lang, 'signIn.token')}</label>
  <input id="sign-in-token" name="token" type="password" autocomplete="current-password" required maxlength="500" aria-describedby="sign-in-token-hint">
  <small id="sign-in-token-hint">${t(ctx.lang, 'signIn.tokenHint')}</small></p>
  <p><button type="submit">${t(ctx.lang, 'signIn.submit')}</button></p>
</form>`,
  });
}

export const signInPage: FastifyPluginAsync<SignInOptions> = async (app, opts) => {
  app.get<{ Querystring: { next?: string; out?: string } }>('/ui/sign-in', { schema: { hide: true } }, (request, reply) => {
    const p = pageOf(request);
    const next = safeBack(request.query.next);
    if (p.session) return seeOther(reply, next);
    const ctx = { lang: p.lang, zone: p.zone, path: request.url };
    const body = form(ctx, next, '');
    return sendHtml(reply, request.query.out === '1' ? page(ctx, { title: t(p.lang, 'signIn.title'), flash: { kind: 'ok', text: t(p.lang, 'signedOut') }, main: html`${body}` }) : body);
  });

  app.post<{ Body: { name?: string; token?: string; next?: string } }>('/ui/sign-in', { schema: { hide: true } }, (request, reply) => {
    const p = pageOf(request);
    const ctx = { lang: p.lang, zone: p.zone, path: '/ui/sign-in' };
    const name = typeof request.body?.name === 'string' ? request.body.name.trim() : '';
    const next = safeBack(request.body?.next);
    const wait = opts.failures?.blocked(request.ip) ?? 0;
    if (wait > 0) {
      request.log.warn({ ip: request.ip }, 'shedding load: too many failed sign-ins from this address');
      return sendHtml(reply.header('retry-after', String(wait)), form(ctx, next, name, t(p.lang, 'signIn.limited', { seconds: wait })), 429);
    }
    const token = typeof request.body?.token === 'string' ? request.body.token.trim() : '';
    const user = name && token ? opts.identity.signIn(name, token) : undefined;
    if (!user) {
      opts.failures?.hit(request.ip);
      return sendHtml(reply, form(ctx, next, name, t(p.lang, 'signIn.failed')), 401);
    }
    opts.start(request, reply, user);
    return seeOther(reply, next);
  });

  app.post('/ui/sign-out', { schema: { hide: true } }, (request, reply) => {
    opts.end(request, reply);
    return seeOther(reply, '/ui/sign-in?out=1');
  });
};

