/**
 * The checks every command passes before the machine sees it: the actor, the payload's
 * schema, and the `occurredAt` rules of PROCEDURES.md "Time". Each failure is an
 * `invalid_request` whose message says what to fix.
 */
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { Value } from 'typebox/value';
import { isRealInstant } from '../machines/common/events.js';
import { ROLES, type Actor, type EventMeta, type ProcedureModule, type StepResult } from '../machines/contract.js';
import type { BusinessCalendar } from '../calendars/types.js';
import { checkBackdating, type BackdatingLimit } from './backdating.js';
import { EngineError } from './errors.js';
import { checkPartUnit, checkUnitAccess, checkUnitPayload, type UnitDirectory, type UnitOfCase } from './units.js';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an instant with an explicit offset (or Z) to UTC ISO, or throws `invalid_request`.
 * Its components must exist (`isRealInstant`, the check of the payloads' InstantSchema):
 * `Date.parse` would read 2026-02-30 as 2 March.
 */
export function normalizeInstant(value: unknown, field: string): string {
  if (typeof value !== 'string' || !INSTANT.test(value)) {
    throw new EngineError('invalid_request', `${field} must be an ISO-8601 instant with an offset or Z, e.g. 2025-03-06T10:00:00+05:00`, {
      field,
    });
  }
  const t = Date.parse(value);
  if (!isRealInstant(value) || Number.isNaN(t)) {
    throw new EngineError('invalid_request', `${field} is not a valid instant: ${value}`, { field });
  }
  return new Date(t).toISOString();
}

/** How deep a creation input or event payload may nest (objects and arrays); the payloads need 3. */
export const MAX_DEPTH = 32;

/**
 * Refuses a value nested deeper than `MAX_DEPTH`, before any other work on it: the
 * idempotency hash, the schema's error listing and the event hash all walk the value
 * recursively, and a body nested 5,000 deep overflowed the stack there (a 500). Iterative,
 * so the check itself cannot overflow.
 */
export function checkDepth(value: unknown, what: string, max = MAX_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) throw new EngineError('invalid_request', `${what} is nested deeper than ${max} levels (objects and arrays); no input or event needs more than a few`, { maxDepth: max });
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** Optimal-string-alignment distance (a swap of two neighbours counts 1: "emial" → "email"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `name` if it is close (at most 2 edits, fewer than half its length), else undefined. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = editDistance(name.toLowerCase(), k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= 2 && bestDistance * 2 < Math.max(name.length, best.length) ? best : undefined;
}

/**
 * The occurredAt of a staff command: given (never later than the server time, never
 * earlier than the case's previous staff event) or, when absent, the server time (kept
 * after the previous staff event even if the clock went back).
 */
export function resolveOccurredAt(given: string | undefined, recordedAt: string, lowerBound: string | null): string {
  if (given === undefined) return lowerBound !== null && lowerBound > recordedAt ? lowerBound : recordedAt;
  const occurredAt = normalizeInstant(given, 'occurredAt');
  if (occurredAt > recordedAt) {
    throw new EngineError('invalid_request', `occurredAt ${given} is later than the server time ${recordedAt}`, { field: 'occurredAt' });
  }
  if (lowerBound !== null && occurredAt < lowerBound) {
    throw new EngineError('invalid_request', `occurredAt ${given} is earlier than the previous staff event of the case (${lowerBound}): events are dated in the order they happened`, {
      field: 'occurredAt',
      notBefore: lowerBound,
    });
  }
  return occurredAt;
}

/** What the back-dating rules need: the calendar (working days) and the deployment's limit. */
export interface BackdatingPolicy {
  calendar: BusinessCalendar;
  limit: BackdatingLimit;
}

/**
 * The time of a staff command: its occurredAt (resolveOccurredAt) and the back-dating
 * rules (engine/backdating.ts); the reason to store, or null. System commands are dated
 * by the engine or the public intake and are not judged.
 */
export function resolveStaffTime(
  given: string | undefined,
  recordedAt: string,
  lowerBound: string | null,
  reason: unknown,
  staff: boolean,
  policy: BackdatingPolicy,
): { occurredAt: string; backdatingReason: string | null } {
  const occurredAt = resolveOccurredAt(given, recordedAt, lowerBound);
  if (!staff) {
    if (reason !== undefined) throw new EngineError('invalid_request', 'backdatingReason is for staff events only', { field: 'backdatingReason' });
    return { occurredAt, backdatingReason: null };
  }
  return { occurredAt, backdatingReason: checkBackdating(policy.calendar, policy.limit, occurredAt, recordedAt, reason) };
}

/**
 * The creation's receipt: `input.receivedAt` is another name for the creation's
 * occurredAt (PROCEDURES.md "Time"). Both given and different → `invalid_request`.
 * Returns the occurredAt to judge and the input to store, without `receivedAt`: the
 * record keeps the receipt once, as the event's occurredAt (the machines read
 * `input.receivedAt ?? occurredAt`, so cases stored with both replay the same).
 */
export function receiptOf(
  input: Record<string, unknown>,
  occurredAt: string | undefined,
): { occurredAt: string | undefined; input: Record<string, unknown> } {
  if (!Object.hasOwn(input, 'receivedAt')) return { occurredAt, input };
  const { receivedAt, ...rest } = input;
  const received = normalizeInstant(receivedAt, 'input.receivedAt');
  if (occurredAt !== undefined && normalizeInstant(occurredAt, 'occurredAt') !== received) {
    throw new EngineError(
      'invalid_request',
      `input.receivedAt (${String(receivedAt)}) and occurredAt (${occurredAt}) both name the receipt and differ: send one of them`,
      { field: 'input.receivedAt' },
    );
  }
  return { occurredAt: received, input: rest };
}

export function checkActor(actor: Actor): void {
  if (!actor || typeof actor.name !== 'string' || actor.name.length === 0 || !(ROLES as readonly string[]).includes(actor.role)) {
    throw new EngineError('invalid_request', 'the actor must have a name and a known role');
  }
  if (actor.units !== undefined && (!Array.isArray(actor.units) || !actor.units.every((u) => typeof u === 'string'))) {
    throw new EngineError('invalid_request', 'the actor\'s units must be a list of unit names');
  }
}

/** Compiled validators per schema object; schemas are module constants, so this stays small. */
const validators = new WeakMap<TSchema, Validator>();

/** The schema node at a TypeBox error's `schemaPath` (`#/properties/kind/anyOf/0`), or undefined. */
function schemaAt(schema: TSchema, pointer: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

/** The allowed values of a union of literals (`anyOf` of `const`s) or an `enum`, or undefined. */
function allowedValues(node: Record<string, unknown> | undefined): unknown[] | undefined {
  if (!node) return undefined;
  if (Array.isArray(node.enum)) return node.enum;
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  if (!branches.every((b) => b !== null && typeof b === 'object' && 'const' in b)) return undefined;
  return branches.map((b) => (b as { const: unknown }).const);
}

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  message: string;
  params: unknown;
}

/**
 * TypeBox lists a value outside a union of literals once per branch ("must be equal to
 * constant" ×n, then "must match a schema in anyOf"); these become one error listing the
 * allowed values, at the union's place.
 */
function collapseUnions(schema: TSchema, errors: SchemaError[]): SchemaError[] {
  const out: SchemaError[] = [];
  const done = new Set<string>();
  for (const e of errors) {
    const m = /^(.*)\/anyOf\/\d+$/.exec(e.schemaPath);
    const base = e.keyword === 'anyOf' ? e.schemaPath : m?.[1];
    const values = base !== undefined ? allowedValues(schemaAt(schema, base)) : undefined;
    if (base === undefined || values === undefined) {
      out.push(e);
      continue;
    }
    const key = `${e.instancePath}\u0000${base}`;
    if (done.has(key)) continue;
    done.add(key);
    out.push({ keyword: 'enum', schemaPath: base, instancePath: e.instancePath, message: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, params: { allowedValues: values } });
  }
  return out;
}

/**
 * Path-precise schema errors: `invalid_request` with "input/applicant/email: must match
 * format…", "input/applicant: unknown field "emial"; did you mean "email"?" or
 * "input/kind: must be one of "question", "proposal"".
 */
export function checkSchema(schema: TSchema, value: unknown, what: string): void {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema) as unknown as Validator;
    validators.set(schema, validator);
  }
  // The compiled check is the hot path; the (slower) error listing runs only on failure.
  if (validator.Check(value)) return;
  const listed = [...Value.Errors(schema, value)]
    // "schema is false" duplicates the additionalProperties error with a worse message.
    .filter((e) => !(e.keyword === 'boolean' && e.message === 'schema is false')) as SchemaError[];
  // An unknown field first: a typo ("emial") is also reported as the missing field it
  // meant, and the unknown one, with its nearest known name, says what to fix.
  const errors = collapseUnions(schema, listed)
    .sort((a, b) => Number(b.keyword === 'additionalProperties') - Number(a.keyword === 'additionalProperties'))
    .slice(0, 10)
    .map((e) => ({ path: e.instancePath === '' ? '/' : e.instancePath, message: describe(schema, e), ...unknownFields(schema, e) }));
  const first = errors[0];
  throw new EngineError(
    'invalid_request',
    first ? `${what}${first.path === '/' ? '' : first.path}: ${first.message}` : `${what} is invalid`,
    { errors },
  );
}

