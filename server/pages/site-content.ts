/**
 * The site's mandatory content page (`/ui/site-content`, п. 9, issue 18 §3): the seven
 * kinds with their page, responsible unit, last review and compliance, from
 * `GET /site-content`; for the press secretary and the administrator, one form per kind
 * that changes its entry with `PUT /site-content/{kind}` against the revision shown (a
 * change by someone else meanwhile is refused with the API's message, nothing written).
 * The CSV report is the API's answer passed through with the session's credential.
 * Plain forms: the page works without JavaScript.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SiteContentEntry, SiteContentRegister } from '../../engine/site-content.js';
import { SITE_CONTENT_EDITORS } from '../routes/site-content.js';
import { callApi, type Caller } from './api.js';
import { seeOther, sendHtml, signedIn } from './context.js';
import { formatDateTime, formatIsoDate } from './format.js';
import { attrs, html, type Html } from './html.js';
import { t, type MessageKey } from './i18n/index.js';
import { valueLabel } from './labels.js';
import { csrfField, page, type PageContext } from './layout.js';

type Ctx = PageContext & { sessionId: string; session: { role: string } };
type Flash = { kind: 'ok' | 'error'; text: string };

function statusCell(ctx: Ctx, e: SiteContentEntry): Html {
  const l = ctx.lang;
  return html`<td data-status="${e.compliance.status}" class="compliance compliance-${e.compliance.status}"><strong>${t(l, `site.status.${e.compliance.status}` as MessageKey)}</strong><br><small>${t(l, `site.reason.${e.compliance.reason}` as MessageKey)}</small></td>`;
}

function reviewCell(ctx: Ctx, zone: string, e: SiteContentEntry): Html {
  const l = ctx.lang;
  const last = e.lastReview
    ? html`<a href="/ui/cases/${e.lastReview.caseId}">${formatDateTime(e.lastReview.at, zone)}</a> — ${t(l, `site.result.${e.lastReview.result}` as MessageKey)}${e.lastReview.note ? html`<br><small>${e.lastReview.note}</small>` : ''}`
    : html`${t(l, 'site.never')}`;
  const open = e.openReview
    ? html`<br><a href="/ui/cases/${e.openReview.caseId}">${t(l, 'site.openReview', { period: e.openReview.period })}</a>${e.openReview.lastDay ? html` (${t(l, 'site.due', { date: formatIsoDate(e.openReview.lastDay) })})` : ''}`
    : '';
  return html`<td>${last}${open}</td>`;
}

function editForm(ctx: Ctx, e: SiteContentEntry): Html {
  const l = ctx.lang;
  const id = (f: string) => `site-${e.kind}-${f}`;
  return html`<details class="site-edit"><summary>${t(l, 'site.editKind', { kind: valueLabel(l, 'kind', e.kind) })}</summary>
<form method="post" action="/ui/site-content/${e.kind}" data-form="site-content-${e.kind}">${csrfField(ctx)}
  <input type="hidden" name="revision" value="${String(e.revision)}">
  <p><label for="${id('url')}">${t(l, 'site.page')}</label>
    <input id="${id('url')}" name="url" type="url" maxlength="2000"${attrs({ value: e.url ?? undefined })}></p>
  <p><label for="${id('unit')}">${t(l, 'site.unit')}</label>
    <input id="${id('unit')}" name="unit" type="text" maxlength="200"${attrs({ value: e.unit ?? undefined })}></p>
  <p><label for="${id('note')}">${t(l, 'site.note')}</label>
    <input id="${id('note')}" name="note" type="text" maxlength="2000"></p>
  <p><button type="submit">${t(l, 'site.save')}</button></p>
</form></details>`;
}

function body(ctx: Ctx, r: SiteContentRegister): Html {
  const l = ctx.lang;
  const zone = ctx.zone;
  const editor = (SITE_CONTENT_EDITORS as readonly string[]).includes(ctx.session.role);
  const period = r.period ? t(l, 'site.period', { period: r.period }) : t(l, 'site.periodOff');
  return html`<h1>${t(l, 'site.title')}</h1>
<p>${t(l, 'site.intro')} ${period}</p>
<p class="counts-line" data-counts="${`${r.counts.present}/${r.counts.missing}/${r.counts.stale}`}">${t(l, 'site.counts', { present: r.counts.present, missing: r.counts.missing, stale: r.counts.stale })}</p>
<p class="downloads"><a href="/ui/site-content/report.csv" download>${t(l, 'site.csv')}</a></p>
<table class="site-content">
<caption>${t(l, 'site.caption')}</caption>
<thead><tr><th scope="col">${t(l, 'site.kind')}</th><th scope="col">${t(l, 'site.page')}</th><th scope="col">${t(l, 'site.unit')}</th><th scope="col">${t(l, 'site.lastReview')}</th><th scope="col">${t(l, 'site.status')}</th>${editor ? html`<th scope="col">${t(l, 'site.edit')}</th>` : ''}</tr></thead>
<tbody>${r.kinds.map(
    (e) => html`<tr data-kind="${e.kind}">
  <th scope="row">${valueLabel(l, 'kind', e.kind)}<br><small>${e.item}</small></th>
  <td>${e.url ? html`<a href="${e.url}" rel="noopener noreferrer">${e.url}</a>` : t(l, 'site.none')}</td>
  <td>${e.unit ?? t(l, 'site.none')}</td>
  ${reviewCell(ctx, zone, e)}
  ${statusCell(ctx, e)}
  ${editor ? html`<td>${editForm(ctx, e)}</td>` : ''}
</tr>`,
  )}</tbody>
</table>`;
}

export async function siteContentPages(app: FastifyInstance): Promise<void> {
  const callerOf = (ctx: Ctx): Caller => ({ sessionId: ctx.sessionId, role: ctx.session.role });
  const asPage = (request: FastifyRequest): Ctx => ({ ...signedIn(request), path: '/ui/site-content' });

  const render = async (request: FastifyRequest, ctx: Ctx, flash?: Flash, status = 200) => {
    const res = await callApi<SiteContentRegister>(app, request, callerOf(ctx), { method: 'GET', url: '/site-content' });
    const title = t(ctx.lang, 'site.title');
    if (!res.ok) {
      const main = html`<h1>${title}</h1>`;
      return { html: page(ctx, { title, flash: { kind: 'error', text: t(ctx.lang, 'error.api', { message: res.body.error.message }) }, main }), status: res.status >= 500 ? 500 : 400 };
    }
    return { html: page(ctx, { title, ...(flash ? { flash: { kind: flash.kind, text: flash.text } } : {}), main: body(ctx, res.body) }), status };
  };

  app.get<{ Querystring: { saved?: string } }>('/ui/site-content', { schema: { hide: true } }, async (request, reply) => {
    const ctx = asPage(request);
    const saved = typeof request.query.saved === 'string' && /^[a-z_]{1,40}$/.test(request.query.saved) ? request.query.saved : undefined;
    const flash = saved ? { kind: 'ok' as const, text: t(ctx.lang, 'site.saved', { kind: valueLabel(ctx.lang, 'kind', saved) }) } : undefined;
    const out = await render(request, ctx, flash);
    return sendHtml(reply, out.html, out.status);
  });

  app.post<{ Params: { kind: string }; Body: Record<string, unknown> }>('/ui/site-content/:kind', { schema: { hide: true } }, async (request, reply) => {
    const ctx = asPage(request);
    const b = request.body ?? {};
    const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
    const revision = typeof b.revision === 'string' && /^\d{1,9}$/.test(b.revision) ? Number(b.revision) : undefined;
    const note = text(b.note);
    const res = await callApi(app, request, callerOf(ctx), {
      method: 'PUT',
      url: `/site-content/${encodeURIComponent(request.params.kind)}`,
      body: { url: text(b.url), unit: text(b.unit), ...(note !== null ? { note } : {}) },
      ...(revision !== undefined ? { ifMatch: revision } : {}),
    });
    if (!res.ok) {
      const out = await render(request, ctx, { kind: 'error', text: t(ctx.lang, 'error.api', { message: res.body.error.message }) }, res.status >= 500 ? 500 : res.status);
      return sendHtml(reply, out.html, out.status);
    }
    return seeOther(reply, `/ui/site-content?saved=${encodeURIComponent(request.params.kind)}`);
  });

  app.get('/ui/site-content/report.csv', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const res = await app.inject({
      method: 'GET',
      url: '/site-content/report?format=csv',
      headers: { authorization: `Session ${ctx.sessionId}`, 'x-acting-role': ctx.session.role },
      remoteAddress: request.ip,
    });
    for (const h of ['content-type', 'content-disposition'] as const) if (res.headers[h] !== undefined) void reply.header(h, res.headers[h]);
    return reply.status(res.statusCode).send(res.rawPayload);
  });
}
