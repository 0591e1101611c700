/**
 * Idempotency keys: a retried command with the same key and the same request gets the
 * stored first answer; the same key with another request is refused. The key is looked up
 * and stored in the command's own unit of work, so the answer and the change commit together.
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
}

/**
 * Without a key: nothing. With one: the stored answer when this request was answered
 * before (`hit`), else the claim to store the answer under.
 */
export async function checkIdempotency(
  repo: IdempotencyRepository,
  key: string | undefined,
  request: unknown,
): Promise<{ claim?: IdempotencyClaim; hit?: CommandResult }> {
  if (key === undefined) return {};
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new EngineError('invalid_request', 'Idempotency-Key must be 1 to 255 characters');
  }
  const hash = sha256Hex(canonicalJson(request));
  const stored = await repo.find(key);
  if (!stored) return { claim: { key, hash } };
  if (stored.requestHash !== hash) {
    throw new EngineError('idempotency_key_reused', 'this Idempotency-Key was already used with a different request', {
      caseId: stored.caseId,
    });
  }
  return { hit: { status: stored.responseStatus as 200 | 201, view: JSON.parse(stored.responseBodyJson) as CaseView, replayed: true } };
}

/** Stores the first answer under the claimed key (in the command's unit of work). */
export async function rememberAnswer(repo: IdempotencyRepository, claim: IdempotencyClaim, result: CommandResult, caseId: string, now: string): Promise<void> {
  await repo.insert({
    key: claim.key,
    requestHash: claim.hash,
    responseStatus: result.status,
    responseBodyJson: JSON.stringify(result.view),
    caseId,
    createdAt: now,
  });
}
