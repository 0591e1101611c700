/**
 * The sections of the case page, each a view of one API answer: the header (GET
 * /cases/:id), the deadlines (the view's `deadlines` and `deadlineHistory`), the history
 * (GET /cases/:id/history) and the messages (GET /cases/:id/messages). Dates are local
 * (`dd.MM.yyyy` in the view's zone); identifiers are named by labels.ts.
 */
import type { CaseView, DeadlineView, HistoryEvent, MessageView } from '../../engine/index.js';
import { MIGRATED_EVENT, type MigratedPayload } from '../../machines/common/migration.js';
import { formatDate, formatDateTime, formatIsoDate, remainingText } from './format.js';
import { attrs, html, type Html } from './html.js';
import { days, t, type Lang, type MessageKey } from './i18n/index.js';
import { deadlineLabel, eventLabel, fieldLabel, procedureLabel, roleLabel, stateLabel, valueLabel } from './labels.js';
import { summaryOf } from './summary.js';

/** A history entry as GET /cases/:id/history gives it (redacted: without personal data). */
export type HistoryItem = Pick<HistoryEvent, 'seq' | 'type' | 'role' | 'actor' | 'occurredAt' | 'recordedAt' | 'payload' | 'backdated' | 'backdatingReason'> &
  Partial<Pick<HistoryEvent, 'machineVersion'>> & { redacted?: true };

/** A message as GET /cases/:id/messages gives it (redacted: no recipient, text or data). */
export type MessageItem = Pick<MessageView, 'id' | 'eventSeq' | 'kind' | 'template' | 'recipient' | 'subject' | 'status' | 'attempts' | 'lastError' | 'createdAt' | 'sentAt'> & { redacted?: true };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function caseHeader(lang: Lang, view: CaseView): Html {
  const s = summaryOf(view);
  const c = view.context;
  const unit = str(c.unit);
  const assignee = str(c.assignee);
  const badges: [boolean, MessageKey, string][] = [
    [view.overdue, 'case.badge.overdue', 'overdue'],
    [view.backdated, 'case.badge.backdated', 'backdated'],
    [view.undelivered, 'case.badge.undelivered', 'undelivered'],
    [(view as CaseView & { redacted?: true }).redacted === true, 'case.badge.redacted', 'redacted'],
  ];
  const shown = badges.filter(([on]) => on);
  return html`<header class="case-head">
<p class="procedure">${procedureLabel(lang, view.procedure)}</p>
<h1>${t(lang, 'case.title')} ${s.registrationNumber ?? view.id.slice(0, 8)}${s.subject ? html` — <span class="subject">${s.subject}</span>` : ''}</h1>
${shown.length > 0 ? html`<ul class="badges">${shown.map(([, key, kind]) => html`<li class="badge badge-${kind}" data-badge="${kind}">${t(lang, key)}</li>`)}</ul>` : ''}
<dl class="facts">
<dt>${t(lang, 'case.version')}</dt><dd data-version="${view.version}">${view.version}</dd>
<dt>${t(lang, 'case.state')}</dt><dd><strong data-state="${view.state}">${stateLabel(lang, view.procedure, view.state)}</strong>${view.status === 'done' ? html` (${t(lang, 'case.done')})` : ''}</dd>
${s.registrationNumber ? html`<dt>${t(lang, 'case.registrationNumber')}</dt><dd>${s.registrationNumber}</dd>` : ''}
<dt>${t(lang, 'case.unit')}</dt><dd>${unit ?? t(lang, 'case.none')}</dd>
<dt>${t(lang, 'case.assignee')}</dt><dd>${assignee ?? t(lang, 'case.none')}</dd>
${view.waitingRoles.length > 0 ? html`<dt>${t(lang, 'case.waiting')}</dt><dd>${view.waitingRoles.map((r) => roleLabel(lang, r)).join(', ')}</dd>` : ''}
${view.pending.map(
  (p) => html`<dt>${t(lang, 'case.pending')}: ${eventLabel(lang, view.procedure, p.event)}</dt><dd>${p.awaited.map((x) => valueLabel(lang, p.field, x)).join(', ')}</dd>`,
)}
${view.targets.map((g) => html`<dt>${t(lang, 'case.targets')}</dt><dd data-target="${g.key}">${formatIsoDate(g.date)} (${g.rule})</dd>`)}
</dl>
</header>`;
}

