/**
 * Corrections without rewriting history (issue 12 §5): the `correct` event supersedes one
 * payload field of an earlier event. The procedure marks which fields may be corrected —
 * `correctable: true` on the field's schema (`Correctable(...)`) — and which roles, besides
 * the one that sent the original, may correct (`correctRoles` of the definition).
 *
 * The machines never see `correct`: the engine (engine/corrections.ts) re-runs the case's
 * history with the corrected value, so every deadline is judged again from the corrected
 * facts, and the history keeps the original event and the correction side by side.
 */
import { Type, type TSchema } from 'typebox';
import { COMMENT_ROLES, NonEmpty } from './events.js';

export const CORRECT_EVENT = 'correct';

/** `{seq, field, value, reason}`: `field` is the payload field, dotted for nested ones (`applicant.email`). */
export const CorrectPayload = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: 'the event whose field is corrected (1: the creation input)' }),
    field: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*$', description: 'the payload field, dotted when nested' }),
    value: Type.Unknown({ description: 'the corrected value (checked against the field\'s schema)' }),
    reason: NonEmpty('why the value is corrected'),
  },
  { additionalProperties: false },
);

/** Anyone who may send events may ask; the engine then checks the original's role and `correctRoles`. */
export const CORRECT_REQUEST_ROLES = COMMENT_ROLES;

/** Marks a field of a payload or input schema as correctable. */
export function Correctable<T extends TSchema>(schema: T): T {
  // A copy with every property descriptor: TypeBox keeps `~kind` and `~refine` (a
  // refinement such as HttpUrlSchema's) non-enumerable, which a spread would drop.
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(schema)) as T & { correctable?: boolean };
  copy.correctable = true;
  return copy;
}

/** The schema of `path` (dotted) inside an object schema, if it is marked correctable. */
export function correctableField(schema: TSchema | undefined, path: string): TSchema | undefined {
  let s: TSchema | undefined = schema;
  for (const part of path.split('.')) {
    const props = (s as { properties?: Record<string, TSchema> } | undefined)?.properties;
    s = props && Object.hasOwn(props, part) ? props[part] : undefined;
    if (!s) return undefined;
  }
  return (s as { correctable?: unknown }).correctable === true ? s : undefined;
}

/** The correctable fields of a schema, dotted (for messages). */
export function correctableFields(schema: TSchema | undefined, prefix = ''): string[] {
  const props = (schema as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {};
  return Object.entries(props).flatMap(([k, s]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [...((s as { correctable?: unknown }).correctable === true ? [path] : []), ...correctableFields(s, path)];
  });
}
