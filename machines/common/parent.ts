/**
 * What every top-level procedure machine shares: it owns `context.deadlines` (and
 * `context.undelivered`), accepts `comment` and the record events (common/record-events.ts:
 * `deadline_missed`, `message_delivered`, `message_failed`, `resend_message`) in every
 * non-final state, applies the deadline operations its invoked children (P2, P5) report,
 * and emits the effects they report. In a final state the runtime applies the record events.
 */
import { assign, emit, enqueueActions } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { CaseDeadline, MachineDeps } from '../contract.js';
import type { EffectEvent } from './effects.js';
import { close, observeMissed } from './deadlines.js';
import { applyRecordEvent, type RecordContext, type RecordEvent, type RecordEventType } from './record-events.js';

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

/** The engine observed `key` open past due (occurredAt = dueAt); `deadline_missed` goes through record-events.ts. */
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
  // Every record event (common/record-events.ts `RECORD_EVENT_TYPES`), by one reducer.
  deadline_missed: { actions: 'recordEvent' },
  message_delivered: { actions: 'recordEvent' },
  message_failed: { actions: 'recordEvent' },
  resend_message: { actions: 'recordEvent' },
  record_notice: { actions: 'recordEvent' },
  reminder_queued: { actions: 'recordEvent' },
  escalation_queued: { actions: 'recordEvent' },
  deadline_recounted: { actions: 'recordEvent' },
  'deadline.ops': { actions: 'applyDeadlineOps' },
  effect: { actions: 'emitChildEffect' },
} as const satisfies Record<RecordEventType, unknown> & Record<string, { actions: string }>;

/**
 * The implementations of the root-level actions every procedure names in its `setup`
 * (`recordComment`, `recordEvent`, `applyDeadlineOps`, `emitChildEffect`),
 * written once. Each machine spreads them into its `actions`; they touch only
 * `context.deadlines` and `context.undelivered` (`recordEvent` also emits the record
 * event's effects, e.g. `resend`), and
 * `emitChildEffect` emits a child's `effect` event unchanged as the parent's own (an
 * invoked child's emits never reach the listeners on the root actor, which the runtime
 * holds).
 */
// The return type is deliberately loose: each machine's `setup` checks its actions against
// its own context and event union, which a shared implementation cannot name. The bodies
// are typed against the only part they touch (`deadlines`).
export function sharedParentActions(
  deps: MachineDeps,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Record<'recordComment' | 'recordEvent' | 'applyDeadlineOps' | 'emitChildEffect', any> {
  type Ctx = { deadlines: Deadlines };
  type Ev = { type: string; ops?: DeadlineOp[] };
  return {
    recordComment: () => {
      // History only: the engine records the event; the case does not change.
    },
    recordEvent: enqueueActions(({ context, event, enqueue }: { context: RecordContext; event: RecordEvent; enqueue: { assign(c: Partial<RecordContext>): void; emit(e: EffectEvent): void } }) => {
      const { changes, effects } = applyRecordEvent(deps, context, event, false);
      if (Object.keys(changes).length > 0) enqueue.assign(changes);
      for (const effect of effects) enqueue.emit({ type: 'effect', effect } satisfies EffectEvent);
    }),
    applyDeadlineOps: assign(({ context, event }: { context: Ctx; event: Ev }) =>
      event.type === 'deadline.ops' ? { deadlines: applyDeadlineOps(deps, context.deadlines, event.ops ?? []) } : {},
    ),
    emitChildEffect: emit(({ event }: { event: EffectEvent }) => event),
  };
}
