/**
 * The deadline ledger's rows as a function of a case (issue 15 §2): one row per deadline
 * the case's context holds, the current ones (`context.deadlines`) and the past turns of a
 * repeated deadline (`context.deadlineHistory`, P4 `rework` from 1.1.0). A projection, like
 * the case record's `next_due_at`: the context is the truth, the ledger is rebuilt from it
 * at any time (migration 001000's backfill) and kept in step by the runner in the same unit
 * of work as the case (engine/deadline-ledger.ts). Both use this one function, so the two
 * give the same rows.
 *
 * Pure, and written against the JSON shape of a stored deadline (machines/contract.ts
 * `CaseDeadline`) so storage/ imports nothing of machines/.
 */
import type { DeadlineLedgerRecord } from './port.js';

/** What of a case the ledger needs. */
export interface LedgerSource {
  id: string;
  procedure: string;
  unit?: string | null;
  /** The parsed context. */
  context: Record<string, unknown>;
}

interface StoredDeadline {
  key: string;
  rule?: string;
  from: string;
  lastDay: string;
  dueAt: string;
  status: DeadlineLedgerRecord['status'];
  open: boolean;
  closedAt?: string;
  shortfall?: { amount: number; unit: 'working' | 'calendar' };
  calendar?: { version?: string };
  turn?: number;
}

const utc = (instant: string): string => new Date(Date.parse(instant)).toISOString();

function isDeadline(d: unknown): d is StoredDeadline {
  if (typeof d !== 'object' || d === null) return false;
  const x = d as Record<string, unknown>;
  return typeof x.key === 'string' && typeof x.lastDay === 'string' && typeof x.dueAt === 'string' && typeof x.status === 'string' && typeof x.open === 'boolean';
}

/**
 * The extensions granted to a deadline. P3's `extend` (п. 39) lengthens `review` and records
 * each decision in `context.extensions` (`{days, reason, at}`) with their sum in
 * `context.extensionDays`; no other deadline of any procedure is extended.
 */
function extensionsOf(context: Record<string, unknown>, key: string): { count: number; days: number } {
  if (key !== 'review' || !Array.isArray(context.extensions)) return { count: 0, days: 0 };
  const days = typeof context.extensionDays === 'number' ? context.extensionDays : 0;
  return { count: context.extensions.length, days };
}

function rowOf(c: LedgerSource, d: StoredDeadline, past: boolean): DeadlineLedgerRecord {
  // A past turn was closed before any later extension: extensions count on the current turn only.
  const ext = past ? { count: 0, days: 0 } : extensionsOf(c.context, d.key);
  const late = !d.open && d.status !== 'met' && d.shortfall ? d.shortfall : undefined;
  return {
    caseId: c.id,
    key: d.key,
    turn: d.turn ?? 1,
    procedure: c.procedure,
    unit: c.unit ?? null,
    rule: d.rule ?? '',
    from: d.from,
    lastDay: d.lastDay,
    dueAt: utc(d.dueAt),
    status: d.status,
    open: d.open,
    closedAt: !d.open && d.closedAt ? utc(d.closedAt) : null,
    latenessAmount: late ? late.amount : null,
    latenessUnit: late ? late.unit : null,
    extensions: ext.count,
    extensionDays: ext.days,
    calendarVersion: d.calendar?.version ?? '',
  };
}

/** The ledger rows of a case, ordered by (key, turn). A (key, turn) held twice keeps the current deadline. */
export function ledgerRowsOf(c: LedgerSource): DeadlineLedgerRecord[] {
  const byId = new Map<string, DeadlineLedgerRecord>();
  const history = Array.isArray(c.context.deadlineHistory) ? (c.context.deadlineHistory as unknown[]) : [];
  for (const d of history) if (isDeadline(d)) byId.set(`${d.key}\u0000${d.turn ?? 1}`, rowOf(c, d, true));
  const current = c.context.deadlines;
  if (typeof current === 'object' && current !== null) {
    for (const d of Object.values(current as Record<string, unknown>)) if (isDeadline(d)) byId.set(`${d.key}\u0000${d.turn ?? 1}`, rowOf(c, d, false));
  }
  return [...byId.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.turn - b.turn));
}

/** Whether two rows of the same (case, key, turn) say the same. */
export function sameLedgerRow(a: DeadlineLedgerRecord, b: DeadlineLedgerRecord): boolean {
  return (
    a.procedure === b.procedure &&
    a.unit === b.unit &&
    a.rule === b.rule &&
    a.from === b.from &&
    a.lastDay === b.lastDay &&
    a.dueAt === b.dueAt &&
    a.status === b.status &&
    a.open === b.open &&
    a.closedAt === b.closedAt &&
    a.latenessAmount === b.latenessAmount &&
    a.latenessUnit === b.latenessUnit &&
    a.extensions === b.extensions &&
    a.extensionDays === b.extensionDays &&
    a.calendarVersion === b.calendarVersion
  );
}
