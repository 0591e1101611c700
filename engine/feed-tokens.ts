/**
 * Private iCalendar feed tokens (issue 15 §3): one active token per person, by user name.
 *
 * The token is a random 256-bit value shown once, when issued; only its sha-256 is stored
 * (storage `feed_tokens`, like AUTH_FILE's `tokenSha256`). Issuing revokes the person's
 * previous token in the same unit of work, so there is never a moment with two active
 * ones (the database's partial unique index refuses it anyway). Revoked tokens are kept,
 * marked, never deleted. Writes go through the commit queue like every other write; the
 * look-ups read outside any batch.
 *
 * Who the token's person is and what they may see is the server's business, decided at
 * each feed request from the users file (server/routes/feeds.ts): a person removed from
 * it has a token that opens nothing.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/sha256.js';
import type { Repositories } from '../storage/index.js';
import type { Clock } from './clock.js';
import type { CommitQueue } from './commit-queue.js';
import { toEngineError } from './errors.js';

/** Whether a person has an active feed token, and since when (never the token). */
export interface FeedTokenStatus {
  active: boolean;
  createdAt?: string;
}

/** The shape of an issued token: 43 characters of base64url (32 random bytes). */
const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export class FeedTokens {
  readonly #queue: CommitQueue;
  readonly #read: Repositories;
  readonly #clock: Clock;

  constructor(o: { queue: CommitQueue; read: Repositories; clock: Clock }) {
    this.#queue = o.queue;
    this.#read = o.read;
    this.#clock = o.clock;
  }

  /** A new token for `userName` (the previous one, if any, revoked in the same transaction). Returned once. */
  async issue(userName: string): Promise<{ token: string; createdAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.#clock.now().toISOString();
    await this.#queue.submit(async (repos) => {
      await repos.feedTokens.revoke(userName, createdAt);
      await repos.feedTokens.insert({ userName, tokenSha256: sha256Hex(token), createdAt, revokedAt: null });
    });
    return { token, createdAt };
  }

  /** Revokes the person's active token; false when there was none. */
  revoke(userName: string): Promise<boolean> {
    const at = this.#clock.now().toISOString();
    return this.#queue.submit((repos) => repos.feedTokens.revoke(userName, at));
  }

  async status(userName: string): Promise<FeedTokenStatus> {
    const row = await this.#reading(() => this.#read.feedTokens.activeOf(userName));
    return row ? { active: true, createdAt: row.createdAt } : { active: false };
  }

  /** The user name of an active token, or undefined (unknown, malformed or revoked: the same). */
  async userOf(token: string): Promise<string | undefined> {
    if (!FEED_TOKEN_PATTERN.test(token)) return undefined;
    const row = await this.#reading(() => this.#read.feedTokens.activeByHash(sha256Hex(token)));
    return row?.userName;
  }

  async #reading<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toEngineError(e);
    }
  }
}
