/**
 * The authentication hook for protected routes, and the choice of the role a user acts
 * under. A person may hold several roles; `X-Acting-Role` picks one explicitly, otherwise
 * the first of the user's roles that may do the thing is used.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../machines/contract.js';
import { bearerToken, type User, type UserDirectory } from '../auth.js';
import { ApiError } from '../errors.js';
import type { SessionStore } from '../sessions.js';
import { rateLimited, type WindowCounter } from './rate-limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
}

/**
 * With `failures` (AUTH_FAILURE_LIMIT): every 401 counts against the caller's address, and
 * an address over the limit gets 429 `rate_limited` for the rest of the window without its
 * token being looked at, a valid one included: answering a valid token differently would
 * let a guesser go on.
 */
export function authenticate(users: UserDirectory, failures?: WindowCounter, sessions?: SessionStore) {
  // Callback style: this runs on every protected request, and an async hook costs a
  // promise and a tick more.
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    const wait = failures?.blocked(request.ip) ?? 0;
    if (wait > 0) {
      request.log.warn({ ip: request.ip }, 'shedding load: too many failed authentications from this address');
      done(rateLimited(reply, wait, 'Too many failed authentications from this address'));
      return;
    }
    const sessionId = sessions ? sessionCredential(request.headers.authorization) : undefined;
    if (sessionId !== undefined) {
      const session = sessions!.get(sessionId, Date.now());
      if (!session) {
        failures?.hit(request.ip);
        done(new ApiError('unauthorized', 'The session has expired; sign in again.'));
        return;
      }
      request.user = session.user;
      done();
      return;
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      failures?.hit(request.ip);
      done(new ApiError('unauthorized', 'Send Authorization: Bearer <token>; tokens are issued in AUTH_FILE.'));
      return;
    }
    const user = users.byToken(token);
    if (!user) {
      failures?.hit(request.ip);
      done(new ApiError('unauthorized', 'Unknown token.'));
      return;
    }
    request.user = user;
    done();
  };
}

/**
 * `Authorization: Session <id>`: how the staff pages call this API for a signed-in person
 * (server/pages/api.ts). The id is the session cookie's value, so the credential is worth
 * no more than the cookie; a browser never sends this header by itself, so the API stays
 * free of cookie-borne (cross-site) requests.
 */
function sessionCredential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Session\s+([A-Za-z0-9_-]{20,100})\s*$/.exec(header);
  return m?.[1];
}

/** The authenticated user (the hook ran); a programming error otherwise. */
export function userOf(request: FastifyRequest): User {
  if (!request.user) throw new ApiError('unauthorized', 'Send Authorization: Bearer <token>.');
  return request.user;
}

/**
 * The role the user acts under for an action allowed to `allowed` roles. An explicit
 * X-Acting-Role must be one of the user's roles. Without one, the first of the user's
 * roles in `allowed`, or else the user's first role (the engine then answers 403 with the
 * roles that may do it).
 */
export function actingRole(request: FastifyRequest, allowed: readonly Role[]): Role {
  const user = userOf(request);
  const header = request.headers['x-acting-role'];
  if (typeof header === 'string' && header.length > 0) {
    if (!user.roles.includes(header as Role)) {
      throw new ApiError('forbidden', `X-Acting-Role '${header}' is not one of your roles (${user.roles.join(', ')}).`);
    }
    return header as Role;
  }
  return user.roles.find((r) => allowed.includes(r)) ?? user.roles[0]!;
}
