/**
 * The case lists: every case the person may see (`/ui/cases`), the overdue and due-soon
 * view per unit with the press secretary's control of posting (`/ui/overdue`, п. 15), and
 * the dashboard's counts (`/ui/dashboard`). My queue (queue.ts) is the same list with
 * `mine=true`.
 *
 * A list is one `GET /cases` of the API (the filters are the API's: procedure, state,
 * unit, overdue, due within N days, search), in the due order, a page of 50 at a time
 * with the API's keyset cursor. The filter form is a plain GET form (works without
 * JavaScript); with htmx it swaps only the list (`#case-list`) and pushes the address, so
 * the address always says what is shown and a reload shows the same. Cursors only go
 * forward: the page's address keeps the cursors of the pages before it (`trail`), so
 * "previous" is a link too.
 *
 * Each row carries `data-case-id` (a stable hook). A case the person sees redacted (the
 * read matrix) shows no number and no name; searching never finds it by them (the API's
 * rule).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { CaseView } from '../../engine/index.js';
import { PROCEDURE_IDS } from '../../machines/contract.js';
import { callApi, query, type ApiAnswer } from './api.js';
import { sendHtml, signedIn } from './context.js';
import { formatDateTime, formatIsoDate, remainingText, urgencyOf } from './format.js';
import { attrs, html, type Html } from './html.js';
import { days, t, type Lang } from './i18n/index.js';
import { page, type PageContext } from './layout.js';
import { procedureLabel, roleLabel, stateLabel } from './labels.js';
import { summaryOf } from './summary.js';

type SignedIn = ReturnType<typeof signedIn>;
export type CaseListAnswer = { cases: (CaseView & { redacted?: boolean })[]; next?: string };

/** The list's filters, as the page's address carries them. */
export interface ListFilters {
  procedure?: string;
  state?: string;
  unit?: string;
  overdue?: boolean;
  /** Due within N days (0: today). */
  within?: number;
  q?: string;
  /** The API's cursor of this page (absent: the first). */
  after?: string;
  /** The cursors of the pages before this one ('' for the first), for "previous". */
  trail: string[];
}

const text = (v: unknown, max = 200): string | undefined => {
  const s = typeof v === 'string' ? v.trim() : '';
  return s.length > 0 ? s.slice(0, max) : undefined;
};
const CURSOR = /^[A-Za-z0-9_-]{1,500}$/;

export function filtersOf(q: Record<string, unknown>): ListFilters {
  const procedure = text(q.procedure);
  const within = text(q.within, 3);
  const after = text(q.after, 500);
  const trail = text(q.trail, 10_000)?.split('.') ?? [];
  const f: ListFilters = { trail: trail.filter((c) => c === '' || CURSOR.test(c)) };
  if (procedure && (PROCEDURE_IDS as readonly string[]).includes(procedure)) f.procedure = procedure;
  const state = text(q.state);
  if (state) f.state = state;
  const unit = text(q.unit);
  if (unit) f.unit = unit;
  if (q.overdue === '1' || q.overdue === 'true' || q.overdue === 'on') f.overdue = true;
  if (within !== undefined && /^\d{1,3}$/.test(within) && Number(within) <= 366) f.within = Number(within);
  const search = text(q.q);
  if (search) f.q = search;
  if (after && CURSOR.test(after)) f.after = after;
  return f;
}

/** The page's own address for these filters (the pager's and the form's). */
export function listHref(base: string, f: ListFilters): string {
  return (
    base +
    query({
      procedure: f.procedure,
      state: f.state,
      unit: f.unit,
      overdue: f.overdue ? '1' : undefined,
      within: f.within,
      q: f.q,
      after: f.after,
      trail: f.trail.length > 0 ? f.trail.join('.') : undefined,
    })
  );
}

/** The API's query for these filters. */
export function apiListUrl(f: ListFilters, extra: Record<string, string | number | boolean | undefined> = {}): string {
  return `/cases${query({
    procedure: f.procedure,
    state: f.state,
    unit: f.unit,
    overdue: f.overdue,
    dueWithin: f.within,
    q: f.q,
    sort: 'due',
    limit: 50,
    after: f.after,
    ...extra,
  })}`;
}

export function fetchList(request: FastifyRequest, ctx: SignedIn, url: string): Promise<ApiAnswer<CaseListAnswer>> {
  return callApi<CaseListAnswer>(request.server, request, { sessionId: ctx.sessionId, role: ctx.session.role }, { method: 'GET', url });
}

/** The next step in words: the state, and whom it waits on. */
function stepText(lang: Lang, view: CaseView): string {
  const state = stateLabel(lang, view.procedure, view.state);
  if (view.status === 'done') return t(lang, 'step.done', { state });
  if (view.waitingRoles.length === 0) return state;
  return t(lang, 'step.waiting', { state, roles: view.waitingRoles.map((r) => roleLabel(lang, r)).join(', ') });
}

