/**
 * The request's page context (language, session) and the replies every page module uses.
 * Set by the pages' onRequest hook (plugin.ts); page modules read it with `pageOf`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../sessions.js';
import type { Html } from './html.js';
import { DEFAULT_LANG, isLang, type Lang } from './i18n/index.js';
import type { PageContext } from './layout.js';

export const SESSION_COOKIE = 'qi_session';
export const LANG_COOKIE = 'qi_lang';
/** Only for a request outside the pages' scope (never in practice): the pages' own context carries the calendar's zone. */
const DEFAULT_ZONE = 'Asia/Almaty';

declare module 'fastify' {
  interface FastifyRequest {
    page?: PageContext & { sessionId?: string };
  }
}

export function langOf(request: FastifyRequest): Lang {
  const c = request.cookies?.[LANG_COOKIE];
  return isLang(c) ? c : DEFAULT_LANG;
}

/** The page context (the hook ran for every request of the pages' scope). */
export function pageOf(request: FastifyRequest): PageContext & { sessionId?: string } {
  return request.page ?? { lang: langOf(request), zone: DEFAULT_ZONE, path: request.url };
}

/** The signed-in person's context; routes behind `requireSession` only. */
export function signedIn(request: FastifyRequest): PageContext & { session: Session; sessionId: string } {
  const p = pageOf(request);
  if (!p.session || !p.sessionId) throw new Error('signedIn: the route is not behind requireSession');
  return p as PageContext & { session: Session; sessionId: string };
}

export function sendHtml(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

/** After a POST: see-other to a page (the browser then GETs it; a reload repeats nothing). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('location', location).send();
}

/** A path of ours to come back to (no scheme, no host, no `//`): open redirects are refused. */
export function safeBack(value: unknown, fallback = '/ui/queue'): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 2000 ? value : fallback;
}
