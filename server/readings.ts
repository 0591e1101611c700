/**
 * DEADLINE_READINGS: how the deployment reads the Rules' unqualified "N дней" (п. 13, 14,
 * 46, 47). The default (PROCEDURES.md) is calendar days with the last day moved off a day
 * off; a deployment may choose working days per deadline key, e.g.
 * `DEADLINE_READINGS=translation=working,posting=working`.
 *
 * Only deadlines whose amount the Rules leave unqualified (policy unit `days`) can be set:
 * "рабочих дней" and "календарных дней" are the Rules' own words and not a reading.
 */
import type { Reading } from '../calendars/types.js';
import type { DeadlinePolicy } from '../machines/contract.js';
import { procedures } from '../machines/index.js';

/** Deadline keys whose reading is a setting, with the procedures that have them. */
export function settableReadings(): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const m of Object.values(procedures)) {
    for (const p of Object.values(m.deadlinePolicies) as DeadlinePolicy[]) {
      if (p.unit !== 'days') continue;
      keys.set(p.key, [...new Set([...(keys.get(p.key) ?? []), m.id])]);
    }
  }
  return keys;
}

/** Parses `key=calendar|working,…`; throws a message naming the bad entry. */
export function parseReadings(text: string | undefined): Partial<Record<string, Reading>> {
  const out: Partial<Record<string, Reading>> = {};
  if (text === undefined || text.trim() === '') return out;
  const settable = settableReadings();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)=(calendar|working)$/.exec(entry);
    if (!m) throw new Error(`DEADLINE_READINGS: '${entry}' is not key=calendar or key=working`);
    const [, key, reading] = m as unknown as [string, string, Reading];
    if (!settable.has(key)) {
      throw new Error(
        `DEADLINE_READINGS: '${key}' is not a deadline whose reading is a setting; settable: ${[...settable.keys()].join(', ')}`,
      );
    }
    out[key] = reading;
  }
  return out;
}
