import { Type } from 'typebox';
import { API_ERRORS, type ApiErrorCode } from '../errors.js';

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(Object.keys(API_ERRORS).map((code) => Type.Literal(code))),
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
 * Dates and instants: the product's one definition (machines/common/events.ts), so the
 * API validates and documents them exactly as the machines check their payloads.
 */
export { InstantSchema, IsoDateSchema } from '../../machines/common/events.js';
