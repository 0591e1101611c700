/**
 * The API's coded errors. Every 4xx/5xx body is `{ error: { code, message, details? } }`;
 * the code is the machine-readable part, the message says what to fix.
 */
export const API_ERRORS = {
  invalid_request: { status: 400, description: 'The request is malformed or a field is invalid; the message names the field.' },
  unauthorized: { status: 401, description: 'No bearer token, or an unknown one.' },
  forbidden: { status: 403, description: 'The caller has no role that may do this.' },
  not_found: { status: 404, description: 'No such route, case, procedure or calendar.' },
  event_not_allowed: { status: 409, description: 'The case\'s current state does not accept this event; `details.allowed` lists what it accepts.' },
  version_conflict: { status: 409, description: 'If-Match named a stale seq; reload the case and retry.' },
  idempotency_key_reused: { status: 422, description: 'The Idempotency-Key was already used for a different request.' },
  payload_too_large: { status: 413, description: 'The body is over the size limit.' },
  unsupported_media_type: { status: 415, description: 'The body is not application/json.' },
  calendar_year_unknown: { status: 422, description: 'The calendar has no data for a year the computation needs.' },
  rate_limited: { status: 429, description: 'Too many requests from this address; retry after the time given.' },
  storage_unavailable: { status: 503, description: 'The database cannot be written (disk full, read-only); nothing was stored.' },
  storage_busy: { status: 503, description: 'Another process held the database longer than the busy timeout; nothing was stored, retry shortly.' },
  internal_error: { status: 500, description: 'A bug. Nothing is partially written; the request id is in the logs.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = API_ERRORS[code].status;
  }
}

export function errorBody(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