export function caseRow(lang: Lang, view: CaseView): Html {
  const s = summaryOf(view);
  const urgency = s.next ? urgencyOf(s.next.remaining, s.next.overdue) : 'none';
  return html`<tr data-case-id="${view.id}" class="urgency-${urgency}">
  <td>${procedureLabel(lang, view.procedure)}</td>
  <td><a href="/ui/cases/${view.id}">${s.registrationNumber ?? view.id.slice(0, 8)}</a></td>
  <td>${s.subject ?? ''}</td>
  <td data-state="${view.state}">${stepText(lang, view)}</td>
  <td>${s.next ? html`<time datetime="${s.next.lastDay}">${formatIsoDate(s.next.lastDay)}</time>` : ''}</td>
  <td>${s.next ? remainingText(lang, s.next.remaining, s.next.overdue) : ''}</td>
</tr>`;
}

export function casesTable(lang: Lang, cases: readonly CaseView[], caption: string): Html {
  return html`<table class="queue">
<caption class="visually-hidden">${caption}</caption>
<thead><tr>${(['col.procedure', 'col.number', 'col.subject', 'col.step', 'col.due', 'col.remaining'] as const).map((k) => html`<th scope="col">${t(lang, k)}</th>`)}</tr></thead>
<tbody>${cases.map((v) => caseRow(lang, v))}</tbody>
</table>`;
}

function pager(ctx: PageContext, base: string, f: ListFilters, next: string | undefined): Html {
  const prev = f.after !== undefined ? listHref(base, { ...f, after: f.trail.at(-1) || undefined, trail: f.trail.slice(0, -1) }) : undefined;
  const nextHref = next ? listHref(base, { ...f, after: next, trail: [...f.trail, f.after ?? ''] }) : undefined;
  if (!prev && !nextHref) return html``;
  const link = (href: string, key: 'pager.prev' | 'pager.next', rel: string) =>
    html`<a${attrs({ href, rel, 'hx-get': href, 'hx-target': '#case-list', 'hx-select': '#case-list', 'hx-swap': 'outerHTML', 'hx-push-url': 'true' })}>${t(ctx.lang, key)}</a>`;
  return html`<nav class="pager" aria-label="${t(ctx.lang, 'pager.label')}">${prev ? link(prev, 'pager.prev', 'prev') : ''}${nextHref ? link(nextHref, 'pager.next', 'next') : ''}</nav>`;
}

/** The list (`#case-list`, what htmx swaps): the table and the pager, or why there is none. */
export function listSection(ctx: PageContext, base: string, f: ListFilters, res: ApiAnswer<CaseListAnswer>, empty: string): Html {
  if (!res.ok) return html`<div id="case-list"><p class="flash flash-error" role="alert">${t(ctx.lang, 'error.api', { message: res.body.error.message })}</p></div>`;
  const { cases, next } = res.body;
  return html`<div id="case-list">${cases.length === 0 ? html`<p>${empty}</p>` : casesTable(ctx.lang, cases, t(ctx.lang, 'list.caption'))}${pager(ctx, base, f, next)}</div>`;
}

/** The states of each procedure (its machine's top-level states), read once from `GET /machines/{procedure}`. */
const statesOf = new Map<string, string[]>();
async function procedureStates(request: FastifyRequest, ctx: SignedIn, procedures: readonly string[]): Promise<{ procedure: string; state: string }[]> {
  const out: { procedure: string; state: string }[] = [];
  for (const p of procedures) {
    let states = statesOf.get(p);
    if (!states) {
      const res = await callApi<{ definition?: { states?: Record<string, unknown> } }>(request.server, request, { sessionId: ctx.sessionId }, { method: 'GET', url: `/machines/${p}` });
      states = res.ok ? Object.keys(res.body.definition?.states ?? {}) : [];
      if (res.ok) statesOf.set(p, states);
    }
    for (const state of states) out.push({ procedure: p, state });
  }
  return out;
}

