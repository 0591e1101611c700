/** The engine's error codes and their HTTP statuses (the server serialises `{error: {code, message}}`). */
export const ENGINE_ERROR_STATUS = {
  invalid_request: 400,
  forbidden: 403,
  not_found: 404,
  event_not_allowed: 409,
  version_conflict: 409,
  idempotency_key_reused: 422,
  calendar_year_unknown: 422,
  storage_unavailable: 503,
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

const STORAGE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

/** Maps a driver failure (disk full, I/O error, lock timeout) to `storage_unavailable`; other errors pass through. */
export function toStorageError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && STORAGE_CODES.test(code)) {
    return new EngineError('storage_unavailable', `storage unavailable: ${code}`, { cause: code });
  }
  if (e instanceof Error && /database connection is not open|driver has already been destroyed/i.test(e.message)) {
    return new EngineError('storage_unavailable', 'storage unavailable: the database is closed');
  }
  return e;
}
