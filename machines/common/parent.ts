/**
 * What every top-level procedure machine shares: it owns `context.deadlines`, accepts
 * `comment` and `deadline_missed` in every non-final state, and applies the deadline
 * operations its invoked children (P2, P5) report.
 */
import type { Instant } from '../../calendars/types.js';
import type { CaseDeadline, MachineDeps } from '../contract.js';
import { close, observeMissed } from './deadlines.js';

export type Deadlines = Record<string, CaseDeadline>;

export type DeadlineOp =
  | { op: 'set'; deadline: CaseDeadline }
  | { op: 'close'; key: string; at: Instant }
  | { op: 'drop'; key: string };

/** Internal child → parent event; not in any `eventSchemas`, so never accepted from outside. */
export interface DeadlineOpsEvent {
  type: 'deadline.ops';
  ops: DeadlineOp[];
}

export function applyDeadlineOps(deps: MachineDeps, deadlines: Deadlines, ops: DeadlineOp[]): Deadlines {
  const next: Deadlines = { ...deadlines };
  for (const op of ops) {
    if (op.op === 'set') next[op.deadline.key] = op.deadline;
    else if (op.op === 'drop') delete next[op.key];
    else {
      const d = next[op.key];
      if (d?.open) next[op.key] = close(deps, d, op.at);
    }
  }
  return next;
}

/** `deadline_missed`: the engine observed `key` open past due (occurredAt = dueAt). */
export function markMissed(deadlines: Deadlines, key: string, at: Instant): Deadlines {
  const d = deadlines[key];
  if (!d) return deadlines;
  const next = observeMissed(d, at);
  return next === d ? deadlines : { ...deadlines, [key]: next };
}

/** Closes `key` if it is open (judged by `at`). */
export function closeKey(deps: MachineDeps, deadlines: Deadlines, key: string, at: Instant): Deadlines {
  return applyDeadlineOps(deps, deadlines, [{ op: 'close', key, at }]);
}

/**
 * True when the actor runs as an invoked child. A child machine on its own (the inspector,
 * Stately Studio, `xstate/graph` traversals) has no parent to report deadline operations to.
 */
export function hasParent(self: unknown): boolean {
  return !!(self as { _parent?: unknown })._parent;
}

/** Root-level transitions of every procedure (the actions are named in each machine's `setup`). */
export const ROOT_HANDLERS = {
  comment: { actions: 'recordComment' },
  deadline_missed: { actions: 'observeMissed' },
  'deadline.ops': { actions: 'applyDeadlineOps' },
} as const;
