import type { AllowedEvent, CaseDeadline, DeadlineStatus, Role } from '../machines/contract.js';
import type { CaseRecord } from '../storage/index.js';

/** A deadline as shown to clients: `missed` is judged against the clock for open, pending deadlines. */
export type DeadlineView = CaseDeadline & { status: DeadlineStatus; overdue: boolean };

/** The case as the API returns it (`POST /cases`, `GET /cases/{id}`, events). */
export interface CaseView {
  id: string;
  procedure: string;
  version: string;
  state: string;
  status: 'active' | 'done';
  seq: number;
  context: Record<string, unknown>;
  deadlines: DeadlineView[];
  allowedEvents: AllowedEvent[];
  waitingRoles: Role[];
  nextDueAt: string | null;
  overdue: boolean;
  /** Some staff event of the case was back-dated beyond the tolerance (engine/backdating.ts). */
  backdated: boolean;
  /**
   * A message to the applicant finally failed and is not resent yet (the context's
   * `undelivered` lists them): a problem staff must act on, like `overdue`.
   */
  undelivered: boolean;
  createdAt: string;
  updatedAt: string;
}

export function deadlinesOf(context: Record<string, unknown>): Record<string, CaseDeadline> {
  const d = context.deadlines;
  return d !== null && typeof d === 'object' ? (d as Record<string, CaseDeadline>) : {};
}

/** Whether the context lists a finally failed message not yet resent (machines/common/record-events.ts). */
export function hasUndelivered(context: Record<string, unknown>): boolean {
  return Array.isArray(context.undelivered) && context.undelivered.length > 0;
}

/** Earliest dueAt of an open deadline, as UTC ISO, or null. */
export function nextDueAt(deadlines: Record<string, CaseDeadline>): string | null {
  let best: number | undefined;
  for (const d of Object.values(deadlines)) {
    if (!d.open) continue;
    const t = Date.parse(d.dueAt);
    if (!Number.isNaN(t) && (best === undefined || t < best)) best = t;
  }
  return best === undefined ? null : new Date(best).toISOString();
}

/** Event types that are not work (anyone may comment; the engine sends system events). */
const NOT_WORK = new Set(['comment', 'deadline_missed', 'message_delivered']);

/**
 * The roles the case waits on: those of its allowed events that are work. `optional`: the
 * procedure's events that are merely possible (`ProcedureModule.optionalEvents`: an
 * extension, taking a case), which queue nobody.
 */
export function waitingRoles(allowed: AllowedEvent[], optional: readonly string[] = []): Role[] {
  const roles = new Set<Role>();
  for (const a of allowed) {
    if (NOT_WORK.has(a.type) || optional.includes(a.type)) continue;
    for (const r of a.roles) if (r !== 'system' && r !== 'auditor') roles.add(r);
  }
  return [...roles].sort();
}

export function buildCaseView(row: CaseRecord, context: Record<string, unknown>, allowed: AllowedEvent[], now: Date): CaseView {
  const nowMs = now.getTime();
  const deadlines = Object.values(deadlinesOf(context))
    .map((d): DeadlineView => {
      const overdue = d.open && Date.parse(d.dueAt) <= nowMs;
      const status: DeadlineStatus = d.status === 'pending' && overdue ? 'missed' : d.status;
      return { ...d, status, overdue };
    })
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.key.localeCompare(b.key));
  return {
    id: row.id,
    procedure: row.procedure,
    version: row.machineVersion,
    state: row.state,
    status: row.status,
    seq: row.seq,
    context,
    deadlines,
    allowedEvents: allowed,
    waitingRoles: [...row.waitingRoles] as Role[],
    nextDueAt: row.nextDueAt,
    overdue: row.nextDueAt !== null && Date.parse(row.nextDueAt) <= nowMs,
    backdated: row.backdated,
    undelivered: hasUndelivered(context),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
