import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level (undefined members dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(JSON.parse(JSON.stringify(value ?? null))));
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

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
    }),
  );
}
