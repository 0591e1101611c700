/**
 * Security headers on every answer, and the request id a caller may choose.
 *
 * The headers are helmet's (the `helmet` package: its defaults, its CSP), computed ONCE at
 * start-up and set on every answer by an `onRequest` hook. `@fastify/helmet`, used before,
 * calls `helmet(options)` on every request, which parses the CSP directives and builds its
 * thirteen middlewares again each time: 4.7% of the engine's CPU in the PostgreSQL bench's
 * profile (bench/RESULTS.md). The configuration has no per-request part (no nonces, no
 * directive functions; `staticHeaders` refuses one), so the headers are the same for every
 * answer.
 *
 * The Content-Security-Policy is helmet's default with two changes: nothing may frame the
 * API (`frame-ancestors 'none'`, with `X-Frame-Options: DENY` for older browsers), and no
 * `upgrade-insecure-requests` (a plain-HTTP deployment on an internal address would have its
 * own /docs assets rewritten to https and fail; TLS is the reverse proxy's business). Swagger
 * UI at /docs works under it: @fastify/swagger-ui serves its page, scripts and styles from
 * this server (`script-src 'self'`, no inline script), and its inline style attributes are
 * allowed by helmet's `style-src 'unsafe-inline'`. A staff UI served from here needs nothing
 * more as long as its scripts are files.
 *
 * One exception, by configuration only: the public feedback form (`/form/*`) may be framed
 * by the origins of PUBLIC_FORM_FRAME_ANCESTORS (the company's site embeds it). Those
 * answers carry `frame-ancestors <origins>` instead of `'none'` and no X-Frame-Options
 * (which knows no list of origins; browsers that know CSP ignore it when frame-ancestors is
 * set anyway). Unset, the form is like every other page: nobody may frame it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

export interface SecurityHeaderOptions {
  /** Origins that may frame `/form/*` (PUBLIC_FORM_FRAME_ANCESTORS); empty or unset: none. */
  formFrameAncestors?: readonly string[];
}

/** The paths the company's site may frame (when PUBLIC_FORM_FRAME_ANCESTORS lists origins). */
const FRAMEABLE = /^\/form\//;

/** helmet's configuration: its defaults, but for the CSP changes of the file's comment. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'frame-ancestors': ["'none'"],
      'upgrade-insecure-requests': null,
    },
  },
  frameguard: { action: 'deny' },
};

/**
 * The headers helmet's middleware sets for `options`, in its order (names lower-cased):
 * the middleware run once against a recording response. Throws if the middleware reads
 * the request (a directive function) or fails: such headers could differ per request.
 */
export function staticHeaders(options: HelmetOptions): [string, string][] {
  const headers = new Map<string, string>();
  const req = new Proxy({} as IncomingMessage, {
    get(_t, key) {
      throw new Error(`helmet read request.${String(key)}: its headers are not the same for every request`);
    },
  });
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
      return res;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  } as unknown as ServerResponse;
  let called = false;
  helmet(options)(req, res, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    called = true;
  });
  if (!called) throw new Error('helmet did not finish synchronously');
  return [...headers];
}

export function registerSecurityHeaders(app: FastifyInstance, opts: SecurityHeaderOptions = {}): void {
  const headers = staticHeaders(HELMET_OPTIONS);
  // onRequest, as @fastify/helmet did: every answer has them, a 404 and an error too; later hooks may change them (below).
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    done();
  });
  const origins = opts.formFrameAncestors ?? [];
  if (origins.length > 0) {
    const ancestors = `frame-ancestors ${origins.join(' ')}`;
    app.addHook('onSend', (request, reply, payload, done) => {
      if (FRAMEABLE.test(request.url)) {
        const csp = reply.getHeader('content-security-policy');
        if (typeof csp === 'string') void reply.header('content-security-policy', csp.replace(/frame-ancestors 'none'/, ancestors));
        void reply.removeHeader('x-frame-options');
      }
      done(null, payload);
    });
  }
}

/** A caller's X-Request-Id is kept only when it is this: short, and safe in a log line or a header. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's `genReqId` (with `requestIdHeader: false`, so Fastify never takes the header
 * as is): the caller's X-Request-Id when it is safe, otherwise a new UUID. Any other value
 * (10 KB, a newline, a second header) is dropped, not truncated: a half of someone's id
 * would tie the wrong log lines together.
 */
export function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
