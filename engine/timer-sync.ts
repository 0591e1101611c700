/**
 * Timers are a function of a case's deadlines. `syncTimers` makes the stored timers match:
 * an open deadline has a scheduled timer at its dueAt (re-armed when dueAt moves or the
 * deadline reopens); a closed or dropped one has none. A timer that fired at the same dueAt
 * stays fired, so a deadline is observed missed exactly once.
 */
import type { CaseDeadline } from '../machines/contract.js';
import type { TimerRepository } from '../storage/index.js';

/** Whether the engine already observed this deadline past due (its timer has fired). */
function observed(d: CaseDeadline): boolean {
  return d.observedMissedAt !== undefined && Date.parse(d.observedMissedAt) >= Date.parse(d.dueAt);
}

/** Returns the earliest newly scheduled dueAt (to wake the timer worker), if any. */
export async function syncTimers(timers: TimerRepository, caseId: string, deadlines: Record<string, CaseDeadline>, now: string): Promise<string | undefined> {
  const existing = new Map((await timers.listForCase(caseId)).map((t) => [t.key, t]));
  let earliest: string | undefined;
  const schedule = (due: string) => {
    if (earliest === undefined || due < earliest) earliest = due;
  };
  for (const d of Object.values(deadlines)) {
    const t = existing.get(d.key);
    existing.delete(d.key);
    if (d.open && (d.status === 'pending' || d.status === 'missed')) {
      const due = new Date(Date.parse(d.dueAt)).toISOString();
      const status = observed(d) ? 'fired' : 'scheduled';
      if (!t) {
        await timers.insert({ caseId, key: d.key, dueAt: due, status, firedAt: null, createdAt: now, updatedAt: now });
        if (status === 'scheduled') schedule(due);
      } else if (t.dueAt !== due || t.status === 'cancelled') {
        await timers.update(caseId, d.key, { dueAt: due, status, firedAt: status === 'fired' ? t.firedAt : null, updatedAt: now });
        if (status === 'scheduled') schedule(due);
      }
    } else if (t && t.status === 'scheduled') {
      await timers.update(caseId, d.key, { status: 'cancelled', updatedAt: now });
    }
  }
  for (const t of existing.values()) {
    if (t.status === 'scheduled') await timers.update(caseId, t.key, { status: 'cancelled', updatedAt: now });
  }
  return earliest;
}
