/**
 * Idempotency keys: a retried command with the same key and the same request gets the
 * stored first answer; the same key with another request is refused. The key is looked up
 * and stored in the command's own unit of work, so the answer and the change commit together.
 *
 * A key may count for a time only (`within`: the public form's de-duplication, a sliding
 * window): a stored answer older than `within` is neither a hit nor a reuse; the command
 * runs again and its answer replaces the old one under the key, so the window then counts
 * from the new case.
 */
import type { IdempotencyRepository } from '../storage/index.js';
import type { CaseView } from './case-view.js';
import { EngineError } from './errors.js';
import { canonicalJson, sha256Hex } from './hash.js';

/** The answer to a command; `replayed` when it is the stored first answer of an idempotent retry. */
export interface CommandResult {
  status: 200 | 201;
  view: CaseView;
  replayed: boolean;
}

/** What `#persist` needs to store the answer under the key. */
export interface IdempotencyClaim {
  key: string;
  hash: string;
  /** The key holds an answer that no longer counts: replace it. */
  replace?: true;
}

/** A key that counts for `ms` after its answer was stored, judged at `now`. */
export interface IdempotencyWindow {
  ms: number;
  now: Date;
}

/**
 * Without a key: nothing. With one: the stored answer when this request was answered
 * before (`hit`), else the claim to store the answer under.
 */
export async function checkIdempotency(
  repo: IdempotencyRepository,
  key: string | undefined,
  request: unknown,
  within?: IdempotencyWindow,
): Promise<{ claim?: IdempotencyClaim; hit?: CommandResult }> {
  if (key === undefined) return {};
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new EngineError('invalid_request', 'Idempotency-Key must be 1 to 255 characters');
  }
  const hash = sha256Hex(canonicalJson(request));
  const stored = await repo.find(key);
  if (!stored) return { claim: { key, hash } };
  if (within && Date.parse(stored.createdAt) <= within.now.getTime() - within.ms) return { claim: { key, hash, replace: true } };
  if (stored.requestHash !== hash) {
    throw new EngineError('idempotency_key_reused', 'this Idempotency-Key was already used with a different request', {
      caseId: stored.caseId,
    });
  }
  return { hit: { status: stored.responseStatus as 200 | 201, view: JSON.parse(stored.responseBodyJson) as CaseView, replayed: true } };
}

/** Stores the first answer under the claimed key (in the command's unit of work). */
export async function rememberAnswer(repo: IdempotencyRepository, claim: IdempotencyClaim, result: CommandResult, caseId: string, now: string): Promise<void> {
  const record = {
    key: claim.key,
    requestHash: claim.hash,
    responseStatus: result.status,
    responseBodyJson: JSON.stringify(result.view),
    caseId,
    createdAt: now,
  };
  await (claim.replace ? repo.replace(record) : repo.insert(record));
}
