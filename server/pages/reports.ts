/**
 * The on-time report page (`/ui/reports`, issue 15 §2): the tables of
 * `GET /reports/deadlines` (per period, and per period, procedure, deadline and unit), a
 * bar chart of closed on time against closed late per period drawn here as inline SVG (no
 * script, no request elsewhere), and the CSV and XLSX downloads. A GET form chooses the
 * range and the period: the page works without JavaScript. The chart is an image with a
 * title and a description; its figures are in the table below it (the accessible form).
 *
 * The downloads (`/ui/reports/deadlines.csv`, `.xlsx`) are the API's own answer passed
 * through with the session's credential: the browser holds a session cookie, not a token.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { DeadlineReport, ReportCells } from '../../engine/reports.js';
import { callApi, query } from './api.js';
import { sendHtml, signedIn } from './context.js';
import { formatDateTime, formatIsoDate } from './format.js';
import { attrs, escapeHtml, html, raw, type Html } from './html.js';
import { days, t, type Lang } from './i18n/index.js';
import { deadlineLabel, procedureLabel } from './labels.js';
import { page } from './layout.js';

const PERIODS = ['month', 'quarter', 'year'] as const;
type Params = { from?: string; to?: string; groupBy?: string };

/** Only the report's own parameters go on to the API (each a short string). */
function paramsOf(request: FastifyRequest): Params {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const one = (v: unknown) => (typeof v === 'string' && v !== '' && v.length <= 20 ? v : undefined);
  return { from: one(q.from), to: one(q.to), groupBy: one(q.groupBy) };
}

function lateness(lang: Lang, n: number | null, unit: ReportCells['latenessUnit']): string {
  if (unit === 'mixed') return t(lang, 'reports.mixed');
  if (n === null || unit === null) return '—';
  return Number.isInteger(n) ? days(lang, n, unit) : `${n.toLocaleString(lang === 'en' ? 'en' : 'ru')} (${days(lang, Math.ceil(n), unit)})`;
}

const CELLS = ['opened', 'closedOnTime', 'closedLate', 'lateMedian', 'lateWorst', 'open', 'overdue', 'extended', 'extensions'] as const;
const CELL_LABELS = {
  opened: 'reports.opened',
  closedOnTime: 'reports.onTime',
  closedLate: 'reports.late',
  lateMedian: 'reports.lateMedian',
  lateWorst: 'reports.lateWorst',
  open: 'reports.open',
  overdue: 'reports.overdue',
  extended: 'reports.extended',
  extensions: 'reports.extensions',
} as const;

function cellsOf(lang: Lang, c: ReportCells): Html[] {
  return CELLS.map((k) => {
    const v = k === 'lateMedian' ? lateness(lang, c.lateMedian, c.latenessUnit) : k === 'lateWorst' ? lateness(lang, c.lateWorst, c.latenessUnit) : c[k];
    return html`<td${attrs({ 'data-cell': k, class: k === 'overdue' && c.overdue > 0 ? 'count-overdue' : undefined })}>${v}</td>`;
  });
}

function table(lang: Lang, caption: string, head: string[], rows: { cells: string[]; counts: ReportCells; total?: boolean }[]): Html {
  return html`<table class="counts report">
<caption>${caption}</caption>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}${CELLS.map((k) => html`<th scope="col">${t(lang, CELL_LABELS[k])}</th>`)}</tr></thead>
<tbody>${rows.map(
    (r) => html`<tr${attrs({ class: r.total ? 'total' : undefined })}>${r.cells.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}${cellsOf(lang, r.counts)}</tr>`,
  )}</tbody>
</table>`;
}

const ON_TIME = '#1e6b2d';
const LATE = '#b3261e';

/**
 * Two bars per period (closed on time, closed late), a y axis with a few ticks. Every text
 * in it is ours or a number, escaped all the same.
 */
function chartSvg(lang: Lang, r: DeadlineReport): Html {
  const n = Math.max(1, r.periods.length);
  const max = Math.max(1, ...r.periods.map((p) => Math.max(p.closedOnTime, p.closedLate)));
  const step = Math.max(1, Math.ceil(max / 4));
  const top = step * Math.ceil(max / step);
  const slot = Math.max(28, Math.min(80, Math.floor(760 / n)));
  const left = 44;
  const height = 200;
  const base = 20 + height;
  const width = left + slot * n + 10;
  const y = (v: number) => base - (v / top) * height;
  const e = escapeHtml;
  let out = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="chart-title chart-desc" width="${width}" height="${base + 60}" viewBox="0 0 ${width} ${base + 60}">`;
  out += `<title id="chart-title">${e(t(lang, 'reports.chart'))}</title><desc id="chart-desc">${e(t(lang, 'reports.chartDesc'))}</desc>`;
  for (let v = 0; v <= top; v += step) {
    out += `<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#c9ced6"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11" fill="#1b1f24">${v}</text>`;
  }
  const bar = Math.max(8, Math.floor((slot - 8) / 2));
  r.periods.forEach((p, i) => {
    const x = left + i * slot + 4;
    out += `<g data-period="${e(p.period)}">`;
    out += `<rect x="${x}" y="${y(p.closedOnTime)}" width="${bar}" height="${base - y(p.closedOnTime)}" fill="${ON_TIME}"><title>${e(`${p.period}: ${t(lang, 'reports.onTime')} ${p.closedOnTime}`)}</title></rect>`;
    out += `<rect x="${x + bar}" y="${y(p.closedLate)}" width="${bar}" height="${base - y(p.closedLate)}" fill="${LATE}"><title>${e(`${p.period}: ${t(lang, 'reports.late')} ${p.closedLate}`)}</title></rect>`;
    out += `<text x="${x + bar}" y="${base + 14}" text-anchor="middle" font-size="11" fill="#1b1f24">${e(p.period.length > 4 && n > 12 ? p.period.slice(2) : p.period)}</text></g>`;
  });
  const ly = base + 36;
  out += `<rect x="${left}" y="${ly}" width="12" height="12" fill="${ON_TIME}"/><text x="${left + 18}" y="${ly + 10}" font-size="12" fill="#1b1f24">${e(t(lang, 'reports.onTime'))}</text>`;
  out += `<rect x="${left + 180}" y="${ly}" width="12" height="12" fill="${LATE}"/><text x="${left + 198}" y="${ly + 10}" font-size="12" fill="#1b1f24">${e(t(lang, 'reports.late'))}</text>`;
  return raw(`${out}</svg>`);
}