/** The day `n` days after an ISO date (plain date arithmetic; which days are working is the calendar's). */
function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
const short = (date: string) => formatIsoDate(date).slice(0, 5);

/** The names of days off (from the public calendar API), by `calendar@version:date`. */
export type DayNames = Map<string, string | undefined>;

/**
 * The days a deadline's explanation needs named: for a calendar-day period whose last day
 * moved off a day off, the nominal last day (from + amount), whose reason the calendar
 * API gives.
 */
export function shiftedDay(d: DeadlineView): string | undefined {
  if (d.reading !== 'calendar' || isDate(d.from)) return undefined;
  const fromDay = (d.fromLocal ?? d.from).slice(0, 10);
  const nominal = addDays(fromDay, d.amount);
  return d.lastDay > nominal ? nominal : undefined;
}

const PLURAL_RULES = new Map<Lang, Intl.PluralRules>();

/** A counting phrase with `n` in the language's plural form: "3 календарных дня", "1 рабочий день", "15 календарных дней". */
function counted(lang: Lang, key: 'how.after.calendar' | 'how.after.working' | 'how.before', n: number, params: Record<string, string>): string {
  let rules = PLURAL_RULES.get(lang);
  if (!rules) PLURAL_RULES.set(lang, (rules = new Intl.PluralRules(lang)));
  const form = rules.select(n);
  const k: MessageKey = form === 'one' ? `${key}.one` : form === 'few' ? `${key}.few` : key;
  return t(lang, k, { n, ...params });
}

/**
 * How a deadline was counted, in one line: "15 календарных дней с 06.03.2025; 21.03
 * выходной → 26.03". The facts are the deadline record's (amount, reading, from, last day,
 * calendar); the name of a day off is the calendar API's.
 */
export function explain(lang: Lang, d: DeadlineView, zone: string, names: DayNames): string {
  if (isDate(d.from)) {
    return `${counted(lang, 'how.before', d.amount, { date: formatIsoDate(d.from) })} → ${formatIsoDate(d.lastDay)}`;
  }
  const from = formatDate(d.from, zone);
  const head = counted(lang, d.reading === 'working' ? 'how.after.working' : 'how.after.calendar', d.amount, { from });
  const nominal = shiftedDay(d);
  if (!nominal) return `${head} → ${formatIsoDate(d.lastDay)}`;
  const name = names.get(`${d.calendar.id}@${d.calendar.version}:${nominal}`);
  const off = name ? t(lang, 'how.dayOffNamed', { day: short(nominal), name }) : t(lang, 'how.dayOff', { day: short(nominal) });
  return `${head}; ${off} → ${short(d.lastDay)}`;
}

function deadlineRow(lang: Lang, d: DeadlineView, zone: string, names: DayNames): Html {
  const late = d.shortfall ? t(lang, 'deadlines.late', { n: days(lang, d.shortfall.amount, d.shortfall.unit === 'working' ? 'working' : 'calendar') }) : '';
  const remaining = d.open ? remainingText(lang, d.remaining, d.overdue) : d.closedAt ? t(lang, 'deadlines.closedAt', { at: formatDateTime(d.closedAt, zone) }) : '';
  return html`<tr${attrs({ 'data-deadline': d.key, 'data-status': d.status, 'data-turn': d.turn, class: `status-${d.status}${d.open ? ' status-open' : ''}${d.overdue ? ' overdue' : ''}` })}>
<th scope="row">${deadlineLabel(lang, d.key)}${d.turn ? html` <small>${t(lang, 'deadlines.turn', { n: d.turn })}</small>` : ''}</th>
<td>${d.rule}</td>
<td>${t(lang, d.reading === 'working' ? 'deadlines.reading.working' : 'deadlines.reading.calendar')}</td>
<td>${isDate(d.from) ? formatIsoDate(d.from) : formatDate(d.from, zone)}</td>
<td>${formatIsoDate(d.lastDay)}</td>
<td><time datetime="${d.dueAt}">${formatDateTime(d.dueAt, zone)}</time></td>
<td>${t(lang, `status.${d.status}` as MessageKey)}${late ? html` <small>${late}</small>` : ''}</td>
<td>${remaining}</td>
<td class="how">${explain(lang, d, zone, names)}</td>
</tr>`;
}

