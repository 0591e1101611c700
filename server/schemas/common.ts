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

export const IsoDateSchema = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, a day in Asia/Almaty', examples: ['2025-03-26'] });
export const InstantSchema = Type.String({
  description: 'ISO-8601 instant with an offset or Z',
  examples: ['2025-03-06T10:00:00+05:00'],
});