function form(lang: Lang, p: Params, r: DeadlineReport | undefined): Html {
  const from = p.from ?? r?.from ?? '';
  const to = p.to ?? r?.to ?? '';
  const groupBy = p.groupBy ?? r?.groupBy ?? 'month';
  return html`<form method="get" action="/ui/reports" class="filters" aria-label="${t(lang, 'reports.title')}">
  <p><label for="report-from">${t(lang, 'reports.from')}</label>
    <input id="report-from" name="from" type="date"${attrs({ value: from })}></p>
  <p><label for="report-to">${t(lang, 'reports.to')}</label>
    <input id="report-to" name="to" type="date"${attrs({ value: to })}></p>
  <p><label for="report-group">${t(lang, 'reports.groupBy')}</label>
    <select id="report-group" name="groupBy">${PERIODS.map((g) => html`<option${attrs({ value: g, selected: groupBy === g })}>${t(lang, `reports.groupBy.${g}`)}</option>`)}</select></p>
  <p><button type="submit">${t(lang, 'reports.show')}</button></p>
</form>`;
}

export const reportPages: FastifyPluginAsync = async (app) => {
  app.get('/ui/reports', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const lang = ctx.lang;
    const title = t(lang, 'reports.title');
    const p = paramsOf(request);
    const res = await callApi<DeadlineReport>(app, request, { sessionId: ctx.sessionId, role: ctx.session.role }, { method: 'GET', url: `/reports/deadlines${query(p)}` });
    if (!res.ok) {
      const main = html`<h1>${title}</h1>${form(lang, p, undefined)}<p class="flash flash-error" role="alert">${t(lang, 'error.api', { message: res.body.error.message })}</p>`;
      return sendHtml(reply, page(ctx, { title, main }), res.status >= 500 ? 500 : 400);
    }
    const r = res.body;
    const q = query({ from: r.from, to: r.to, groupBy: r.groupBy });
    const unitName = (u: string | null) => u ?? t(lang, 'overdue.noUnit');
    const periods = [
      ...r.periods.map((x) => ({ cells: [x.period, `${formatIsoDate(x.start)} – ${formatIsoDate(x.end)}`], counts: x })),
      { cells: [t(lang, 'reports.total'), ''], counts: r.total, total: true },
    ];
    const groups = r.groups.map((g) => ({ cells: [g.period, procedureLabel(lang, g.procedure), deadlineLabel(lang, g.key), unitName(g.unit)], counts: g }));
    const main = html`<h1>${title}</h1>
<p>${t(lang, 'reports.intro')} ${t(lang, 'reports.asOf', { date: formatDateTime(r.now, r.zone) })}</p>
${form(lang, p, r)}
<p class="downloads">${t(lang, 'reports.download')}: <a href="/ui/reports/deadlines.csv${q}" download>${t(lang, 'reports.csv')}</a> · <a href="/ui/reports/deadlines.xlsx${q}" download>${t(lang, 'reports.xlsx')}</a></p>
<figure class="chart">${chartSvg(lang, r)}</figure>
${table(lang, t(lang, 'reports.byPeriod'), [t(lang, 'reports.period'), t(lang, 'reports.days')], periods)}
${groups.length > 0 ? table(lang, t(lang, 'reports.byGroup'), [t(lang, 'reports.period'), t(lang, 'col.procedure'), t(lang, 'reports.key'), t(lang, 'list.unit')], groups) : html`<p>${t(lang, 'reports.empty')}</p>`}`;
    return sendHtml(reply, page(ctx, { title, main }));
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get(`/ui/reports/deadlines.${format}`, { schema: { hide: true } }, async (request, reply) => {
      const ctx = signedIn(request);
      const res = await app.inject({
        method: 'GET',
        url: `/reports/deadlines${query({ ...paramsOf(request), format })}`,
        headers: { authorization: `Session ${ctx.sessionId}`, 'x-acting-role': ctx.session.role },
        remoteAddress: request.ip,
      });
      for (const h of ['content-type', 'content-disposition'] as const) if (res.headers[h] !== undefined) void reply.header(h, res.headers[h]);
      return reply.status(res.statusCode).send(res.rawPayload);
    });
  }
};
