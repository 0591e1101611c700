/**
 * My queue (the home page): the cases waiting on the person or their unit (the API's
 * `mine=true`, issue 9's meaning of "mine"), one line each, coloured by urgency.
 * Every row carries `data-case-id` (a stable hook for tests written outside the project).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CaseView } from '../../engine/index.js';
import { callApi, query } from './api.js';
import { sendHtml, signedIn } from './context.js';
import { formatDate, remainingText, urgencyOf } from './format.js';
import { html, type Html } from './html.js';
import { t, type Lang } from './i18n/index.js';
import { page } from './layout.js';
import { procedureLabel } from './labels.js';
import { summaryOf } from './summary.js';

export function caseRow(lang: Lang, view: CaseView): Html {
  const s = summaryOf(view);
  const urgency = s.next ? urgencyOf(s.next.remaining, s.next.overdue) : 'none';
  return html`<tr data-case-id="${view.id}" class="urgency-${urgency}">
  <td>${procedureLabel(lang, view.procedure)}</td>
  <td><a href="/ui/cases/${view.id}">${s.registrationNumber ?? view.id.slice(0, 8)}</a></td>
  <td>${s.subject ?? ''}</td>
  <td data-state="${view.state}">${view.state}</td>
  <td>${s.next ? formatDate(s.next.dueAtLocal, view.zone) : ''}</td>
  <td>${s.next ? remainingText(lang, s.next.remaining, s.next.overdue) : ''}</td>
</tr>`;
}

export const queuePages: FastifyPluginAsync = async (app) => {
  app.get('/ui/queue', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const res = await callApi<{ cases: CaseView[]; next?: string }>(app, request, { sessionId: ctx.sessionId, role: ctx.session.role }, {
      method: 'GET',
      url: `/cases${query({ mine: true, limit: 50 })}`,
    });
    const cases = res.ok ? res.body.cases : [];
    const main = html`<h1>${t(ctx.lang, 'queue.title')}</h1>
${res.ok ? '' : html`<p class="flash flash-error" role="alert">${res.body.error.message}</p>`}
${cases.length === 0 ? html`<p>${t(ctx.lang, 'queue.empty')}</p>` : html`<table class="queue"><tbody>${cases.map((v) => caseRow(ctx.lang, v))}</tbody></table>`}`;
    return sendHtml(reply, page(ctx, { title: t(ctx.lang, 'queue.title'), main }));
  });
};
