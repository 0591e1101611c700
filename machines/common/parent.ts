/**
 * What every top-level procedure machine shares: it owns `context.deadlines`, accepts
 * `comment` and `deadline_missed` in every non-final state, applies the deadline
 * operations its invoked children (P2, P5) report, and emits the effects they report.
 */
import { assign, emit } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { CaseDeadline, MachineDeps } from '../contract.js';
import type { EffectEvent } from './effects.js';
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
 * Stately Studio, `xstate/graph` traversals) has no parent to report deadline operations
 * and effects to, and `sendParent` without a parent throws ("Unable to send event to actor
 * '#_parent'").
 *
 * The one read of an XState internal in machines/: v5 has no public way to ask an actor
 * for its parent (`ActorRef._parent` is underscore-internal; `system`, `sessionId` and the
 * snapshot say nothing about it). tests/machines/xstate-contract.test.ts fails if XState
 * changes this (checked against xstate 5.33.3).
 */
export function hasParent(self: unknown): boolean {
  return !!(self as { _parent?: unknown })._parent;
}

/** Root-level transitions of every procedure (the actions are named in each machine's `setup`). */
export const ROOT_HANDLERS = {
  comment: { actions: 'recordComment' },
  deadline_missed: { actions: 'observeMissed' },
  'deadline.ops': { actions: 'applyDeadlineOps' },
  effect: { actions: 'emitChildEffect' },
} as const;

/**
 * The implementations of the root-level actions every procedure names in its `setup`
 * (`recordComment`, `observeMissed`, `applyDeadlineOps`, `emitChildEffect`), written once.
 * Each machine spreads them into its `actions`; they touch only `context.deadlines`, and
 * `emitChildEffect` emits a child's `effect` event unchanged as the parent's own (an
 * invoked child's emits never reach the listeners on the root actor, which the runtime
 * holds).
 */
// The return type is deliberately loose: each machine's `setup` checks its actions against
// its own context and event union, which a shared implementation cannot name. The bodies
// are typed against the only part they touch (`deadlines`).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sharedParentActions(deps: MachineDeps): Record<'recordComment' | 'observeMissed' | 'applyDeadlineOps' | 'emitChildEffect', any> {
  type Ctx = { deadlines: Deadlines };
  type Ev = { type: string; payload?: { key?: unknown }; occurredAt?: Instant; ops?: DeadlineOp[] };
  return {
    recordComment: () => {
      // History only: the engine records the event; the case does not change.
    },
    observeMissed: assign(({ context, event }: { context: Ctx; event: Ev }) =>
      event.type === 'deadline_missed'
        ? { deadlines: markMissed(context.deadlines, event.payload?.key as string, event.occurredAt as Instant) }
        : {},
    ),
    applyDeadlineOps: assign(({ context, event }: { context: Ctx; event: Ev }) =>
      event.type === 'deadline.ops' ? { deadlines: applyDeadlineOps(deps, context.deadlines, event.ops ?? []) } : {},
    ),
    emitChildEffect: emit(({ event }: { event: EffectEvent }) => event),
  };
}