export function deadlinesSection(lang: Lang, view: CaseView, names: DayNames): Html {
  const all = [...view.deadlines, ...view.deadlineHistory];
  const stamps = new Map(all.map((d) => [`${d.calendar.id}@${d.calendar.version}`, d.calendar]));
  const head = html`<thead><tr><th scope="col">${t(lang, 'deadlines.name')}</th><th scope="col">${t(lang, 'deadlines.rule')}</th><th scope="col">${t(lang, 'deadlines.reading')}</th><th scope="col">${t(lang, 'deadlines.from')}</th><th scope="col">${t(lang, 'deadlines.lastDay')}</th><th scope="col">${t(lang, 'deadlines.dueAt')}</th><th scope="col">${t(lang, 'deadlines.status')}</th><th scope="col">${t(lang, 'deadlines.remaining')}</th><th scope="col">${t(lang, 'deadlines.how')}</th></tr></thead>`;
  return html`<section aria-labelledby="deadlines-title">
<h2 id="deadlines-title">${t(lang, 'deadlines.title')}</h2>
${all.length === 0
  ? html`<p>${t(lang, 'deadlines.none')}</p>`
  : // Focusable and named: a table wider than the screen scrolls, and the keyboard must reach it (axe scrollable-region-focusable).
    html`<div class="scroll" tabindex="0" role="region" aria-labelledby="deadlines-title"><table class="deadlines">${head}<tbody>${view.deadlines.map((d) => deadlineRow(lang, d, view.zone, names))}</tbody>${
      view.deadlineHistory.length > 0
        ? html`<tbody class="past"><tr><th colspan="9" scope="rowgroup">${t(lang, 'deadlines.past')}</th></tr>${view.deadlineHistory.map((d) => deadlineRow(lang, d, view.zone, names))}</tbody>`
        : ''
    }</table></div>`}
${[...stamps.values()].map(
  (c) =>
    html`<p class="calendar-stamp" data-calendar-version="${c.version}">${t(lang, 'deadlines.calendar', { id: c.id, version: c.version })}${
      c.statutoryOnly ? html`; ${t(lang, 'deadlines.statutoryOnly', { years: c.statutoryOnlyYears.join(', ') })}` : ''
    }</p>`,
)}
</section>`;
}

