/**
 * Forms generated from the machines' JSON Schemas (`GET /machines/{procedure}`: the input
 * schema and one schema per event), and the way back: an urlencoded form body read into the
 * JSON the API takes. One generator for the action forms of the case page and for the new
 * case forms, so a field added to a machine's schema appears in the pages by itself.
 *
 * Field names are the payload's own (`comment`, `plannedFor`), nested ones dotted
 * (`applicant.name`); every action form also has the envelope's `occurredAt` (a local
 * date-time in the calendar's zone) and `backdatingReason`. Reading a form converts only
 * what HTML cannot say (numbers, booleans, lists, local date-times, empty optional fields
 * left out); whether the values are valid is the API's call, and its errors come back to the
 * fields by their JSON pointer (`errorsByField`).
 */
import { DateTime } from 'luxon';
import { attrs, html, type Html } from './html.js';

/** The part of JSON Schema the machines' schemas use. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  description?: string;
  default?: unknown;
}

export type FormBody = Record<string, string | string[] | undefined>;

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
/** Long texts get a textarea: by name, or by a large allowed length. */
const LONG_TEXT = /(^|\.)(text|body|comment|reason|applicantReason|note|answer|question)$/;

/** The allowed values of an enumeration schema (`anyOf` of consts, or `enum`), else undefined. */
export function enumValues(schema: JsonSchema): string[] | undefined {
  if (schema.enum) return schema.enum.map(String);
  if (schema.anyOf && schema.anyOf.length > 0 && schema.anyOf.every((s) => s.const !== undefined)) return schema.anyOf.map((s) => String(s.const));
  return undefined;
}

function isInstant(schema: JsonSchema): boolean {
  return schema.type === 'string' && (schema.format === 'date-time' || (schema.pattern?.startsWith('^\\d{4}-\\d{2}-\\d{2}T') ?? false));
}
function isDate(schema: JsonSchema): boolean {
  return schema.type === 'string' && (schema.format === 'date' || schema.pattern === DATE_PATTERN);
}