export async function filterForm(request: FastifyRequest, ctx: SignedIn, base: string, f: ListFilters): Promise<Html> {
  const lang = ctx.lang;
  const states = await procedureStates(request, ctx, f.procedure ? [f.procedure] : PROCEDURE_IDS);
  // One option per state name; with no procedure chosen, a state shared by procedures is one option.
  const seen = new Set<string>();
  const stateOptions = states.filter((s) => (seen.has(s.state) ? false : (seen.add(s.state), true)));
  const id = (name: string) => `f-${name}`;
  return html`<form method="get" action="${base}" class="filters" role="search" aria-label="${t(lang, 'list.filters')}"${attrs({ 'hx-get': base, 'hx-target': '#case-list', 'hx-select': '#case-list', 'hx-swap': 'outerHTML', 'hx-push-url': 'true' })}>
  <p><label for="${id('procedure')}">${t(lang, 'list.procedure')}</label>
    <select id="${id('procedure')}" name="procedure"><option value="">${t(lang, 'list.any')}</option>${PROCEDURE_IDS.map(
      (p) => html`<option${attrs({ value: p, selected: f.procedure === p })}>${procedureLabel(lang, p)}</option>`,
    )}</select></p>
  <p><label for="${id('state')}">${t(lang, 'list.state')}</label>
    <select id="${id('state')}" name="state"><option value="">${t(lang, 'list.any')}</option>${stateOptions.map(
      (s) => html`<option${attrs({ value: s.state, selected: f.state === s.state })}>${stateLabel(lang, s.procedure, s.state)}</option>`,
    )}</select></p>
  <p><label for="${id('unit')}">${t(lang, 'list.unit')}</label>
    <input id="${id('unit')}" name="unit" type="text" maxlength="200"${attrs({ value: f.unit })}></p>
  <p><label for="${id('within')}">${t(lang, 'list.within')}</label>
    <input id="${id('within')}" name="within" type="number" min="0" max="366" inputmode="numeric"${attrs({ value: f.within })}></p>
  <p><input id="${id('overdue')}" name="overdue" type="checkbox" value="1"${attrs({ checked: f.overdue === true })}>
    <label for="${id('overdue')}">${t(lang, 'list.overdue')}</label></p>
  <p><label for="${id('q')}">${t(lang, 'list.search')}</label>
    <input id="${id('q')}" name="q" type="search" minlength="3" maxlength="200" aria-describedby="${id('q-hint')}"${attrs({ value: f.q })}>
    <small id="${id('q-hint')}">${t(lang, 'list.searchHint')}</small></p>
  <p><button type="submit">${t(lang, 'list.apply')}</button> <a href="${base}">${t(lang, 'list.reset')}</a></p>
</form>`;
}

/** A list page: heading, filters, list; an htmx request gets the list alone. */
export async function listPage(request: FastifyRequest, base: string, title: string, empty: string, extra: Record<string, string | number | boolean | undefined>): Promise<{ body: Html; fragment: boolean }> {
  const ctx = signedIn(request);
  const f = filtersOf(request.query as Record<string, unknown>);
  const res = await fetchList(request, ctx, apiListUrl(f, extra));
  const section = listSection(ctx, base, f, res, empty);
  if (request.headers['hx-request'] === 'true') return { body: section, fragment: true };
  const main = html`<h1>${title}</h1>
${await filterForm(request, ctx, base, f)}
${section}`;
  return { body: page(ctx, { title, main }), fragment: false };
}