function value(lang: Lang, name: string, v: unknown): string {
  if (typeof v === 'string') return valueLabel(lang, name, v);
  if (Array.isArray(v)) return v.map((x) => value(lang, name, x)).join(', ');
  if (v !== null && typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${fieldLabel(lang, `${name}.${k}`)}: ${value(lang, `${name}.${k}`, x)}`).join('; ');
  return String(v);
}

function payloadList(lang: Lang, e: HistoryItem): Html {
  const entries = Object.entries(e.payload);
  if (e.redacted) return html`<p class="muted">${t(lang, 'history.payloadHidden')}</p>`;
  if (entries.length === 0) return html``;
  return html`<dl class="payload">${entries.map(([k, v]) => html`<dt>${fieldLabel(lang, k)}</dt><dd>${value(lang, k, v)}</dd>`)}</dl>`;
}

export function historySection(lang: Lang, view: CaseView, events: HistoryItem[], next: number | undefined, caseId: string): Html {
  // Corrections on this page, by the seq they correct (a correction names its target in `seq`).
  const correctedBy = new Map<number, number[]>();
  for (const e of events) {
    if (e.type === 'correct' && typeof e.payload.seq === 'number') correctedBy.set(e.payload.seq, [...(correctedBy.get(e.payload.seq) ?? []), e.seq]);
  }
  return html`<section aria-labelledby="history-title">
<h2 id="history-title">${t(lang, 'history.title')}</h2>
<ol class="timeline">${events.map((e) => {
    const corr = correctedBy.get(e.seq);
    const isCorrection = e.type === 'correct';
    const migrated = e.type === MIGRATED_EVENT ? (e.payload as Partial<MigratedPayload>) : undefined;
    return html`<li${attrs({ 'data-seq': e.seq, 'data-type': e.type, class: [isCorrection ? 'correction' : '', e.backdated ? 'backdated' : ''].filter(Boolean).join(' ') || undefined})}>
<p><strong>№${e.seq}</strong> ${e.seq === 1 ? procedureLabel(lang, view.procedure) : eventLabel(lang, view.procedure, e.type)} — ${e.actor} (${roleLabel(lang, e.role)})</p>
<p><small>${t(lang, 'history.occurred')} <time datetime="${e.occurredAt}">${formatDateTime(e.occurredAt, view.zone)}</time>, ${t(lang, 'history.recorded')} <time datetime="${e.recordedAt}">${formatDateTime(e.recordedAt, view.zone)}</time>${e.machineVersion ? html`, <span data-version="${e.machineVersion}">${t(lang, 'history.version', { version: e.machineVersion })}</span>` : ''}</small></p>
${migrated?.states ? html`<p class="mark mark-migrated" data-migrated="${migrated.from} ${migrated.to}">${t(lang, 'history.migrated', { from: String(migrated.from), to: String(migrated.to), fromState: stateLabel(lang, view.procedure, migrated.states.from), toState: stateLabel(lang, view.procedure, migrated.states.to) })}</p>` : ''}
${e.backdated ? html`<p class="mark mark-backdated" data-backdated="true">${t(lang, 'history.backdated')}${e.backdatingReason ? html`; ${t(lang, 'history.reason')}: ${e.backdatingReason}` : e.redacted ? html` (${t(lang, 'history.reasonHidden')})` : ''}</p>` : ''}
${isCorrection && typeof e.payload.seq === 'number' ? html`<p class="mark mark-correction" data-corrects="${e.payload.seq}">${t(lang, 'history.correction', { seq: e.payload.seq, field: fieldLabel(lang, String(e.payload.field)) })}</p>` : ''}
${corr ? html`<p class="mark mark-corrected" data-corrected-by="${corr.join(' ')}">${corr.map((s) => t(lang, 'history.corrected', { seq: s })).join('; ')}</p>` : ''}
${payloadList(lang, e)}
</li>`;
  })}</ol>
${next !== undefined ? html`<p class="pager"><a href="/ui/cases/${caseId}?after=${next}#history-title" rel="next">${t(lang, 'history.more')}</a></p>` : ''}
</section>`;
}

export function messagesSection(lang: Lang, view: CaseView, messages: MessageItem[], formsOf: (m: MessageItem) => Html): Html {
  return html`<section aria-labelledby="messages-title">
<h2 id="messages-title">${t(lang, 'messages.title')}</h2>
${messages.length === 0
  ? html`<p>${t(lang, 'messages.none')}</p>`
  : html`<div class="scroll" tabindex="0" role="region" aria-labelledby="messages-title"><table class="messages"><thead><tr><th scope="col">${t(lang, 'messages.created')}</th><th scope="col">${t(lang, 'messages.recipient')}</th><th scope="col">${t(lang, 'messages.what')}</th><th scope="col">${t(lang, 'messages.status')}</th><th scope="col">${t(lang, 'messages.attempts')}</th></tr></thead><tbody>${messages.map(
      (m) => {
        const forms = formsOf(m);
        return html`<tr data-message-id="${m.id}" data-message-status="${m.status}">
<td>${formatDateTime(m.createdAt, view.zone)}</td>
<td>${m.recipient ?? (m.redacted ? t(lang, 'messages.hidden') : '')}</td>
<td>${m.template ? valueLabel(lang, 'template', m.template) : valueLabel(lang, 'messageKind', m.kind)}${m.subject ? html`<br><small>${m.subject}</small>` : ''}</td>
<td>${(['queued', 'sent', 'failed'] as const).includes(m.status as 'queued') ? t(lang, `messageStatus.${m.status as 'queued' | 'sent' | 'failed'}`) : m.status}${m.lastError ? html`<br><small>${m.lastError}</small>` : ''}</td>
<td>${m.attempts}</td>
</tr>${forms.value ? html`<tr class="message-actions"><td colspan="5">${forms}</td></tr>` : ''}`;
      },
    )}</tbody></table></div>`}
</section>`;
}
