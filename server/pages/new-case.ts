/**
 * New case (`/ui/new`): one form per procedure the acting role may create (`createRoles` of
 * `GET /machines`), generated from the procedure's input schema (`GET /machines/{id}`), so
 * a field added to a machine's input appears here by itself. Each form also has the
 * envelope's receipt time (`occurredAt`, a local time in Asia/Almaty; empty = now) and the
 * back-dating reason; the input's own `receivedAt` is left out (another name for
 * `occurredAt`, and both given and different is a 400).
 *
 * A rendered form carries its own idempotency key (`_key`): a double click or a resent POST
 * is one case (the API returns the first answer). The key stays the same when the form comes
 * back with errors (a refused request stores nothing under it), so the corrected submission
 * and any repeat of it are still one case.
 *
 * `POST /ui/new/:procedure` is one `POST /cases`; success: 303 to the case's page; errors:
 * the page again (the API's status), the message next to its field, the values kept.
 * Hooks: `data-event="create"` and `data-procedure="<id>"` on each form.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { CaseView } from '../../engine/index.js';
import { callApi, type ApiErrorBody } from './api.js';
import { pageOf, seeOther, sendHtml, signedIn } from './context.js';
import { ENVELOPE_FIELDS, fieldNames, fieldsOf, placeErrors, readEnvelope, readForm, type FormBody, type JsonSchema } from './forms.js';
import { attrs, html, type Html } from './html.js';
import { t, type Lang } from './i18n/index.js';
import { inputFieldHint, inputFieldLabel, inputValueLabel } from './input-labels.js';
import { csrfField, page, type PageContext } from './layout.js';
import { procedureLabel, roleLabel } from './labels.js';

/** A form's idempotency key as the API takes it (printable ASCII, bounded). */
const KEY = /^[\x21-\x7e]{1,200}$/;

interface MachineSummary {
  id: string;
  createRoles: string[];
}

interface FormState {
  values: FormBody;
  errors: Map<string, string>;
  formError?: string;
  key: string;
}

/**
 * The input schema as the form shows it: without `receivedAt` (the envelope's `occurredAt`
 * says it), and with our hints in place of the schema's English descriptions.
 */
export function formSchema(lang: Lang, procedure: string, schema: JsonSchema, prefix = ''): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    if (!prefix && k === 'receivedAt') continue;
    const name = `${prefix}${k}`;
    const { description: _dropped, ...rest } = s;
    const hint = inputFieldHint(lang, procedure, name);
    const inner = rest.type === 'object' && rest.properties ? formSchema(lang, procedure, rest, `${name}.`) : rest;
    properties[k] = { ...inner, ...(hint ? { description: hint } : {}) };
  }
  const required = (schema.required ?? []).filter((k) => k in properties);
  return { ...schema, properties, required };
}

const ENVELOPE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { occurredAt: { type: 'string', format: 'date-time' }, backdatingReason: { type: 'string', maxLength: 2000 } },
};

function envelopeSchema(lang: Lang, procedure: string): JsonSchema {
  const p = ENVELOPE_SCHEMA.properties!;
  const withHint = (name: (typeof ENVELOPE_FIELDS)[number]) => ({ ...p[name]!, description: inputFieldHint(lang, procedure, name) });
  return { type: 'object', properties: { occurredAt: withHint('occurredAt'), backdatingReason: withHint('backdatingReason') } };
}

function createForm(ctx: PageContext, procedure: string, schema: JsonSchema, state: FormState): Html {
  const lang = ctx.lang;
  const o = {
    label: (name: string) => inputFieldLabel(lang, procedure, name),
    valueLabel: (name: string, value: string) => inputValueLabel(lang, name, value),
    values: state.values,
    errors: state.errors,
    idPrefix: `new-${procedure}`,
    words: { optional: t(lang, 'form.optional'), none: t(lang, 'form.none') },
  };
  // The heading's id is outside the fields' `new-<procedure>-<field>` ids: a field named
  // `title` (a publication's) must not share it, or its label would point at the heading.
  return html`<section class="new-case" aria-labelledby="heading-new-${procedure}">
<h2 id="heading-new-${procedure}">${procedureLabel(lang, procedure)}</h2>
<form method="post"${attrs({ action: `/ui/new/${procedure}`, 'data-event': 'create', 'data-procedure': procedure, novalidate: state.errors.size > 0 || state.formError !== undefined })}>
${csrfField(ctx)}<input type="hidden" name="_key" value="${state.key}">
${state.formError ? html`<p class="flash flash-error" role="alert">${state.formError}</p>` : state.errors.size > 0 ? html`<p class="flash flash-error" role="alert">${t(lang, 'form.fix')}</p>` : ''}
${fieldsOf(schema, o)}
<fieldset class="group"><legend>${t(lang, 'new.receipt')}</legend>${fieldsOf(envelopeSchema(lang, procedure), o)}</fieldset>
<p><button type="submit">${t(lang, 'new.submit')}</button></p>
</form>
</section>`;
}