/** For an unknown-field error: the fields, and the nearest known one of each (when one is close). */
function unknownFields(schema: TSchema, e: SchemaError): { unknown?: string[]; suggestions?: Record<string, string> } {
  const p = e.params as Record<string, unknown>;
  if (e.keyword !== 'additionalProperties' || !Array.isArray(p.additionalProperties)) return {};
  const node = schemaAt(schema, e.schemaPath);
  const known = node && node.properties && typeof node.properties === 'object' ? Object.keys(node.properties) : [];
  const unknown = p.additionalProperties.map(String);
  const suggestions: Record<string, string> = {};
  for (const f of unknown) {
    const near = nearest(f, known);
    if (near !== undefined) suggestions[f] = near;
  }
  return Object.keys(suggestions).length > 0 ? { unknown, suggestions } : { unknown };
}

function describe(schema: TSchema, e: SchemaError): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required' && Array.isArray(p.requiredProperties)) return `must have required properties ${p.requiredProperties.join(', ')}`;
  const fields = unknownFields(schema, e);
  if (fields.unknown) {
    const hint = (f: string) => (fields.suggestions?.[f] !== undefined ? `did you mean ${JSON.stringify(fields.suggestions[f])}?` : '');
    if (fields.unknown.length === 1) {
      const f = fields.unknown[0]!;
      return `unknown field ${JSON.stringify(f)}${hint(f) ? `; ${hint(f)}` : ''}`;
    }
    return `unknown fields ${fields.unknown.map((f) => (hint(f) ? `${JSON.stringify(f)} (${hint(f)})` : JSON.stringify(f))).join(', ')}`;
  }
  return e.message;
}

