/**
 * Live cases: for recently advanced cases, the committed row and the machine session
 * (a restored actor) in that row's state, so the next command on the case neither parses
 * the stored snapshot nor restores the actor (about a third of a command's machine time).
 *
 * Correctness does not depend on the cache being fresh:
 * - An entry is used only when the case's head in the database — `(seq, head_hash)`, read
 *   in the command's own transaction — is the entry's. The head hash chains every event
 *   of the case, so the same head means the same history and so the same state; anything
 *   else (an entry put by a unit whose batch then failed, a write by another process, a
 *   restored backup) falls back to reading the row and restoring the snapshot.
 * - A command takes its entry OUT before stepping the session, so no two commands share a
 *   session, and a session moved by a step whose writes are then rolled back is never
 *   seen again: the runner puts the session back only after its unit commits, or unchanged
 *   when the command was refused.
 */
import type { MachineSession } from '../machines/contract.js';
import type { CaseRecord } from '../storage/index.js';
import type { BatchMark } from './commit-queue.js';

export interface LiveCase {
  /** The case as committed; the session is in its state. */
  row: CaseRecord;
  session: MachineSession;
  /**
   * The batch in which `row` was last known to be the database's (written or read then):
   * while no other process has committed since (commit-queue.ts `TxContext.unchanged`), the
   * entry is exact without a read. Undefined on SQLite, where the read costs no round trip.
   */
  mark?: BatchMark | undefined;
}

/** At most `capacity` live cases, the least recently used dropped first. */
export class LiveCases {
  readonly #entries = new Map<string, LiveCase>();
  readonly capacity: number;
  /** Entries taken (for tests and the bench: whether the cache is doing anything). */
  taken = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(0, Math.floor(capacity));
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Removes and returns the entry of `caseId`; the caller owns its session from now on. */
  take(caseId: string): LiveCase | undefined {
    const entry = this.#entries.get(caseId);
    if (entry) {
      this.#entries.delete(caseId);
      this.taken++;
    }
    return entry;
  }

  /** Hands `entry` to the cache; an entry at a later seq of the same case wins, the loser is closed. */
  put(caseId: string, entry: LiveCase): void {
    if (this.capacity === 0) {
      entry.session.close();
      return;
    }
    const existing = this.#entries.get(caseId);
    if (existing) {
      if (existing.row.seq > entry.row.seq) {
        entry.session.close();
        return;
      }
      this.#entries.delete(caseId);
      if (existing.session !== entry.session) existing.session.close();
    }
    this.#entries.set(caseId, entry);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.get(oldest)?.session.close();
      this.#entries.delete(oldest);
    }
  }

  /** Drops every entry (closing the sessions). */
  clear(): void {
    for (const e of this.#entries.values()) e.session.close();
    this.#entries.clear();
  }
}
