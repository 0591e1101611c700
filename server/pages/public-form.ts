/**
 * The public feedback form (`/form/feedback`, п. 35–36): the site's form as a page of ours,
 * in Russian, Kazakh or English (`?lang=`; the choice travels with the form, not in a
 * cookie, so it works inside a frame of the company's site where third-party cookies are
 * refused). No sign-in, no staff navigation. It posts to the existing public intake
 * (`POST /intake/feedback`, in-process like every page: its validation, rate limit per
 * address and de-duplication apply as they are), and shows the applicant what the intake
 * answers: the reference, the time of receipt and the last day of the review (the term of
 * п. 36, 15 calendar days), with the intake's acknowledgement in the language of the question.
 *
 * No CSRF token (there is no session to ride on); instead each rendered form carries its own
 * Idempotency-Key (`_key`): a double click, a reload of the answer page or a resent POST
 * returns the first case, never a second one. The answer to the POST is the page itself
 * (not a redirect): there is nothing to GET afterwards without a session, and repeating the
 * POST is harmless for the reason above.
 *
 * Framing: PUBLIC_FORM_FRAME_ANCESTORS (server/plugins/security-headers.ts) names the
 * origins that may embed `/form/*`; unset, nobody may.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { callApi } from './api.js';
import { pageOf, sendHtml } from './context.js';
import { assetUrl } from './assets.js';
import { formatDateTime, formatIsoDate } from './format.js';
import type { FormBody } from './forms.js';
import { attrs, html, type Html } from './html.js';
import { isLang, LANGS, t, type Lang } from './i18n/index.js';
import { csrfField } from './layout.js';

const KEY = /^[\x21-\x7e]{1,200}$/;
/** The intake's limits (server/routes/intake.ts IntakeBodySchema). */
const MAX = { name: 200, email: 254, text: 20_000 } as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Receipt {
  reference: string;
  receivedAt: string;
  reviewLastDay?: string;
  message: string;
}

interface Filled {
  name: string;
  email: string;
  language: Lang;
  kind: 'question' | 'proposal';
  text: string;
}

function one(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** The page's language: `?lang=` (or the form's `lang`), else the language cookie, else Russian. */
function langFor(request: FastifyRequest, given: unknown): Lang {
  return isLang(given) ? given : pageOf(request).lang;
}