export const newCasePages: FastifyPluginAsync = async (app) => {
  /** The procedures the acting role creates, with their input schemas. */
  const creatable = async (request: FastifyRequest, role: string): Promise<{ id: string; schema: JsonSchema }[]> => {
    const ctx = signedIn(request);
    const caller = { sessionId: ctx.sessionId, role };
    const list = await callApi<{ machines: MachineSummary[] }>(app, request, caller, { method: 'GET', url: '/machines' });
    if (!list.ok) return [];
    const ids = list.body.machines.filter((m) => m.createRoles.includes(role)).map((m) => m.id);
    const out: { id: string; schema: JsonSchema }[] = [];
    for (const id of ids) {
      const m = await callApi<{ inputSchema: JsonSchema }>(app, request, caller, { method: 'GET', url: `/machines/${encodeURIComponent(id)}` });
      if (m.ok) out.push({ id, schema: m.body.inputSchema });
    }
    return out;
  };

  const render = async (request: FastifyRequest, failed?: { procedure: string; state: FormState }, status = 200, flash?: string) => {
    const ctx = signedIn(request);
    const procedures = await creatable(request, ctx.session.role);
    const forms = procedures.map((p) =>
      createForm(ctx, p.id, formSchema(ctx.lang, p.id, p.schema), failed?.procedure === p.id ? failed.state : { values: {}, errors: new Map(), key: randomUUID() }),
    );
    const main = html`<h1>${t(ctx.lang, 'new.title')}</h1>
${forms.length === 0 ? html`<p>${t(ctx.lang, 'new.none', { role: roleLabel(ctx.lang, ctx.session.role) })}</p>` : html`<p>${t(ctx.lang, 'new.intro')}</p>${forms}`}`;
    return { body: page(ctx, { title: t(ctx.lang, 'new.title'), main, ...(flash ? { flash: { kind: 'error' as const, text: flash } } : {}) }), status };
  };

  app.get('/ui/new', { schema: { hide: true } }, async (request, reply) => {
    const { body, status } = await render(request);
    return sendHtml(reply, body, status);
  });

  app.post<{ Params: { procedure: string }; Body: FormBody }>('/ui/new/:procedure', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const procedure = request.params.procedure;
    const found = (await creatable(request, ctx.session.role)).find((p) => p.id === procedure);
    if (!found) {
      const { body, status } = await render(request, undefined, 403, t(ctx.lang, 'new.unknown'));
      return sendHtml(reply, body, status);
    }
    const form = request.body ?? {};
    const schema = formSchema(ctx.lang, procedure, found.schema);
    const input = readForm(schema, form, pageOf(request).zone);
    const givenKey = Array.isArray(form._key) ? form._key[0] : form._key;
    const key = givenKey && KEY.test(givenKey) ? givenKey : randomUUID();
    const values: FormBody = Object.fromEntries(Object.entries(form).filter(([k]) => !k.startsWith('_')));
    const failed = (error: ApiErrorBody['error'], status: number) => {
      const placed = placeErrors(error, [...fieldNames(schema), ...ENVELOPE_FIELDS]);
      return render(request, { procedure, state: { values, errors: placed.fields, ...(placed.form ? { formError: placed.form } : {}), key } }, status);
    };
    const res = await callApi<CaseView>(app, request, { sessionId: ctx.sessionId, role: ctx.session.role }, {
      method: 'POST',
      url: '/cases',
      idempotencyKey: key,
      body: { procedure, input, ...readEnvelope(form, pageOf(request).zone) },
    });
    if (res.ok) return seeOther(reply, `/ui/cases/${res.body.id}`);
    const { body, status } = await failed(res.body.error, res.status);
    return sendHtml(reply, body, status);
  });
};
