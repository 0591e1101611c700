/**
 * The pages call the JSON API, not the engine: a page is a view of the API's answer and a
 * form is one API request, so the same role checks, read access and read log, unit rules,
 * If-Match, idempotency, rate limits and error codes apply by construction, with no second
 * path for commands. The call is in-process (`app.inject`): no socket, no second
 * authentication of the person: the session credential (`Authorization: Session <id>`,
 * server/plugins/authenticate.ts) and the acting role the person picked travel with it, and
 * the browser's address stays the request's address (rate limits key on it).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export type ApiAnswer<T> = { ok: true; status: number; body: T; headers: Record<string, unknown> } | { ok: false; status: number; body: ApiErrorBody; headers: Record<string, unknown> };

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  idempotencyKey?: string;
  /** The seq the person saw (If-Match). */
  ifMatch?: number;
}

export interface Caller {
  sessionId?: string;
  role?: string;
}

export async function callApi<T>(app: FastifyInstance, request: FastifyRequest, caller: Caller, call: ApiCall): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (caller.sessionId) headers.authorization = `Session ${caller.sessionId}`;
  if (caller.role) headers['x-acting-role'] = caller.role;
  if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
  if (call.ifMatch !== undefined) headers['if-match'] = `"${call.ifMatch}"`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.inject({
    method: call.method,
    url: call.url,
    headers,
    remoteAddress: request.ip,
    ...(call.body !== undefined ? { payload: JSON.stringify(call.body) } : {}),
  });
  // JSON answers parsed; a text answer (a PEM key, a signed note) as its text.
  const json = String(res.headers['content-type'] ?? 'application/json').includes('json');
  const body: unknown = res.body.length > 0 ? (json || res.statusCode >= 400 ? JSON.parse(res.body) : res.body) : undefined;
  if (res.statusCode >= 400) {
    const err = body as Partial<ApiErrorBody> | undefined;
    const error = err?.error ?? { code: 'unexpected', message: `HTTP ${res.statusCode}` };
    return { ok: false, status: res.statusCode, body: { error }, headers: res.headers };
  }
  return { ok: true, status: res.statusCode, body: body as T, headers: res.headers };
}

/** Query string from defined values (arrays repeat the key). */
export function query(params: Record<string, string | number | boolean | undefined | readonly string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
