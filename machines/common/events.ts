/**
 * Event shapes shared by every procedure: the envelope the runtime hands to a machine,
 * the `comment` / `deadline_missed` events every procedure accepts, and the internal
 * deadline operations an invoked child (P2, P5) sends to its parent, which owns
 * `context.deadlines`.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { ROLES, type EventMeta, type Role } from '../contract.js';

/** An event as a machine sees it: the contract's `{type, payload} & EventMeta`. */
export type Envelope<T extends string, P> = { type: T; payload: P } & EventMeta;

/** Maps `{type: payloadSchema}` to the union of envelopes. */
export type EnvelopesOf<S extends Record<string, TSchema>> = {
  [K in keyof S & string]: Envelope<K, Static<S[K]>>;
}[keyof S & string];

const INSTANT_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DATE_PARTS = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether year-month-day names a day of the Gregorian calendar (pure arithmetic: machines/ reads no Date). */
function realDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

/**
 * The one "is a real instant" check: the shape of InstantSchema (seconds and up to nine
 * fraction digits optional, an offset or Z required) and components that exist — no
 * 2026-02-30, no 24:00, no second 60, no offset hour over 23. `Date.parse` alone is not
 * enough: it rolls 2026-02-30 over to 2 March. Used by InstantSchema and by the engine's
 * `normalizeInstant` (occurredAt).
 */
export function isRealInstant(value: string): boolean {
  const m = INSTANT_PARTS.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s, oh, om] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  return realDay(y!, mo!, d!) && h! <= 23 && mi! <= 59 && s! <= 59 && oh! <= 23 && om! <= 59;
}

/** The one "is a real day" check of IsoDateSchema (YYYY-MM-DD that exists). */
export function isRealDate(value: string): boolean {
  const m = DATE_PARTS.exec(value);
  return m !== null && realDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * The one date and instant schemas of the product: machine payloads, the HTTP API
 * (server/schemas/common.ts re-exports them) and the OpenAPI document use these. The
 * pattern is the shape (all that Fastify's validator and the OpenAPI see); the refinement
 * (a TypeBox `~refine`, checked by the engine's validation of payloads and inputs) refuses
 * impossible values such as 2025-02-30, as the calendar's parsers (calendars/dates.ts) do.
 */
export const IsoDateSchema = Type.Refine(
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    description: 'YYYY-MM-DD, a day in Asia/Almaty',
    examples: ['2025-03-26'],
  }),
  isRealDate,
  (v) => `${JSON.stringify(v)} is not a real day (YYYY-MM-DD, e.g. 2025-03-26)`,
);
export const InstantSchema = Type.Refine(
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$',
    description: 'ISO-8601 instant with an offset or Z',
    examples: ['2025-03-06T10:00:00+05:00'],
  }),
  isRealInstant,
  (v) => `${JSON.stringify(v)} is not a real instant (no such day or time); e.g. 2025-03-06T10:00:00+05:00`,
);

/** Where something was posted: an absolute http(s) URL with a host (the `post` events of P1 and P4). */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
export const HttpUrlSchema = (description: string) =>
  Type.Refine(
    Type.String({ minLength: 1, maxLength: 2000, description: `${description}: an absolute http(s) URL`, examples: ['https://qazindustry.gov.kz/news/1'] }),
    isHttpUrl,
    (v) => `${JSON.stringify(v)} is not an absolute http(s) URL, e.g. https://qazindustry.gov.kz/news/1`,
  );
export const LanguageSchema = Type.Union([Type.Literal('ru'), Type.Literal('kk'), Type.Literal('en')]);
export const NonEmpty = (description?: string) => Type.String({ minLength: 1, ...(description ? { description } : {}) });

export const CommentPayload = Type.Object({ text: NonEmpty('the comment') });

/** `deadline_missed` restricted to a procedure's deadline keys. */
export function deadlineMissedPayload<K extends string>(keys: readonly K[]) {
  // A union built from an array has no tuple type; `Unsafe` restores the static type `K`.
  return Type.Object({ key: Type.Unsafe<K>(Type.Union(keys.map((k) => Type.Literal(k)))) });
}

/** Every role that may comment: all but `auditor` and `system` (derived from `ROLES`). */
export const COMMENT_ROLES = ROLES.filter(
  (r): r is Exclude<Role, 'auditor' | 'system'> => r !== 'auditor' && r !== 'system',
);

/** `comment` and `deadline_missed` as machine events. */
export type CommonEvent =
  | Envelope<'comment', { text: string }>
  | Envelope<'deadline_missed', { key: string }>;
