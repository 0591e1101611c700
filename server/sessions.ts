/**
 * Staff sessions of the web pages, and the one interface through which a person is
 * recognised at sign-in (`Identity`). Today's identity is the users file (AUTH_FILE: a
 * name and a token); the company's directory (OIDC, LDAP) can replace it by implementing
 * `Identity` without touching the pages.
 *
 * A session is a random 256-bit id, sent to the browser in an HttpOnly, SameSite=Strict
 * cookie and kept here by its SHA-256 (a dump of the store holds no usable id). It carries
 * the acting role the person picked in the header, their language and a CSRF token that
 * every form posts back. Sessions expire after `idleMs` without use and `absoluteMs` after
 * sign-in. They live in this process's memory: a restart signs everybody out (no case data
 * is lost: every change was already one committed transaction).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../lib/sha256.js';
import type { Role } from '../machines/contract.js';
import type { User } from './auth.js';

export type { Identity } from './auth.js';

export interface Session {
  user: User;
  /** The role the person acts under now (one of `user.roles`). */
  role: Role;
  lang: string;
  /** Posted back by every form of the pages (`_csrf`). */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStore {
  /** A new session; returns its id (to put in the cookie). */
  create(user: User, lang: string, now: number): { id: string; session: Session };
  /** The live session of this id (its use recorded), or undefined when unknown or expired. */
  get(id: string, now: number): Session | undefined;
  delete(id: string): void;
}

export const SESSION_LIMITS = { idleMs: 8 * 3600_000, absoluteMs: 12 * 3600_000, max: 10_000 } as const;

export class MemorySessionStore implements SessionStore {
  readonly #byHash = new Map<string, Session>();
  constructor(private readonly limits: { idleMs: number; absoluteMs: number; max: number } = SESSION_LIMITS) {}

  create(user: User, lang: string, now: number): { id: string; session: Session } {
    if (this.#byHash.size >= this.limits.max) this.#sweep(now);
    // Still full of live sessions: the oldest goes (Map keeps insertion order).
    if (this.#byHash.size >= this.limits.max) this.#byHash.delete(this.#byHash.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const session: Session = { user, role: user.roles[0]!, lang, csrf: randomBytes(24).toString('base64url'), createdAt: now, lastSeenAt: now };
    this.#byHash.set(sha256Hex(id), session);
    return { id, session };
  }

  get(id: string, now: number): Session | undefined {
    const key = sha256Hex(id);
    const s = this.#byHash.get(key);
    if (!s) return undefined;
    if (now - s.lastSeenAt > this.limits.idleMs || now - s.createdAt > this.limits.absoluteMs) {
      this.#byHash.delete(key);
      return undefined;
    }
    s.lastSeenAt = now;
    return s;
  }

  delete(id: string): void {
    this.#byHash.delete(sha256Hex(id));
  }

  get size(): number {
    return this.#byHash.size;
  }

  #sweep(now: number): void {
    for (const [k, s] of this.#byHash) {
      if (now - s.lastSeenAt > this.limits.idleMs || now - s.createdAt > this.limits.absoluteMs) this.#byHash.delete(k);
    }
  }
}

/** Compares a posted CSRF token with the session's in constant time. */
export function csrfMatches(session: Session, posted: unknown): boolean {
  if (typeof posted !== 'string') return false;
  const a = Buffer.from(posted);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