/** Rows grouped by their unit (a redacted view keeps its unit), the units in order, "no unit" last. */
function byUnit(cases: readonly CaseView[]): [string | null, CaseView[]][] {
  const groups = new Map<string | null, CaseView[]>();
  for (const v of cases) {
    const unit = typeof v.context.unit === 'string' ? v.context.unit : null;
    groups.set(unit, [...(groups.get(unit) ?? []), v]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
}

const OVERVIEW_LIMIT = 200;
const SOON_DAYS = 3;

function overviewSection(ctx: PageContext, id: string, heading: string, res: ApiAnswer<CaseListAnswer>, keep: (v: CaseView) => boolean, grouped: boolean, hint?: string): Html {
  const lang = ctx.lang;
  if (!res.ok) return html`<section aria-labelledby="${id}"><h2 id="${id}">${heading}</h2><p class="flash flash-error" role="alert">${t(lang, 'error.api', { message: res.body.error.message })}</p></section>`;
  const cases = res.body.cases.filter(keep);
  const more = res.body.next ? html`<p>${t(lang, 'overdue.more', { n: OVERVIEW_LIMIT })}</p>` : '';
  const body =
    cases.length === 0
      ? html`<p>${t(lang, 'overdue.none')}</p>`
      : grouped
        ? byUnit(cases).map(([unit, rows], i) => {
            const label = unit === null ? t(lang, 'overdue.noUnit') : t(lang, 'overdue.unit', { unit });
            return html`<h3 id="${id}-${i}">${label}</h3>${casesTable(lang, rows, `${heading}: ${label}`)}`;
          })
        : casesTable(lang, cases, heading);
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${hint ? html`<p>${hint}</p>` : ''}${body}${more}</section>`;
}

interface StatsAnswer {
  now: string;
  zone: string;
  monthStart: string;
  rows: { procedure: string; unit: string | null; open: number; overdue: number; closedOnTime: number; closedLate: number }[];
}
type Counts = Pick<StatsAnswer['rows'][number], 'open' | 'overdue' | 'closedOnTime' | 'closedLate'>;
const COUNT_KEYS = ['open', 'overdue', 'closedOnTime', 'closedLate'] as const;
const COUNT_LABELS = { open: 'dashboard.open', overdue: 'dashboard.overdue', closedOnTime: 'dashboard.onTime', closedLate: 'dashboard.late' } as const;

function sum(rows: readonly Counts[]): Counts {
  const out: Counts = { open: 0, overdue: 0, closedOnTime: 0, closedLate: 0 };
  for (const r of rows) for (const k of COUNT_KEYS) out[k] += r[k];
  return out;
}

function countsTable(lang: Lang, caption: string, head: string[], rows: { cells: string[]; counts: Counts; total?: boolean }[]): Html {
  return html`<table class="counts">
<caption>${caption}</caption>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}${COUNT_KEYS.map((k) => html`<th scope="col">${t(lang, COUNT_LABELS[k])}</th>`)}</tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr${attrs({ class: r.total ? 'total' : undefined })}>${r.cells.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}${COUNT_KEYS.map(
        (k) => html`<td${attrs({ class: k === 'overdue' && r.counts.overdue > 0 ? 'count-overdue' : undefined, 'data-count': k })}>${r.counts[k]}</td>`,
      )}</tr>`,
  )}</tbody>
</table>`;
}

export const listPages: FastifyPluginAsync = async (app) => {
  app.get('/ui/cases', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const { body } = await listPage(request, '/ui/cases', t(ctx.lang, 'list.title'), t(ctx.lang, 'list.empty'), {});
    return sendHtml(reply, body);
  });

  app.get('/ui/overdue', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const lang = ctx.lang;
    const get = (extra: Record<string, string | number | boolean>) => fetchList(request, ctx, `/cases${query({ sort: 'due', limit: OVERVIEW_LIMIT, ...extra })}`);
    const [overdue, soon, posting] = await Promise.all([get({ overdue: true }), get({ dueWithin: SOON_DAYS }), get({ procedure: 'publication', state: 'posting' })]);
    const open = (v: CaseView) => summaryOf(v).next !== undefined;
    const notOverdue = (v: CaseView) => summaryOf(v).next?.overdue === false;
    const title = t(lang, 'overdue.title');
    const main = html`<h1>${title}</h1>
${overviewSection(ctx, 'overdue', t(lang, 'overdue.overdue'), overdue, open, true)}
${overviewSection(ctx, 'soon', t(lang, 'overdue.soon', { n: days(lang, SOON_DAYS, 'calendar') }), soon, notOverdue, true)}
${overviewSection(ctx, 'posting', t(lang, 'overdue.posting'), posting, () => true, false, t(lang, 'overdue.postingHint'))}`;
    return sendHtml(reply, page(ctx, { title, main }));
  });

  app.get('/ui/dashboard', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const lang = ctx.lang;
    const title = t(lang, 'dashboard.title');
    const res = await callApi<StatsAnswer>(app, request, { sessionId: ctx.sessionId, role: ctx.session.role }, { method: 'GET', url: '/stats' });
    if (!res.ok) {
      return sendHtml(reply, page(ctx, { title, main: html`<h1>${title}</h1><p class="flash flash-error" role="alert">${t(lang, 'error.api', { message: res.body.error.message })}</p>` }));
    }
    const s = res.body;
    const procedures = [...new Set(s.rows.map((r) => r.procedure))];
    const byProcedure = procedures.map((p) => ({ cells: [procedureLabel(lang, p)], counts: sum(s.rows.filter((r) => r.procedure === p)) }));
    const unitName = (u: string | null) => u ?? t(lang, 'overdue.noUnit');
    const byUnit = [...s.rows]
      .sort((a, b) => (a.unit === null ? 1 : b.unit === null ? -1 : a.unit.localeCompare(b.unit)) || a.procedure.localeCompare(b.procedure))
      .map((r) => ({ cells: [unitName(r.unit), procedureLabel(lang, r.procedure)], counts: r }));
    const total = { cells: [t(lang, 'dashboard.total')], counts: sum(s.rows), total: true };
    const main = html`<h1>${title}</h1>
<p>${t(lang, 'dashboard.asOf', { date: formatDateTime(s.now, s.zone), month: formatDateTime(s.monthStart, s.zone).slice(0, 10) })}</p>
${countsTable(lang, t(lang, 'dashboard.byProcedure'), [t(lang, 'col.procedure')], [...byProcedure, total])}
${countsTable(lang, t(lang, 'dashboard.byUnit'), [t(lang, 'list.unit'), t(lang, 'col.procedure')], byUnit)}`;
    return sendHtml(reply, page(ctx, { title, main }));
  });
};
