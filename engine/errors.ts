import { StorageError } from '../storage/index.js';

/** The engine's error codes and their HTTP statuses (the server serialises `{error: {code, message}}`). */
export const ENGINE_ERROR_STATUS = {
  invalid_request: 400,
  forbidden: 403,
  not_your_unit: 403,
  not_found: 404,
  event_not_allowed: 409,
  version_conflict: 409,
  idempotency_key_reused: 422,
  calendar_year_unknown: 422,
  /** No signed checkpoint covers the log entry yet (engine/ledger/checkpoints.ts). */
  not_checkpointed: 409,
  /** The engine was started without a ledger key: it cannot sign checkpoints. */
  ledger_key_missing: 503,
  storage_unavailable: 503,
  storage_busy: 503,
} as const;
export type EngineErrorCode = keyof typeof ENGINE_ERROR_STATUS;

/** A coded, expected failure of a command. Anything else thrown by the engine is a bug (500). */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly status: number;
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ENGINE_ERROR_STATUS[code];
  }
  toJSON(): { code: EngineErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/**
 * A storage failure (classified by the storage adapter) as the engine's error; anything
 * else passes through unchanged (an EngineError stays as it is, a bug stays a bug).
 */
export function toEngineError(e: unknown): unknown {
  if (e instanceof StorageError) {
    return new EngineError(e.code, e.message, e.driverCode !== undefined ? { cause: e.driverCode } : {});
  }
  return e;
}