/** An object payload or input, or `invalid_request` naming `what`. */
export function checkObject(value: unknown, what: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EngineError('invalid_request', `${what} must be an object`);
}

/** Runs the machine; a calendar that does not know a year becomes `calendar_year_unknown`, a bad date `invalid_request`. */
export function callMachine<T = StepResult>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'calendar_year_unknown') {
      throw new EngineError('calendar_year_unknown', e instanceof Error ? e.message : 'calendar year unknown', {
        ...((e as { details?: Record<string, unknown> }).details ?? {}),
      });
    }
    if (code === 'invalid_date' || code === 'invalid_instant' || code === 'invalid_amount') {
      throw new EngineError('invalid_request', e instanceof Error ? e.message : String(code));
    }
    throw e;
  }
}

/**
 * The checks of a staff or system event on a case, in the order that decides what the
 * caller learns: a stale `If-Match` first, then whether the procedure has the event at all
 * (400), then the role (403: a caller who may not send it learns nothing of its schema),
 * then the unit (403 `not_your_unit`: engine/units.ts), then the payload (with a configured
 * `unit`) and the occurredAt and back-dating rules. Returns the event's meta and the
 * back-dating reason to store. Whether the current
 * state accepts the event is the machine's answer, not checked here.
 */
export function checkEvent(
  module: ProcedureModule,
  row: { procedure: string; seq: number; lastStaffOccurredAt: string | null } & UnitOfCase,
  e: { type: string; occurredAt?: string; backdatingReason?: string },
  payload: unknown,
  o: { actor: Actor; expectedSeq?: number },
  recordedAt: string,
  backdating: BackdatingPolicy,
  units?: UnitDirectory,
): { meta: EventMeta; backdatingReason: string | null } {
  if (o.expectedSeq !== undefined && o.expectedSeq !== row.seq) {
    throw new EngineError('version_conflict', `the case is at seq ${row.seq}, not ${o.expectedSeq}; reload it and retry`, {
      expectedSeq: o.expectedSeq,
      currentSeq: row.seq,
    });
  }
  if (typeof e.type !== 'string' || !Object.hasOwn(module.eventSchemas, e.type)) {
    const events = Object.keys(module.eventSchemas);
    const near = typeof e.type === 'string' ? nearest(e.type, events) : undefined;
    throw new EngineError(
      'invalid_request',
      `procedure ${row.procedure} has no event '${String(e.type)}'${near ? ` (did you mean '${near}'?)` : ''}; its events are: ${events.join(', ')}`,
      { events, ...(near ? { suggestion: near } : {}) },
    );
  }
  const roles = module.eventRoles[e.type] ?? [];
  if (!roles.includes(o.actor.role)) {
    throw new EngineError('forbidden', `role ${o.actor.role} may not send ${e.type}; it is sent by: ${roles.join(', ')}`, { roles });
  }
  checkUnitAccess(row, e.type, o.actor, units, module);
  checkObject(payload, 'the payload');
  checkSchema(module.eventSchemas[e.type]!, payload, e.type);
  checkUnitPayload(module, e.type, payload, row, units);
  checkPartUnit(module, e.type, payload, o.actor, units);
  const staff = o.actor.role !== 'system';
  const { occurredAt, backdatingReason } = resolveStaffTime(
    e.occurredAt,
    recordedAt,
    staff ? row.lastStaffOccurredAt : null,
    e.backdatingReason,
    staff,
    backdating,
  );
  return { meta: { occurredAt, recordedAt, actor: { name: o.actor.name, role: o.actor.role } }, backdatingReason };
}