export interface FieldOptions {
  /** The label of a field by its dotted name (fall back to the schema's description, then the name). */
  label(name: string, schema: JsonSchema): string;
  /** The label of an allowed value of a field (a channel, a language). */
  valueLabel?(name: string, value: string): string;
  /** Values to show (a re-rendered form after an error keeps what the person typed). */
  values?: FormBody;
  /** Error messages by dotted field name. */
  errors?: Map<string, string>;
  /** Unique prefix for element ids (several forms on one page). */
  idPrefix: string;
  /** Words for "optional", "not chosen". */
  words: { optional: string; none: string };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describedBy(id: string, hasHint: boolean, hasError: boolean): string | undefined {
  const ids = [hasHint ? `${id}-hint` : '', hasError ? `${id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function field(name: string, schema: JsonSchema, required: boolean, o: FieldOptions): Html {
  const id = `${o.idPrefix}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const label = o.label(name, schema);
  const error = o.errors?.get(name);
  const hint = schema.description && schema.description !== label ? schema.description : undefined;
  const value = o.values?.[name];
  const aria = { 'aria-describedby': describedBy(id, hint !== undefined, error !== undefined), 'aria-invalid': error ? 'true' : undefined };
  const tail = html`${hint ? html`<small id="${id}-hint">${hint}</small>` : ''}${error ? html`<span class="field-error" id="${id}-error">${error}</span>` : ''}`;
  const optional = required ? '' : html` <span class="optional">(${o.words.optional})</span>`;

  if (schema.type === 'object' && schema.properties) {
    return html`<fieldset class="group"><legend>${label}${optional}</legend>${fieldsOf(schema, o, `${name}.`)}${tail}</fieldset>`;
  }
  if (schema.type === 'array' && schema.items) {
    const options = enumValues(schema.items);
    if (options) {
      const chosen = new Set(Array.isArray(value) ? value : value !== undefined ? [value] : []);
      return html`<fieldset class="choices"${attrs(aria)}><legend>${label}${optional}</legend>${options.map(
        (v, i) =>
          html`<label class="choice"><input type="checkbox"${attrs({ name, value: v, id: `${id}-${i}`, checked: chosen.has(v) })}> ${o.valueLabel?.(name, v) ?? v}</label>`,
      )}${tail}</fieldset>`;
    }
    // A list of free values: one per line.
    const text = Array.isArray(value) ? value.join('\n') : (value ?? '');
    return html`<p><label for="${id}">${label}${optional}</label><textarea${attrs({ id, name, required, ...aria })}>${text}</textarea>${tail}</p>`;
  }
  const options = enumValues(schema);
  if (options) {
    const v = first(value) ?? (schema.default !== undefined ? String(schema.default) : undefined);
    return html`<p><label for="${id}">${label}${optional}</label><select${attrs({ id, name, required, ...aria })}>
${required && v !== undefined ? '' : html`<option value="">${o.words.none}</option>`}${options.map((x) => html`<option${attrs({ value: x, selected: x === v })}>${o.valueLabel?.(name, x) ?? x}</option>`)}</select>${tail}</p>`;
  }
  if (schema.type === 'boolean') {
    return html`<p><label class="choice"><input type="checkbox"${attrs({ id, name, value: 'true', checked: first(value) === 'true', ...aria })}> ${label}</label>${tail}</p>`;
  }
  const v = first(value) ?? '';
  if (schema.type === 'integer' || schema.type === 'number') {
    return html`<p><label for="${id}">${label}${optional}</label><input${attrs({ id, name, type: 'number', required, value: v, min: schema.minimum, max: schema.maximum, step: schema.type === 'integer' ? 1 : 'any', ...aria })}>${tail}</p>`;
  }
  if (isDate(schema)) {
    return html`<p><label for="${id}">${label}${optional}</label><input${attrs({ id, name, type: 'date', required, value: v, ...aria })}>${tail}</p>`;
  }
  if (isInstant(schema)) {
    return html`<p><label for="${id}">${label}${optional}</label><input${attrs({ id, name, type: 'datetime-local', required, value: v, ...aria })}>${tail}</p>`;
  }
  if (LONG_TEXT.test(name) || (schema.maxLength ?? 0) > 20_000) {
    return html`<p><label for="${id}">${label}${optional}</label><textarea${attrs({ id, name, required, maxlength: schema.maxLength, ...aria })}>${v}</textarea>${tail}</p>`;
  }
  const type = schema.format === 'email' || /(^|\.)email$/.test(name) ? 'email' : /(^|\.)url$/.test(name) ? 'url' : 'text';
  return html`<p><label for="${id}">${label}${optional}</label><input${attrs({ id, name, type, required, value: v, maxlength: schema.maxLength, ...aria })}>${tail}</p>`;
}

/** The fields of an object schema (its properties in schema order). */
export function fieldsOf(schema: JsonSchema, o: FieldOptions, prefix = ''): Html {
  const required = new Set(schema.required ?? []);
  return html`${Object.entries(schema.properties ?? {}).map(([k, s]) => field(`${prefix}${k}`, s, required.has(k), o))}`;
}

/** A local date-time of a `datetime-local` field (`2025-03-06T10:00`) as an instant with the zone's offset. */
export function localToInstant(value: string, zone: string): string | undefined {
  const dt = DateTime.fromISO(value, { zone });
  return dt.isValid ? (dt.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
}

/** An instant as the value of a `datetime-local` field in `zone`. */
export function instantToLocal(instant: string, zone: string): string {
  return DateTime.fromISO(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/**
 * Reads the fields of `schema` from a form body into the JSON the API takes. Empty optional
 * fields are left out; a required one left empty is sent empty, for the API to say what is
 * missing. Unknown form fields are not carried over (they are not the person's to add).
 */
export function readForm(schema: JsonSchema, body: FormBody, zone: string, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${k}`;
    if (s.type === 'object' && s.properties) {
      const inner = readForm(s, body, zone, `${name}.`);
      if (Object.keys(inner).length > 0 || required.has(k)) out[k] = inner;
      continue;
    }
    const raw = body[name];
    if (s.type === 'array') {
      const list = (Array.isArray(raw) ? raw : raw !== undefined ? (enumValues(s.items ?? {}) ? [raw] : raw.split(/\r?\n/)) : [])
        .map((x) => x.trim())
        .filter((x) => x.length > 0);
      if (list.length > 0 || required.has(k)) out[k] = list;
      continue;
    }
    if (s.type === 'boolean') {
      if (raw !== undefined) out[k] = first(raw) === 'true';
      continue;
    }
    const v = (first(raw) ?? '').trim();
    if (v === '') {
      if (required.has(k)) out[k] = '';
      continue;
    }
    if (s.type === 'integer' || s.type === 'number') out[k] = Number.isFinite(Number(v)) ? Number(v) : v;
    else if (isInstant(s) && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) out[k] = localToInstant(v, zone) ?? v;
    else out[k] = v;
  }
  return out;
}

/**
 * The API's validation errors (`details.errors[].path`, a JSON pointer into the payload) by
 * dotted field name; a missing required property (reported at its parent) goes to that
 * property. Errors that name no field stay with the form (`form`).
 */
export function errorsByField(details: Record<string, unknown> | undefined, message: string): { fields: Map<string, string>; form?: string } {
  const fields = new Map<string, string>();
  const list = Array.isArray(details?.errors) ? (details.errors as { path?: string; message?: string }[]) : [];
  let form: string | undefined;
  for (const e of list) {
    const path = (e.path ?? '/').replace(/^\//, '').split('/').filter(Boolean).join('.');
    const missing = /required propert(?:y|ies) (\w+)/.exec(e.message ?? '');
    const name = missing ? (path ? `${path}.${missing[1]}` : missing[1]!) : path;
    if (name) fields.set(name, e.message ?? message);
    else form = e.message ?? message;
  }
  return { fields, ...(list.length === 0 || form ? { form: form ?? message } : {}) };
}

/** The envelope's fields, asked by every action and creation form next to the payload's. */
export const ENVELOPE_FIELDS = ['occurredAt', 'backdatingReason'] as const;

/**
 * The envelope of an action or creation form: `occurredAt` (a local date-time read in the
 * calendar's zone; a value that is no local date-time goes as typed, for the API to name what
 * is wrong with it) and `backdatingReason`; empty fields are left out.
 */
export function readEnvelope(form: FormBody, zone: string): { occurredAt?: string; backdatingReason?: string } {
  const occurredAt = (first(form.occurredAt) ?? '').trim();
  const reason = (first(form.backdatingReason) ?? '').trim();
  return {
    ...(occurredAt ? { occurredAt: localToInstant(occurredAt, zone) ?? occurredAt } : {}),
    ...(reason ? { backdatingReason: reason } : {}),
  };
}

/**
 * An API error placed at the fields of a form (`names`: its dotted field names, the envelope's
 * included): the validation errors by their JSON pointer (`errorsByField`); else the field the
 * engine names in `details.field` (the envelope's and the engine's own checks); else a field a
 * machine's refusal names in quotes (`Send "days" ≤ 10.`); else the form's own error.
 */
export function placeErrors(error: { message: string; details?: Record<string, unknown> }, names: readonly string[]): { fields: Map<string, string>; form?: string } {
  const placed = errorsByField(error.details, error.message);
  if (placed.fields.size > 0 || !placed.form) return placed;
  const given = typeof error.details?.field === 'string' ? error.details.field : undefined;
  const named =
    (given !== undefined && names.includes(given) ? given : undefined) ??
    [...error.message.matchAll(/"([A-Za-z][\w.]{0,63})"/g)].map((m) => m[1]!).find((n) => names.includes(n));
  return named ? { fields: new Map([[named, error.message]]) } : placed;
}

/** The dotted names of an object schema's fields, nested objects' fields included. */
export function fieldNames(schema: JsonSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, s]) => [`${prefix}${k}`, ...(s.type === 'object' ? fieldNames(s, `${prefix}${k}.`) : [])]);
}

