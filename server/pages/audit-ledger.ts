/**
 * The auditor's page of the transparency log (`/ui/audit/ledger`, issue 16): the latest
 * signed checkpoint and the earlier ones, each downloadable as the file the audit CLI takes
 * (`ledger verify --checkpoint`), the public key, a form to have one signed now (`POST
 * /ledger/checkpoints`), and the command that checks a copy of the database without the
 * server. Everything through the JSON API, like every page; the auditor's alone.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CheckpointView } from '../../engine/ledger/index.js';
import { callApi, query, type Caller } from './api.js';
import { seeOther, sendHtml, signedIn } from './context.js';
import { formatDateTime } from './format.js';
import { html } from './html.js';
import { t } from './i18n/index.js';
import { csrfField, page } from './layout.js';

/** Checkpoints per page, newest first. */
const PAGE = 20;

type Ctx = ReturnType<typeof signedIn>;

export const auditLedgerPages: FastifyPluginAsync = async (app) => {
  const callerOf = (ctx: Ctx): Caller => ({ sessionId: ctx.sessionId, role: ctx.session.role });
  const auditorOr403 = (ctx: Ctx, reply: FastifyReply): boolean => {
    if (ctx.session.role === 'auditor') return true;
    void sendHtml(
      reply,
      page(ctx, { title: t(ctx.lang, 'error.title'), main: html`<h1>${t(ctx.lang, 'audit.ledger')}</h1><p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.forbidden')}</p>` }),
      403,
    );
    return false;
  };

  /** Every checkpoint, oldest first (pages of the API); the page shows the newest. */
  const allCheckpoints = async (request: FastifyRequest, caller: Caller): Promise<CheckpointView[] | string> => {
    const out: CheckpointView[] = [];
    for (let after = 0; ; ) {
      const res = await callApi<{ checkpoints: CheckpointView[]; next?: number }>(app, request, caller, { method: 'GET', url: `/ledger/checkpoints${query({ after, limit: 1000 })}` });
      if (!res.ok) return res.body.error.message;
      out.push(...res.body.checkpoints);
      if (res.body.next === undefined) return out;
      after = res.body.next;
    }
  };

  app.get<{ Querystring: { signed?: string; before?: string } }>('/ui/audit/ledger', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    if (!auditorOr403(ctx, reply)) return reply;
    const l = ctx.lang;
    const all = await allCheckpoints(request, callerOf(ctx));
    if (typeof all === 'string') {
      return sendHtml(reply, page(ctx, { title: t(l, 'audit.ledger'), main: html`<h1>${t(l, 'audit.ledger')}</h1><p class="flash flash-error" role="alert">${t(l, 'audit.error', { message: all })}</p>` }), 503);
    }
    const newest = [...all].reverse();
    const before = /^\d{1,12}$/.test(request.query.before ?? '') ? Number(request.query.before) : undefined;
    const shown = newest.filter((c) => before === undefined || c.id < before).slice(0, PAGE);
    const latest = newest[0];
    const signed = newest.find((c) => String(c.id) === request.query.signed);
    const lastShown = shown[shown.length - 1];
    const main = html`<p><a href="/ui/audit">← ${t(l, 'audit.find')}</a></p>
<h1>${t(l, 'audit.ledger')}</h1>
<p>${t(l, 'audit.ledger.intro')}</p>
${latest ? html`<p data-latest-size="${latest.size}">${t(l, 'audit.ledger.latest', { size: latest.size, at: formatDateTime(latest.signedAt, ctx.zone) })}</p>` : html`<p data-latest-size="none">${t(l, 'audit.ledger.none')}</p>`}
<form method="post" action="/ui/audit/ledger/checkpoints" data-form="sign-checkpoint">${csrfField(ctx)}<p><button type="submit">${t(l, 'audit.ledger.sign')}</button></p></form>
<p><a href="/ui/audit/ledger/public-key.pem" download>${t(l, 'audit.ledger.publicKey')}</a></p>
<section aria-labelledby="checkpoints-title"><h2 id="checkpoints-title">${t(l, 'audit.ledger.list')}</h2>
${shown.length === 0
  ? html`<p>${t(l, 'audit.ledger.none')}</p>`
  : html`<table class="checkpoints"><thead><tr><th scope="col">${t(l, 'audit.ledger.col.size')}</th><th scope="col">${t(l, 'audit.ledger.col.at')}</th><th scope="col">${t(l, 'audit.ledger.col.root')}</th><th scope="col">${t(l, 'audit.ledger.col.file')}</th></tr></thead>
<tbody>${shown.map(
      (c) => html`<tr data-checkpoint="${c.id}"><td>${c.size}</td><td>${formatDateTime(c.signedAt, ctx.zone)}</td><td><code>${c.rootHash.slice(0, 16)}…</code></td><td><a href="/ui/audit/ledger/checkpoints/${c.id}.checkpoint" download>${t(l, 'audit.ledger.download')}</a></td></tr>`,
    )}</tbody></table>`}
${lastShown && newest.some((c) => c.id < lastShown.id) ? html`<p class="pager"><a rel="next" href="/ui/audit/ledger${query({ before: lastShown.id })}">${t(l, 'audit.ledger.older')}</a></p>` : ''}
</section>
<section aria-labelledby="how-title"><h2 id="how-title">${t(l, 'audit.verify')}</h2><p>${t(l, 'audit.ledger.how')}</p>
<pre>DATABASE=copy.sqlite npm run -s audit -- ledger verify --checkpoint checkpoint-${latest?.size ?? 'N'}.checkpoint --public-key ledger-public-key.pem</pre></section>`;
    return sendHtml(reply, page(ctx, { title: t(l, 'audit.ledger'), main, ...(signed ? { flash: { kind: 'ok' as const, text: t(l, 'audit.ledger.signed', { size: signed.size }) } } : {}) }));
  });

  app.post('/ui/audit/ledger/checkpoints', { schema: { hide: true } }, async (request, reply) => {
    const ctx = { ...signedIn(request), path: '/ui/audit/ledger' };
    if (!auditorOr403(ctx, reply)) return reply;
    const res = await callApi<CheckpointView>(app, request, callerOf(ctx), { method: 'POST', url: '/ledger/checkpoints' });
    if (!res.ok) {
      return sendHtml(reply, page(ctx, { title: t(ctx.lang, 'audit.ledger'), main: html`<h1>${t(ctx.lang, 'audit.ledger')}</h1><p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.error', { message: res.body.error.message })}</p><p><a href="/ui/audit/ledger">${t(ctx.lang, 'audit.ledger')}</a></p>` }), res.status);
    }
    return seeOther(reply, `/ui/audit/ledger${query({ signed: res.body.id })}`);
  });

  app.get<{ Params: { id: string } }>('/ui/audit/ledger/checkpoints/:id.checkpoint', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    if (!auditorOr403(ctx, reply)) return reply;
    const id = /^\d{1,12}$/.test(request.params.id) ? Number(request.params.id) : 0;
    const res = id > 0 ? await callApi<{ checkpoints: CheckpointView[] }>(app, request, callerOf(ctx), { method: 'GET', url: `/ledger/checkpoints${query({ after: id - 1, limit: 1 })}` }) : undefined;
    const c = res?.ok ? res.body.checkpoints.find((x) => x.id === id) : undefined;
    if (!c) return sendHtml(reply, page(ctx, { title: t(ctx.lang, 'audit.ledger'), main: html`<h1>${t(ctx.lang, 'audit.ledger')}</h1><p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.ledger.none')}</p>` }), 404);
    return reply.type('text/plain; charset=utf-8').header('content-disposition', `attachment; filename="checkpoint-${c.size}-${c.id}.checkpoint"`).send(c.note);
  });

  app.get('/ui/audit/ledger/public-key.pem', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    if (!auditorOr403(ctx, reply)) return reply;
    const res = await callApi<string>(app, request, callerOf(ctx), { method: 'GET', url: '/ledger/public-key' });
    if (!res.ok) return sendHtml(reply, page(ctx, { title: t(ctx.lang, 'audit.ledger'), main: html`<h1>${t(ctx.lang, 'audit.ledger')}</h1><p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.error', { message: res.body.error.message })}</p>` }), res.status);
    return reply.type('application/x-pem-file').header('content-disposition', 'attachment; filename="ledger-public-key.pem"').send(res.body);
  });
};
