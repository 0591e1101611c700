/**
 * The case page `/ui/cases/:id`: the state in words, every deadline with its rule and how
 * it was counted, the actions the acting role may take now as forms generated from the
 * events' schemas, the history as a timeline, the messages to the applicant, and the
 * procedure's diagram with the current state highlighted. Every part is a view of a JSON
 * API answer (callApi, with the person's session and acting role); a form is one
 * `POST /cases/:id/events` with If-Match (the seq the person saw) and Idempotency-Key (one
 * per rendered form).
 *
 * A form the API refuses is shown again with the typed values and the API's messages next
 * to their fields: 422 for invalid data (`invalid_request`), 409 when the case moved on
 * (`version_conflict`, the page then shows the fresh state) or the event is no longer
 * accepted, 403 for a role that may not. A browser shows the page whatever the status; a
 * test or a script reads the status. On success: 303 back to the page with a notice.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CaseView } from '../../engine/index.js';
import { callApi, type ApiAnswer, type Caller } from './api.js';
import { actionForm, readAction, type FailedForm } from './case-actions.js';
import { caseHeader, deadlinesSection, historySection, messagesSection, shiftedDay, type DayNames, type HistoryItem, type MessageItem } from './case-parts.js';
import { sendHtml, signedIn } from './context.js';
import { DiagramCache, diagramSection } from './diagram.js';
import { ENVELOPE_FIELDS, fieldNames, placeErrors, type FormBody, type JsonSchema } from './forms.js';
import { html, type Html } from './html.js';
import { t } from './i18n/index.js';
import { page, type PageContext } from './layout.js';
import { eventLabel } from './labels.js';

const HISTORY_PAGE = 200;
/** Events answered in the messages' rows (with the message's id), not in the actions list. */
const MESSAGE_EVENTS = new Set(['resend_message']);

interface MachineInfo {
  version: string;
  events: { type: string; roles: string[] }[];
  eventSchemas: Record<string, JsonSchema>;
}

/**
 * Events the engine takes in any state, outside the machine, so not in the view's
 * `allowedEvents`: `correct` (machines/common/corrections.ts; whether this person may
 * correct a given field is the engine's answer to the form).
 */
const RUNTIME_EVENTS = ['correct'];

type Ctx = PageContext & { sessionId: string; session: NonNullable<PageContext['session']> };

/** What a re-rendered page carries after a refused form. */
interface Refusal {
  status: number;
  failed: FailedForm;
  notice: string;
}

