/**
 * The API's coded errors. Every 4xx/5xx body is `{ error: { code, message, details? } }`;
 * the code is the machine-readable part, the message says what to fix.
 *
 * One table: the engine's codes keep the status the engine gives them
 * (`ENGINE_ERROR_STATUS`, engine/errors.ts); the server adds only the description a
 * caller reads in the OpenAPI document. A new engine code is a compile error here until it
 * has a description. Codes only the HTTP layer raises (authentication, limits, media type,
 * the catch-all 500) are listed with their own status.
 */
import { ENGINE_ERROR_STATUS, type EngineErrorCode } from '../engine/errors.js';

interface ErrorEntry {
  readonly status: number;
  readonly description: string;
}

/** What each engine code means to an API caller. */
const ENGINE_ERROR_DESCRIPTIONS: Record<EngineErrorCode, string> = {
  invalid_request: 'The request is malformed or a field is invalid; the message names the field.',
  forbidden: 'The caller has no role that may do this (or the case is taken by another person of the unit).',
  not_your_unit: 'A unit user acts only on cases assigned to one of their units; `details.unit` is the case\'s unit, `details.units` the caller\'s.',
  not_found: 'No such route, case, procedure or calendar.',
  event_not_allowed: 'The case\'s current state does not accept this event; `details.allowed` lists what it accepts.',
  version_conflict: 'If-Match named a stale seq; reload the case and retry.',
  idempotency_key_reused: 'The Idempotency-Key was already used for a different request.',
  calendar_year_unknown: 'The calendar has no data for a year the computation needs.',
  storage_unavailable: 'The database cannot be written (disk full, read-only); nothing was stored.',
  storage_busy: 'Another process held the database longer than the busy timeout; nothing was stored, retry shortly.',
  not_checkpointed: 'No signed checkpoint covers the log entry yet: have one signed (`POST /ledger/checkpoints`) or give `treeSize`.',
  ledger_key_missing: 'The server has no ledger key (LEDGER_KEY_FILE), so it cannot sign checkpoints.',
};

/** Codes the HTTP layer alone raises; none may reuse an engine code (that would be a second status). */
const HTTP_ERRORS = {
  unauthorized: { status: 401, description: 'No bearer token, or an unknown one.' },
  payload_too_large: { status: 413, description: 'The body is over the size limit.' },
  unsupported_media_type: { status: 415, description: 'The body is not application/json.' },
  rate_limited: { status: 429, description: 'Too many requests: intake submissions or failed authentications from this address, or writes by this user; retry after `Retry-After` seconds.' },
  internal_error: { status: 500, description: 'A bug. Nothing is partially written; the request id is in the logs.' },
} as const satisfies Record<string, ErrorEntry> & Partial<Record<EngineErrorCode, never>>;

export type ApiErrorCode = EngineErrorCode | keyof typeof HTTP_ERRORS;

const engineEntries = (Object.keys(ENGINE_ERROR_STATUS) as EngineErrorCode[]).map(
  (code) => [code, { status: ENGINE_ERROR_STATUS[code], description: ENGINE_ERROR_DESCRIPTIONS[code] }] as const,
);

/**
 * Every code with its status and description, ordered by status (the order of the table
 * in the OpenAPI description and of the code enum in the error schema).
 */
export const API_ERRORS: Readonly<Record<ApiErrorCode, ErrorEntry>> = Object.fromEntries(
  [...engineEntries, ...Object.entries(HTTP_ERRORS)].sort(([, a], [, b]) => a.status - b.status),
) as Record<ApiErrorCode, ErrorEntry>;

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
