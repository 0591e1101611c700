/**
 * INTERNAL_TARGETS: the internal targets a deployment switches on (P6, P7: the Rules set no
 * days there, so the machines' policies marked `internalTarget: true` open no deadline until
 * the deployment gives their amount), e.g. `INTERNAL_TARGETS=speaker_informed=3,materials_ready=2`:
 * deadline key = working days. Unset or empty: every internal target is off.
 *
 * Only keys whose policy is an internal target in some registered procedure can be set; a
 * bad entry stops the configuration naming it and the settable keys.
 */
import type { DeadlinePolicy } from '../machines/contract.js';
import { procedures } from '../machines/index.js';

/** Deadline keys that are internal targets, with the procedures that have them. */
export function settableTargets(): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const m of Object.values(procedures)) {
    for (const p of Object.values(m.deadlinePolicies) as DeadlinePolicy[]) {
      if (p.internalTarget !== true) continue;
      keys.set(p.key, [...new Set([...(keys.get(p.key) ?? []), m.id])]);
    }
  }
  return keys;
}

/** The largest amount accepted: a target further back than a working year is a typo. */
export const MAX_TARGET_DAYS = 250;

/** Parses `key=N,…` (N working days, 1–250); throws a message naming the bad entry. */
export function parseTargets(text: string | undefined): Partial<Record<string, number>> {
  const out: Partial<Record<string, number>> = {};
  if (text === undefined || text.trim() === '') return out;
  const settable = settableTargets();
  const keys = () => [...settable.keys()].join(', ') || 'none';
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)=(\d{1,3})$/.exec(entry);
    if (!m) throw new Error(`Bad configuration: INTERNAL_TARGETS: '${entry}' is not key=N (N working days, e.g. speaker_informed=3); settable: ${keys()}`);
    const [, key, days] = m as unknown as [string, string, string];
    if (!settable.has(key)) {
      throw new Error(`Bad configuration: INTERNAL_TARGETS: '${key}' is not an internal target; settable: ${keys()}`);
    }
    const n = Number(days);
    if (n < 1 || n > MAX_TARGET_DAYS) {
      throw new Error(`Bad configuration: INTERNAL_TARGETS: '${entry}': N must be 1–${MAX_TARGET_DAYS} working days`);
    }
    if (out[key] !== undefined) throw new Error(`Bad configuration: INTERNAL_TARGETS: '${key}' is set twice`);
    out[key] = n;
  }
  return out;
}
