/**
 * The auditors' pages (role `auditor`, acting): read-only, no action forms at all.
 *
 * - `/ui/audit`: find a case by its id or its EDMS registration number.
 * - `/ui/audit/cases/:id`: the history as a table (`GET /cases/:id/history`, paged with
 *   `?after=`), the replay to a chosen event (`?seq=`: `GET /cases/:id/replay?seq=`, the
 *   state then and its deadlines as they were), the verification in words
 *   (`GET /cases/:id/verify`), and who read the personal data (`GET /cases/:id/reads`).
 * - `/ui/audit/cases/:id/history.csv` and `.jsonl`: the whole history as a file, streamed
 *   page by page of the API (never the whole history in memory).
 *
 * Another role gets 403 here: the API would answer most of these reads to other roles too
 * (redacted where they have no part in the procedure), but these pages are the auditor's
 * tool, and the reads of personal data they make are recorded under the auditor's name.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CaseReadView, CaseView, HistoryEvent as EngineHistoryEvent, VerifyResult } from '../../engine/index.js';
import { callApi, query, type ApiAnswer } from './api.js';
import { seeOther, sendHtml, signedIn } from './context.js';
import { formatDateTime, formatIsoDate } from './format.js';
import { attrs, html, type Html } from './html.js';
import { t } from './i18n/index.js';
import { page, type PageContext } from './layout.js';
import { procedureLabel, roleLabel, stateLabel } from './labels.js';

/** A history event as GET /cases/:id/history gives it (a redacted answer drops the payload's personal data). */
export type HistoryEvent = EngineHistoryEvent & { redacted?: true };
type Read = Pick<CaseReadView, 'actor' | 'role' | 'route' | 'readAt'>;