export const casePages: FastifyPluginAsync = async (app) => {
  // Per procedure and version: the schemas do not change while the process runs.
  const machines = new Map<string, Promise<MachineInfo | undefined>>();
  const diagrams = new DiagramCache(app);
  const dayNames = new Map<string, string | undefined>();

  const callerOf = (ctx: Ctx): Caller => ({ sessionId: ctx.sessionId, role: ctx.session.role });

  const machineOf = (request: FastifyRequest, ctx: Ctx, procedure: string, version: string): Promise<MachineInfo | undefined> => {
    const key = `${procedure}@${version}`;
    let p = machines.get(key);
    if (!p) {
      p = callApi<MachineInfo>(app, request, callerOf(ctx), { method: 'GET', url: `/machines/${encodeURIComponent(procedure)}` }).then((r) => (r.ok ? r.body : undefined));
      machines.set(key, p);
      void p.then((m) => m === undefined && machines.delete(key));
    }
    return p;
  };

  /** The names of the days off the deadlines' explanations mention (the calendar API's reasons). */
  const namesFor = async (request: FastifyRequest, ctx: Ctx, view: CaseView): Promise<DayNames> => {
    const out: DayNames = new Map();
    await Promise.all(
      [...view.deadlines, ...view.deadlineHistory].map(async (d) => {
        const day = shiftedDay(d);
        if (!day) return;
        const key = `${d.calendar.id}@${d.calendar.version}:${day}`;
        if (!dayNames.has(key)) {
          const r = await callApi<{ working: boolean; reason?: { name: string; nameEn: string } }>(app, request, callerOf(ctx), {
            method: 'GET',
            url: `/calendars/${encodeURIComponent(d.calendar.id)}/days/${day}`,
          });
          // Only a day of the calendar version the deadline was counted with is named (a
          // newer version could say otherwise about that day).
          const stampOk = r.ok && (r.body as { calendar?: { version?: string } }).calendar?.version === d.calendar.version;
          dayNames.set(key, r.ok && stampOk && !r.body.working ? (ctx.lang === 'en' ? r.body.reason?.nameEn : r.body.reason?.name) : undefined);
        }
        out.set(key, dayNames.get(key));
      }),
    );
    return out;
  };

  async function render(request: FastifyRequest, reply: FastifyReply, id: string, opts: { refusal?: Refusal; done?: string } = {}): Promise<FastifyReply> {
    const ctx = signedIn(request) as Ctx;
    const lang = ctx.lang;
    const caller = callerOf(ctx);
    const after = Number((request.query as { after?: string } | undefined)?.after ?? 0);
    const viewRes = await callApi<CaseView>(app, request, caller, { method: 'GET', url: `/cases/${encodeURIComponent(id)}` });
    if (!viewRes.ok) {
      const status = viewRes.status === 404 ? 404 : viewRes.status;
      const title = viewRes.status === 404 ? t(lang, 'case.notFound') : t(lang, 'error.title');
      return sendHtml(reply, page(ctx, { title, main: html`<h1>${title}</h1><p>${viewRes.body.error.message}</p>` }), status);
    }
    const view = viewRes.body;
    const [historyRes, messagesRes, machine, diagram, names] = await Promise.all([
      callApi<{ events: HistoryItem[]; next?: number }>(app, request, caller, {
        method: 'GET',
        url: `/cases/${encodeURIComponent(id)}/history?limit=${HISTORY_PAGE}${Number.isInteger(after) && after > 0 ? `&after=${after}` : ''}`,
      }),
      callApi<{ messages: MessageItem[] }>(app, request, caller, { method: 'GET', url: `/cases/${encodeURIComponent(id)}/messages` }),
      machineOf(request, ctx, view.procedure, view.version),
      diagrams.source(view.procedure),
      namesFor(request, ctx, view),
    ]);

    const role = ctx.session.role;
    const readOnly = role === 'auditor';
    const offered = [
      ...view.allowedEvents,
      ...(machine?.events ?? []).filter((e) => RUNTIME_EVENTS.includes(e.type) && !view.allowedEvents.some((a) => a.type === e.type)),
    ];
    const mine = readOnly ? [] : offered.filter((e) => (e.roles as string[]).includes(role) && !e.roles.every((r) => r === 'system') && machine?.eventSchemas[e.type] !== undefined);
    let n = 0;
    const form = (type: string, fixed?: Record<string, string>): Html =>
      actionForm({
        ctx,
        caseId: view.id,
        procedure: view.procedure,
        seq: view.seq,
        zone: view.zone,
        type,
        schema: machine!.eventSchemas[type]!,
        idPrefix: `ev-${type}-${++n}`,
        ...(fixed ? { fixed } : {}),
        ...(opts.refusal ? { failed: opts.refusal.failed } : {}),
      });
    const mayResend = mine.some((e) => e.type === 'resend_message');
    const mayNotice = mine.some((e) => e.type === 'record_notice');
    const messageForms = (m: MessageItem): Html =>
      m.status === 'failed' ? html`${mayResend ? form('resend_message', { messageId: m.id }) : ''}${mayNotice ? form('record_notice', { messageId: m.id }) : ''}` : html``;

    const actions = readOnly
      ? html`<p>${t(lang, 'actions.readOnly')}</p>`
      : mine.filter((e) => !MESSAGE_EVENTS.has(e.type)).length === 0
        ? html`<p>${t(lang, 'actions.none')}</p>`
        : html`<div class="actions">${mine.filter((e) => !MESSAGE_EVENTS.has(e.type)).map((e) => form(e.type))}</div>`;

    const history = historyRes.ok ? historySection(lang, view, historyRes.body.events, historyRes.body.next, view.id) : errorNote(historyRes);
    const messages = messagesRes.ok ? messagesSection(lang, view, messagesRes.body.messages, readOnly ? () => html`` : messageForms) : errorNote(messagesRes);
    const main = html`${caseHeader(lang, view)}
${deadlinesSection(lang, view, names)}
<section aria-labelledby="actions-title"><h2 id="actions-title">${t(lang, 'actions.title')}</h2>${actions}</section>
${messages}
${history}
${diagramSection(lang, view.procedure, view.state, diagram)}`;
    // The notice after a recorded event (the 303's target): the event's name in this procedure.
    const flash = opts.refusal
      ? { kind: 'error' as const, text: opts.refusal.notice }
      : opts.done
        ? { kind: 'ok' as const, text: t(lang, 'case.recorded', { event: eventLabel(lang, view.procedure, opts.done) }) }
        : undefined;
    return sendHtml(reply, page(ctx, { title: `${t(lang, 'case.title')} ${view.id.slice(0, 8)}`, main, diagram: diagram !== undefined, ...(flash ? { flash } : {}) }), opts.refusal?.status ?? 200);
  }

  function errorNote(res: ApiAnswer<unknown>): Html {
    return res.ok ? html`` : html`<p class="flash flash-error" role="alert">${res.body.error.message}</p>`;
  }

  app.get<{ Params: { id: string }; Querystring: { done?: string; after?: string } }>('/ui/cases/:id', { schema: { hide: true } }, async (request, reply) => {
    const done = request.query.done;
    return render(request, reply, request.params.id, typeof done === 'string' && /^[a-z_]{1,64}$/.test(done) ? { done } : {});
  });

  app.post<{ Params: { id: string }; Body: FormBody }>('/ui/cases/:id/events', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request) as Ctx;
    const id = request.params.id;
    const body = (request.body ?? {}) as FormBody;
    const viewRes = await callApi<CaseView>(app, request, callerOf(ctx), { method: 'GET', url: `/cases/${encodeURIComponent(id)}` });
    if (!viewRes.ok) return render(request, reply, id);
    const view = viewRes.body;
    const machine = await machineOf(request, ctx, view.procedure, view.version);
    const type = typeof body.type === 'string' ? body.type : '';
    const schema: JsonSchema = machine && Object.hasOwn(machine.eventSchemas, type) ? machine.eventSchemas[type]! : { type: 'object', properties: {} };
    const action = readAction(schema, body, view.zone);
    const res = await callApi<CaseView>(app, request, callerOf(ctx), {
      method: 'POST',
      url: `/cases/${encodeURIComponent(id)}/events`,
      body: action.body,
      ...(action.seq !== undefined ? { ifMatch: action.seq } : {}),
      ...(action.idempotencyKey ? { idempotencyKey: action.idempotencyKey } : {}),
    });
    if (res.ok) return reply.status(303).header('location', `/ui/cases/${encodeURIComponent(id)}?done=${encodeURIComponent(type)}`).send();
    const err = res.body.error;
    const { fields, form } = placeErrors(err, [...fieldNames(schema), ...ENVELOPE_FIELDS]);
    const conflict = err.code === 'version_conflict';
    const status = err.code === 'invalid_request' ? 422 : res.status;
    // A message row's form (its message's id fixed) is shown again in that row, not in the actions list.
    const messageId = body._fixed === 'messageId' && typeof body.messageId === 'string' ? body.messageId : undefined;
    const failed: FailedForm = { type, values: body, fields, ...(form || conflict ? { form: conflict ? t(ctx.lang, 'case.conflict') : form } : {}), ...(messageId ? { messageId } : {}) };
    const notice = conflict ? t(ctx.lang, 'case.conflict') : t(ctx.lang, 'form.errors', { message: err.message });
    return render(request, reply, id, { refusal: { status, failed, notice } });
  });
};
