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

/**
 * The one date and instant schemas of the product: machine payloads, the HTTP API
 * (server/schemas/common.ts re-exports them) and the OpenAPI document use these. The
 * pattern is the shape only; the calendar's parsers (calendars/dates.ts) also refuse
 * impossible days such as 2025-02-30.
 */
export const IsoDateSchema = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'YYYY-MM-DD, a day in Asia/Almaty',
  examples: ['2025-03-26'],
});
export const InstantSchema = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO-8601 instant with an offset or Z',
  examples: ['2025-03-06T10:00:00+05:00'],
});
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