/** Rows of the history table per page. */
const TABLE_PAGE = 100;
/** Events per API call when exporting (the API's largest page). */
const EXPORT_PAGE = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The columns of the CSV export, in order: every field of a history event. */
export const CSV_COLUMNS = [
  'seq',
  'type',
  'role',
  'actor',
  'occurredAt',
  'recordedAt',
  'occurredAtLocal',
  'recordedAtLocal',
  'backdated',
  'backdatingReason',
  'payload',
  'machineVersion',
  'hash',
  'prevHash',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
 * doubled. A free-text cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`
 * first) gets a leading `'`: the export is made for Excel (hence the BOM), and a back-dating
 * reason typed as `=HYPERLINK(…)` must stay text there.
 */
export function csvCell(value: string, text = false): string {
  const v = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvRow(e: HistoryEvent): string {
  const cells = [
    String(e.seq),
    csvCell(e.type, true),
    csvCell(e.role, true),
    csvCell(e.actor, true),
    e.occurredAt,
    e.recordedAt,
    e.occurredAtLocal,
    e.recordedAtLocal,
    String(e.backdated),
    csvCell(e.backdatingReason ?? '', true),
    csvCell(JSON.stringify(e.payload)),
    csvCell(e.machineVersion, true),
    e.hash,
    e.prevHash,
  ];
  return `${cells.join(',')}\r\n`;
}

function forbidden(ctx: PageContext, reply: FastifyReply): FastifyReply {
  return sendHtml(reply, page(ctx, { title: t(ctx.lang, 'error.title'), main: html`<h1>${t(ctx.lang, 'audit.title')}</h1><p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.forbidden')}</p>` }), 403);
}

function apiError(ctx: PageContext, reply: FastifyReply, res: ApiAnswer<unknown> & { ok: false }): FastifyReply {
  return sendHtml(
    reply,
    page(ctx, { title: t(ctx.lang, 'audit.title'), main: html`<h1>${t(ctx.lang, 'audit.title')}</h1><p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.error', { message: res.body.error.message })}</p><p><a href="/ui/audit">${t(ctx.lang, 'audit.find')}</a></p>` }),
    res.status,
  );
}

function findForm(ctx: PageContext, q: string): Html {
  return html`<form method="get" action="/ui/audit" class="filters" role="search">
<p><label for="audit-q">${t(ctx.lang, 'audit.find.label')}</label>
<input id="audit-q" name="q" required maxlength="200" value="${q}" aria-describedby="audit-q-hint"><small id="audit-q-hint">${t(ctx.lang, 'audit.find.hint')}</small></p>
<p><button type="submit">${t(ctx.lang, 'audit.find.submit')}</button></p>
</form>`;
}

function registrationOf(view: CaseView): string | undefined {
  const n = view.context.registrationNumber;
  return typeof n === 'string' && n.length > 0 ? n : undefined;
}

function payloadText(e: HistoryEvent): string {
  return Object.keys(e.payload).length === 0 ? '' : JSON.stringify(e.payload, null, 1);
}

function historyTable(ctx: PageContext, id: string, events: HistoryEvent[], chosen: number | undefined): Html {
  const l = ctx.lang;
  return html`<table class="history">
<thead><tr><th scope="col">${t(l, 'audit.col.seq')}</th><th scope="col">${t(l, 'audit.col.type')}</th><th scope="col">${t(l, 'audit.col.actor')}</th><th scope="col">${t(l, 'audit.col.role')}</th><th scope="col">${t(l, 'audit.col.occurred')}</th><th scope="col">${t(l, 'audit.col.recorded')}</th><th scope="col">${t(l, 'audit.col.payload')}</th><th scope="col">${t(l, 'audit.col.replay')}</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr data-seq="${e.seq}"${attrs({ class: e.seq === chosen ? 'chosen' : undefined, 'aria-current': e.seq === chosen ? 'true' : undefined })}>
<td>${e.seq}</td><td><code>${e.type}</code></td><td>${e.actor}</td><td>${roleLabel(l, e.role)}</td>
<td>${formatDateTime(e.occurredAt, ctx.zone)}${e.backdated ? html`<small class="backdated">${t(l, 'audit.backdated', { reason: e.backdatingReason ?? '' })}</small>` : ''}</td>
<td>${formatDateTime(e.recordedAt, ctx.zone)}</td>
<td>${payloadText(e) ? html`<pre class="payload">${payloadText(e)}</pre>` : ''}</td>
<td><a href="/ui/audit/cases/${id}${query({ seq: e.seq })}#replay">${t(l, 'audit.replayTo', { seq: e.seq })}</a></td>
</tr>`,
  )}</tbody></table>`;
}

function replaySection(ctx: PageContext, id: string, last: number, seq: number | undefined, view: CaseView | undefined, at: HistoryEvent | undefined, error?: string): Html {
  const l = ctx.lang;
  return html`<section id="replay" aria-labelledby="replay-title"><h2 id="replay-title">${t(l, 'audit.replay')}</h2>
<form method="get" action="/ui/audit/cases/${id}" class="filters">
<p><label for="replay-seq">${t(l, 'audit.replay.label')}</label><input${attrs({ id: 'replay-seq', name: 'seq', type: 'number', min: 1, max: last, step: 1, required: true, value: seq })}></p>
<p><button type="submit">${t(l, 'audit.replay.submit')}</button></p>
</form>
${error ? html`<p class="flash flash-error" role="alert">${error}</p>` : ''}
${view
  ? html`<div class="replayed" data-replay-seq="${seq}">
<p>${t(l, 'audit.replay.state', { seq: seq ?? view.seq, type: at?.type ?? '', at: at ? formatDateTime(at.occurredAt, ctx.zone) : '' })}: <strong data-state="${view.state}">${stateLabel(l, view.procedure, view.state)}</strong></p>
<h3>${t(l, 'audit.replay.deadlines')}</h3>
${view.deadlines.length === 0
  ? html`<p>${t(l, 'audit.replay.none')}</p>`
  : html`<table><thead><tr><th scope="col">${t(l, 'audit.dl.key')}</th><th scope="col">${t(l, 'audit.dl.rule')}</th><th scope="col">${t(l, 'audit.dl.from')}</th><th scope="col">${t(l, 'audit.dl.lastDay')}</th><th scope="col">${t(l, 'audit.dl.status')}</th></tr></thead>
<tbody>${view.deadlines.map(
      (d) => html`<tr data-deadline="${d.key}" data-status="${d.status}"><td><code>${d.key}</code></td><td>${d.rule}</td><td>${d.from ? (d.from.length === 10 ? formatIsoDate(d.from) : formatDateTime(d.from, ctx.zone)) : ''}</td><td>${formatIsoDate(d.lastDay)}</td><td class="status-${d.status}">${d.status}</td></tr>`,
    )}</tbody></table>`}
</div>`
  : ''}
</section>`;
}

function verifySection(ctx: PageContext, v: VerifyResult | undefined, error?: string): Html {
  const l = ctx.lang;
  const body = !v
    ? html`<p class="flash flash-error" role="alert">${error ?? ''}</p>`
    : v.ok
      ? html`<p class="flash flash-ok" data-verify="ok">${t(l, 'audit.verify.ok', { n: v.events })}</p>`
      : html`<div class="flash flash-error" data-verify="failed"><p>${t(l, 'audit.verify.bad', { n: v.events })}</p><ul>${v.problems.map(
          (p) => html`<li data-problem-seq="${p.seq ?? ''}">${p.seq !== null ? t(l, 'audit.verify.seq', { seq: p.seq }) : t(l, 'audit.verify.case')}: <code>${p.kind}</code> — ${p.message}</li>`,
        )}</ul></div>`;
  return html`<section aria-labelledby="verify-title"><h2 id="verify-title">${t(l, 'audit.verify')}</h2>${body}</section>`;
}

function readsSection(ctx: PageContext, reads: Read[] | undefined, error?: string): Html {
  const l = ctx.lang;
  const body = !reads
    ? html`<p class="flash flash-error" role="alert">${error ?? ''}</p>`
    : reads.length === 0
      ? html`<p>${t(l, 'audit.reads.none')}</p>`
      : html`<table class="reads"><thead><tr><th scope="col">${t(l, 'audit.col.actor')}</th><th scope="col">${t(l, 'audit.col.role')}</th><th scope="col">${t(l, 'audit.reads.route')}</th><th scope="col">${t(l, 'audit.reads.at')}</th></tr></thead>
<tbody>${reads.map((r) => html`<tr><td>${r.actor}</td><td>${roleLabel(l, r.role)}</td><td><code>${r.route}</code></td><td>${formatDateTime(r.readAt, ctx.zone)}</td></tr>`)}</tbody></table>`;
  return html`<section aria-labelledby="reads-title"><h2 id="reads-title">${t(l, 'audit.reads')}</h2>${body}</section>`;
}

function intParam(v: unknown, min: number): number | undefined {
  return typeof v === 'string' && /^\d{1,12}$/.test(v) && Number(v) >= min ? Number(v) : undefined;
}

export const auditPages: FastifyPluginAsync = async (app) => {
  const caller = (request: FastifyRequest) => {
    const ctx = signedIn(request);
    return { sessionId: ctx.sessionId, role: ctx.session.role };
  };

  app.get<{ Querystring: { q?: string } }>('/ui/audit', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    if (ctx.session.role !== 'auditor') return forbidden(ctx, reply);
    const q = (request.query.q ?? '').trim().slice(0, 200);
    let results: Html = html``;
    let status = 200;
    if (q) {
      if (UUID.test(q)) {
        const res = await callApi<CaseView>(app, request, caller(request), { method: 'GET', url: `/cases/${encodeURIComponent(q.toLowerCase())}` });
        if (res.ok) return seeOther(reply, `/ui/audit/cases/${res.body.id}`);
        results = html`<p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.find.none', { q })}</p>`;
        status = 404;
      } else {
        // The API's search (`q`: registration number, names, texts; at least 3 characters),
        // then an exact match of the registration number among what it found: one look-up,
        // and only the few cases listed enter the read log.
        const res = q.length >= 3 ? await callApi<{ cases: CaseView[]; next?: string }>(app, request, caller(request), { method: 'GET', url: `/cases${query({ q, limit: 200 })}` }) : undefined;
        const found = res?.ok ? res.body.cases.filter((v) => registrationOf(v)?.toLowerCase() === q.toLowerCase()) : [];
        if (found.length === 1) return seeOther(reply, `/ui/audit/cases/${found[0]!.id}`);
        if (found.length === 0) status = 404;
        results =
          found.length === 0
            ? html`<p class="flash flash-error" role="alert">${t(ctx.lang, 'audit.find.none', { q })}</p>`
            : html`<p>${t(ctx.lang, 'audit.find.found', { n: found.length })}</p><ul>${found.map(
                (v) => html`<li data-case-id="${v.id}"><a href="/ui/audit/cases/${v.id}">${registrationOf(v) ?? v.id}</a> — ${procedureLabel(ctx.lang, v.procedure)}, ${formatDateTime(v.createdAt, ctx.zone)}</li>`,
              )}</ul>`;
      }
    }
    const main = html`<h1>${t(ctx.lang, 'audit.title')}</h1><h2>${t(ctx.lang, 'audit.find')}</h2>${findForm(ctx, q)}${results}
<p><a href="/ui/audit/ledger">${t(ctx.lang, 'audit.ledger.link')}</a></p>`;
    return sendHtml(reply, page(ctx, { title: t(ctx.lang, 'audit.title'), main }), status);
  });

  app.get<{ Params: { id: string }; Querystring: { seq?: string; after?: string } }>('/ui/audit/cases/:id', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    if (ctx.session.role !== 'auditor') return forbidden(ctx, reply);
    const id = encodeURIComponent(request.params.id);
    const who = caller(request);
    const current = await callApi<CaseView>(app, request, who, { method: 'GET', url: `/cases/${id}` });
    if (!current.ok) return apiError(ctx, reply, current);
    const view = current.body;
    const seq = intParam(request.query.seq, 1);
    const after = intParam(request.query.after, 0) ?? 0;
    const history = await callApi<{ events: HistoryEvent[]; next?: number }>(app, request, who, { method: 'GET', url: `/cases/${id}/history${query({ after, limit: TABLE_PAGE })}` });
    if (!history.ok) return apiError(ctx, reply, history);
    let replayed: CaseView | undefined;
    let replayError: string | undefined;
    let at: HistoryEvent | undefined;
    if (seq !== undefined) {
      const r = await callApi<CaseView>(app, request, who, { method: 'GET', url: `/cases/${id}/replay${query({ seq })}` });
      if (r.ok) replayed = r.body;
      else replayError = t(ctx.lang, 'audit.error', { message: r.body.error.message });
      at = history.body.events.find((e) => e.seq === seq);
      if (!at && replayed) {
        const one = await callApi<{ events: HistoryEvent[] }>(app, request, who, { method: 'GET', url: `/cases/${id}/history${query({ after: seq - 1, limit: 1 })}` });
        if (one.ok) at = one.body.events[0];
      }
    }
    const verify = await callApi<VerifyResult>(app, request, who, { method: 'GET', url: `/cases/${id}/verify` });
    const reads = await callApi<{ reads: Read[] }>(app, request, who, { method: 'GET', url: `/cases/${id}/reads` });
    const ref = registrationOf(view) ?? view.id;
    const l = ctx.lang;
    const main = html`<p><a href="/ui/audit">← ${t(l, 'audit.find')}</a></p>
<h1>${t(l, 'audit.case', { ref })}</h1>
<p>${procedureLabel(l, view.procedure)} · <code>${view.id}</code> · <span data-state="${view.state}">${stateLabel(l, view.procedure, view.state)}</span></p>
${verifySection(ctx, verify.ok ? verify.body : undefined, verify.ok ? undefined : verify.body.error.message)}
${replaySection(ctx, view.id, view.seq, seq, replayed, at, replayError)}
<section aria-labelledby="history-title"><h2 id="history-title">${t(l, 'audit.history')}</h2>
<p class="exports">${t(l, 'audit.export')}: <a href="/ui/audit/cases/${view.id}/history.csv" download>${t(l, 'audit.export.csv')}</a> · <a href="/ui/audit/cases/${view.id}/history.jsonl" download>${t(l, 'audit.export.jsonl')}</a></p>
${historyTable(ctx, view.id, history.body.events, seq)}
<p class="pager">${after > 0 ? html`<a href="/ui/audit/cases/${view.id}${query({ seq })}">${t(l, 'audit.first')}</a>` : ''}${history.body.next !== undefined ? html`<a rel="next" href="/ui/audit/cases/${view.id}${query({ after: history.body.next, seq })}">${t(l, 'audit.next')}</a>` : ''}</p>
</section>
${readsSection(ctx, reads.ok ? reads.body.reads : undefined, reads.ok ? undefined : reads.body.error.message)}`;
    return sendHtml(reply, page(ctx, { title: t(l, 'audit.case', { ref }), main }));
  });

  /**
   * The history as a file: the API's pages one after another into the answer. The first
   * page is asked before the answer starts (an unknown case is a proper 404); a failure
   * later cuts the download short (the client sees an incomplete transfer, not a file that
   * looks whole).
   */
  const exportHistory = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, format: 'csv' | 'jsonl') => {
    const ctx = signedIn(request);
    if (ctx.session.role !== 'auditor') return forbidden(ctx, reply);
    const id = encodeURIComponent(request.params.id);
    const who = caller(request);
    type Page = { events: HistoryEvent[]; next?: number };
    const fetchPage = (after: number) => callApi<Page>(app, request, who, { method: 'GET', url: `/cases/${id}/history${query({ after, limit: EXPORT_PAGE })}` });
    const first = await fetchPage(0);
    if (!first.ok) return apiError(ctx, reply, first);
    async function* lines(): AsyncGenerator<string> {
      if (format === 'csv') yield `\uFEFF${CSV_COLUMNS.join(',')}\r\n`;
      let res: ApiAnswer<Page> = first;
      for (;;) {
        if (!res.ok) throw new Error(`history export stopped: ${res.status} ${res.body.error.code}`);
        for (const e of res.body.events) yield format === 'csv' ? csvRow(e) : `${JSON.stringify(e)}\n`;
        if (res.body.next === undefined) return;
        res = await fetchPage(res.body.next);
      }
    }
    const name = `case-${request.params.id.replace(/[^A-Za-z0-9-]/g, '')}-history.${format}`;
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(Readable.from(lines()));
  };

  app.get<{ Params: { id: string } }>('/ui/audit/cases/:id/history.csv', { schema: { hide: true } }, (request, reply) => exportHistory(request, reply, 'csv'));
  app.get<{ Params: { id: string } }>('/ui/audit/cases/:id/history.jsonl', { schema: { hide: true } }, (request, reply) => exportHistory(request, reply, 'jsonl'));
};
