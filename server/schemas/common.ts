import { Type, type TSchemaOptions, type TUnsafe } from 'typebox';
import { API_ERRORS, type ApiErrorCode } from '../errors.js';

/**
 * A union of string literals that keeps its static type: `Type.Union(list.map(Type.Literal))`
 * over an array (not a tuple) is typed `never`, which the route type provider would then
 * demand of handlers. Written as a JSON Schema `enum` rather than an `anyOf` of `const`s:
 * the validator then reports one error with the allowed values (the error handler says
 * `must be one of "a", "b"`) instead of "must be equal to constant" for the first branch.
 */
export function LiteralUnion<const T extends readonly string[]>(values: T, options?: TSchemaOptions): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: LiteralUnion(Object.keys(API_ERRORS) as ApiErrorCode[]),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'Every error: a machine-readable code and a message that says what to fix.' },
);

/** Response entries for the given error codes, grouped by status, for route schemas. */
export function errorResponses(...codes: ApiErrorCode[]): Record<number, unknown> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) {
    const status = API_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, unknown> = {};
  for (const [status, list] of byStatus) {
    out[status] = { ...ErrorSchema, description: list.map((c) => `\`${c}\`: ${API_ERRORS[c].description}`).join(' ') };
  }
  return out;
}

/**
 * The `4xx` entry of a route that raises no client error of its own (`/health`,
 * `/machines`): a request the server cannot read (a malformed request line, headers too
 * large) is refused before it reaches any route, with the API's error body.
 */
export const CLIENT_ERROR_RESPONSE = {
  '4xx': { ...ErrorSchema, description: 'A request the server cannot read (a malformed request line, headers too large), refused before any route.' },
};

/**
 * Dates and instants: the product's one definition (machines/common/events.ts), so the
 * API validates and documents them exactly as the machines check their payloads.
 */
export { InstantSchema, IsoDateSchema } from '../../machines/common/events.js';
