/**
 * The event hash chain. Its serialisation and digest are the shared ones in lib/ (the
 * calendar version uses the same); they are re-exported here for the engine's callers.
 */
import { canonicalJson } from '../lib/canonical-json.js';
import { sha256Hex } from '../lib/sha256.js';

export { canonicalJson, sha256Hex };

/** The `prev_hash` of a case's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export interface HashedEventFields {
  caseId: string;
  seq: number;
  type: string;
  payload: unknown;
  role: string;
  actor: string;
  occurredAt: string;
  recordedAt: string;
  prevHash: string;
  /** Hashed only when present: events without one (every event before it existed) keep their hash. */
  backdatingReason?: string | null;
  /**
   * The calendar version the step was computed with, when not the baseline
   * (engine/calendar-versions.ts). Hashed only when present, like `backdatingReason`: every
   * event computed with the baseline keeps its hash.
   */
  calendarVersion?: string | null;
}

/** sha-256 (hex) over the canonical JSON of an event's fields and the previous hash. */
export function eventHash(e: HashedEventFields): string {
  return sha256Hex(
    canonicalJson({
      caseId: e.caseId,
      seq: e.seq,
      type: e.type,
      payload: e.payload,
      role: e.role,
      actor: e.actor,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      prevHash: e.prevHash,
      ...(typeof e.backdatingReason === 'string' ? { backdatingReason: e.backdatingReason } : {}),
      ...(typeof e.calendarVersion === 'string' ? { calendarVersion: e.calendarVersion } : {}),
    }),
  );
}