function shell(lang: Lang, title: string, main: Html): Html {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
</head>
<body class="public">
<header class="top public-top"><span class="brand">${t(lang, 'app.title')}</span>
<ul class="langs" aria-label="${t(lang, 'header.lang')}">${LANGS.map(
    (l) => html`<li><a${attrs({ href: `/form/feedback?lang=${l}`, lang: l, 'aria-current': l === lang ? 'true' : undefined })}>${t(lang, `lang.${l}`)}</a></li>`,
  )}</ul></header>
<main id="main" class="public-form">
${main}
</main>
</body>
</html>`;
}

function field(id: string, label: string, control: Html, error?: string, hint?: string): Html {
  return html`<p><label for="${id}">${label}</label>${control}${hint ? html`<small id="${id}-hint">${hint}</small>` : ''}${error ? html`<span class="field-error" id="${id}-error">${error}</span>` : ''}</p>`;
}

function aria(id: string, error?: string, hint?: boolean) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': error ? 'true' : undefined };
}

function formPage(request: FastifyRequest, lang: Lang, values: Partial<Filled>, errors: Map<string, string>, key: string, formError?: string): Html {
  const e = (n: string) => errors.get(n);
  const language = values.language ?? lang;
  const kind = values.kind ?? 'question';
  const main = html`<h1>${t(lang, 'public.title')}</h1>
<p>${t(lang, 'public.intro')}</p>
${formError ? html`<p class="flash flash-error" role="alert">${formError}</p>` : errors.size > 0 ? html`<p class="flash flash-error" role="alert">${t(lang, 'form.fix')}</p>` : ''}
<form method="post" action="/form/feedback" data-form="feedback"${attrs({ novalidate: errors.size > 0 })}>
${csrfField(pageOf(request))}<input type="hidden" name="_key" value="${key}"><input type="hidden" name="lang" value="${lang}">
${field('fb-name', t(lang, 'public.name'), html`<input${attrs({ id: 'fb-name', name: 'name', required: true, maxlength: MAX.name, autocomplete: 'name', value: values.name ?? '', ...aria('fb-name', e('name')) })}>`, e('name'))}
${field('fb-email', t(lang, 'public.email'), html`<input${attrs({ id: 'fb-email', name: 'email', type: 'email', required: true, maxlength: MAX.email, autocomplete: 'email', value: values.email ?? '', ...aria('fb-email', e('email'), true) })}>`, e('email'), t(lang, 'public.email.hint'))}
${field('fb-language', t(lang, 'public.language'), html`<select${attrs({ id: 'fb-language', name: 'language', ...aria('fb-language', e('language')) })}>${LANGS.map((l) => html`<option${attrs({ value: l, selected: l === language, lang: l })}>${t(lang, `lang.${l}`)}</option>`)}</select>`, e('language'))}
<fieldset class="choices"><legend>${t(lang, 'public.kind')}</legend>${(['question', 'proposal'] as const).map(
    (k) => html`<label class="choice"><input${attrs({ type: 'radio', name: 'kind', value: k, checked: k === kind })}> ${t(lang, `public.kind.${k}`)}</label>`,
  )}${e('kind') ? html`<span class="field-error">${e('kind')}</span>` : ''}</fieldset>
${field('fb-text', t(lang, 'public.text'), html`<textarea${attrs({ id: 'fb-text', name: 'text', required: true, maxlength: MAX.text, rows: 8, ...aria('fb-text', e('text')) })}>${values.text ?? ''}</textarea>`, e('text'))}
<p><button type="submit">${t(lang, 'public.submit')}</button></p>
</form>`;
  return shell(lang, t(lang, 'public.title'), main);
}

function receiptPage(lang: Lang, language: Lang, r: Receipt, zone: string): Html {
  const main = html`<h1>${t(lang, 'public.thanks')}</h1>
<div class="receipt" role="status" data-reference="${r.reference}">
<p lang="${language}">${r.message}</p>
<p>${t(lang, 'public.reference', { ref: r.reference })}</p>
<p>${t(lang, 'public.received', { at: formatDateTime(r.receivedAt, zone) })}</p>
${r.reviewLastDay ? html`<p data-review-last-day="${r.reviewLastDay}">${t(lang, 'public.term', { date: formatIsoDate(r.reviewLastDay) })}</p>` : ''}
</div>
<p><a href="/form/feedback?lang=${lang}">${t(lang, 'public.again')}</a></p>`;
  return shell(lang, t(lang, 'public.thanks'), main);
}

/** What the applicant must fix, in the page's language, before asking the intake. */
function check(lang: Lang, f: Filled): Map<string, string> {
  const errors = new Map<string, string>();
  if (!f.name.trim()) errors.set('name', t(lang, 'public.required'));
  else if (f.name.length > MAX.name) errors.set('name', t(lang, 'public.tooLong'));
  if (!f.email.trim()) errors.set('email', t(lang, 'public.required'));
  else if (f.email.length > MAX.email || !EMAIL.test(f.email)) errors.set('email', t(lang, 'public.badEmail'));
  if (!f.text.trim()) errors.set('text', t(lang, 'public.required'));
  else if (f.text.length > MAX.text) errors.set('text', t(lang, 'public.tooLong'));
  return errors;
}

export const publicFormPages: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { lang?: string } }>('/form/feedback', { schema: { hide: true } }, (request, reply) => {
    const lang = langFor(request, request.query.lang);
    return sendHtml(reply, formPage(request, lang, {}, new Map(), randomUUID()));
  });

  app.post<{ Body: FormBody }>('/form/feedback', { schema: { hide: true } }, async (request, reply) => {
    const body = request.body ?? {};
    const lang = langFor(request, one(body.lang));
    const givenKey = one(body._key);
    const key = KEY.test(givenKey) ? givenKey : randomUUID();
    const language = one(body.language);
    const kind = one(body.kind);
    const filled: Filled = {
      name: one(body.name).trim(),
      email: one(body.email).trim(),
      language: isLang(language) ? language : lang,
      kind: kind === 'proposal' ? 'proposal' : 'question',
      text: one(body.text),
    };
    const errors = check(lang, filled);
    if (errors.size > 0) return sendHtml(reply, formPage(request, lang, filled, errors, key), 400);
    const res = await callApi<Receipt>(app, request, {}, { method: 'POST', url: '/intake/feedback', idempotencyKey: key, body: filled });
    if (res.ok) return sendHtml(reply, receiptPage(lang, filled.language, res.body, pageOf(request).zone));
    // What the intake refused that the checks above let through: by the field it names, else for the form.
    const { message } = res.body.error;
    const named = (['name', 'email', 'language', 'kind', 'text'] as const).find((n) => message.startsWith(`body.${n} `));
    if (res.status === 429) void reply.header('retry-after', String(res.headers['retry-after'] ?? 60));
    const fieldErrors = named ? new Map([[named, message]]) : new Map<string, string>();
    return sendHtml(reply, formPage(request, lang, filled, fieldErrors, key, named ? undefined : t(lang, 'public.error', { message })), res.status);
  });
};
