/**
 * Runs a procedure machine for the engine: `start` and `step` of `ProcedureModule`.
 *
 * Runtime choice — a synchronous actor per step, not the pure `transition()`:
 * xstate's `transition(machine, snapshot, event)` / `initialTransition` run the machine
 * with an inert actor scope whose `defer` and `actionExecutor` do nothing. Invoked
 * children are created (they appear in `snapshot.children`) but never started, a
 * `sendTo(child)` comes back as an unexecuted action, and the child's `xstate.done.actor`
 * never reaches the parent (checked against node_modules/xstate 5.33.3:
 * `createInertActorScope` in xstate.development.esm.js, and by experiment). P2 and P5 are
 * invoked children, so pure transitions would stall P1 in `translation` and P3/P4 in
 * `redirection`. Instead each call restores an actor from the persisted snapshot
 * (`createActor(machine, { snapshot })`), starts it (restoring runs no entry actions),
 * sends one event, reads `getPersistedSnapshot()` and stops it. XState processes the
 * event, the deferred child start/forwarding and the child's done/`sendParent` events in
 * the same synchronous call (the actor mailbox drains before `send` returns), so the
 * result is deterministic. No delayed events (`after`) are used: deadlines are data and
 * the engine fires `deadline_missed` itself.
 *
 * Effects: machines emit them (XState `emit()` of an `EffectEvent`, common/effects.ts);
 * invoked children send theirs to the parent, which re-emits them, because a child's emits
 * reach only listeners on the child actor. Each actor the runtime creates gets one
 * `actor.on('effect', …)` listener that appends to the array of the step in progress;
 * emits run synchronously inside `start`/`send`, so the array holds exactly the step's
 * effects, in the order the actions ran. Nothing mutable is shared between actors.
 *
 * Only XState's public API is read: the active state nodes come from `getStateNodes(root,
 * snapshot.value)`, child snapshots are recognised with `isMachineSnapshot`. The one
 * internal read in machines/ is `hasParent` (common/parent.ts), which says why.
 */
import {
  createActor,
  getStateNodes,
  isMachineSnapshot,
  type Actor,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
} from 'xstate';
import type { TSchema } from 'typebox';
import type {
  AllowedEvent,
  CaseProgress,
  DeadlinePolicy,
  Effect,
  EffectEvent,
  EventMeta,
  MachineDeps,
  MachineSession,
  PersistedSnapshot,
  ProcedureId,
  ProcedureModule,
  Role,
  StepOk,
  StepRejected,
  StepResult,
} from './contract.js';
import { CORRECT_EVENT, CORRECT_REQUEST_ROLES, CorrectPayload } from './common/corrections.js';
import { strict } from './common/strict.js';
import {
  applyRecordEvent,
  isRecordEvent,
  recordEventRefusal,
  unavailableRecordEvents,
  type RecordContext,
} from './common/record-events.js';

/** The machine's creation input: the validated HTTP `input` and the creation event's meta. */
export interface CreationInput<I> {
  input: I;
  meta: EventMeta;
}

/** Explains why a guard refused an event: a message saying why and what to fix, or null if valid. */
export type Validator = (context: any, event: any) => string | null;

/** Everything a procedure folder declares; `defineProcedure` turns it into a `ProcedureModule`. */
export interface ProcedureDefinition<E extends string, K extends string> {
  id: ProcedureId;
  version: string;
  title: string;
  inputSchema: TSchema;
  createRoles: Role[];
  eventSchemas: Record<E, TSchema>;
  eventRoles: Record<E, Role[]>;
  deadlinePolicies: Record<K, DeadlinePolicy>;
  /** Builds the machine with action/guard implementations closing over `deps` (no state of their own). */
  build(deps: MachineDeps): AnyStateMachine;
  /** Cross-field checks of the creation input the schema cannot express. */
  validateInput?(input: Record<string, unknown>, meta: EventMeta): string | null;
  /** Messages for refused events, by type (the parent's and its children's). */
  validators: Partial<Record<E, Validator>>;
  /** Roles that may correct any correctable field, besides the role that sent the original. */
  correctRoles?: Role[];
  /**
   * Events structurally accepted but not possible for this case now (e.g. `note_proposal`
   * for a question, P3 `extend` once the 30 days are used): left out of the allowed events.
   */
  unavailable?(context: any): E[];
  /** The pending parts and targets the case view shows (see `ProcedureModule.progress`). */
  progress?(context: Record<string, unknown>, state: string): CaseProgress;
  /** Events merely possible, never waited for (`ProcedureModule.optionalEvents`). */
  optional?: E[];
  /** Events whose payload `unit` names a configured unit (`ProcedureModule.unitEvents`). */
  unitEvents?: E[];
  /** Events by which a unit user delivers its own unit's part (`ProcedureModule.partUnitEvents`). */
  partUnitEvents?: E[];
}

/** A procedure module whose event types and deadline keys are known to the compiler. */
export interface TypedProcedureModule<E extends string, K extends string> extends ProcedureModule {
  eventSchemas: Record<E, TSchema>;
  eventRoles: Record<E, Role[]>;
  deadlinePolicies: Record<K, DeadlinePolicy>;
}

/** Dotted state value of a machine snapshot (`a.b`; parallel regions joined with `,`). */
export function stateString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      const inner = stateString(v);
      return inner ? `${k}.${inner}` : k;
    });
    return parts.join(',');
  }
  return '';
}

/**
 * `StateNode.ownEvents` per state node. XState computes the getter anew on every read from
 * the node's transitions, which are fixed when the machine is built, so it is read once per
 * node (a state node object belongs to one compiled machine and lives as long as it does).
 */
const ownEventsOf = new WeakMap<object, readonly string[]>();

/** Event types with a transition in some active state node (guards not evaluated). */
function structuralEvents(snapshot: AnyMachineSnapshot): Set<string> {
  // The active state nodes (the root, every active ancestor, every active region's leaf),
  // from the public `getStateNodes`; `ownEvents` is public on `StateNode`.
  const types = new Set<string>();
  for (const node of getStateNodes(snapshot.machine.root, snapshot.value)) {
    let own = ownEventsOf.get(node);
    if (!own) {
      own = node.ownEvents;
      ownEventsOf.set(node, own);
    }
    for (const t of own) types.add(t);
  }
  return types;
}

/** The snapshots of the invoked child machines (P2, P5), running or not. */
function childMachineSnapshots(snapshot: AnyMachineSnapshot): Array<[string, AnyMachineSnapshot]> {
  const children = (snapshot.children ?? {}) as Record<string, AnyActorRef | undefined>;
  const out: Array<[string, AnyMachineSnapshot]> = [];
  for (const [id, ref] of Object.entries(children)) {
    const s: unknown = ref?.getSnapshot();
    if (isMachineSnapshot(s)) out.push([id, s as AnyMachineSnapshot]);
  }
  return out;
}

function activeChildren(snapshot: AnyMachineSnapshot): AnyMachineSnapshot[] {
  return childMachineSnapshots(snapshot)
    .map(([, s]) => s)
    .filter((s) => s.status === 'active');
}

/**
 * Attaches the one listener that collects `actor`'s emitted effects (before `start`, so a
 * new case's entry effects are heard). `collect(run)` calls `run` (a `start` or `send`)
 * and returns what was emitted during it, in order: a fresh array per call, so nothing
 * carries over to the next step.
 */
function effectCollector(actor: Actor<AnyStateMachine>): (run: () => void) => Effect[] {
  let current: Effect[] | null = null;
  actor.on('effect', (e: EffectEvent) => {
    // Outside `collect` nothing is emitted (restoring a snapshot runs no entry actions).
    current?.push(e.effect);
  });
  return (run) => {
    const effects: Effect[] = [];
    current = effects;
    try {
      run();
      return effects;
    } finally {
      current = null;
    }
  };
}

export function defineProcedure<E extends string, K extends string>(
  def: ProcedureDefinition<E, K>,
): TypedProcedureModule<E, K> {
  const cache = new WeakMap<MachineDeps, AnyStateMachine>();
  const compiled = (deps: MachineDeps): AnyStateMachine => {
    let machine = cache.get(deps);
    if (!machine) {
      machine = def.build(deps);
      cache.set(deps, machine);
    }
    return machine;
  };

  const allowedFrom = (snapshot: AnyMachineSnapshot): AllowedEvent[] => {
    const hidden = new Set<string>([...(def.unavailable?.(snapshot.context) ?? []), ...unavailableRecordEvents(snapshot.context)]);
    if (snapshot.status === 'done') {
      // A closed case takes only the record events; staff see the ones they can send now
      // (a resend of an undelivered message), the engine's own are not listed.
      return (Object.keys(def.eventRoles) as E[])
        .filter((t) => isRecordEvent(t) && !hidden.has(t))
        .map((t) => ({ type: t, roles: def.eventRoles[t].filter((r) => r !== 'system') }))
        .filter((a) => a.roles.length > 0);
    }
    if (snapshot.status !== 'active') return [];
    const types = structuralEvents(snapshot);
    for (const child of activeChildren(snapshot)) for (const t of structuralEvents(child)) types.add(t);
    return (Object.keys(def.eventRoles) as E[])
      .filter((t) => types.has(t) && !hidden.has(t))
      .map((t) => ({ type: t, roles: [...def.eventRoles[t]] }));
  };

  const reject = (
    code: StepRejected['code'],
    message: string,
    snapshot: AnyMachineSnapshot,
  ): StepRejected => ({ ok: false, code, message, allowed: allowedFrom(snapshot) });

  /** Why `snapshot` (or the child it forwards to) would not take `event`, or null. */
  const refusal = (
    snapshot: AnyMachineSnapshot,
    event: { type: string },
    root: AnyMachineSnapshot,
  ): StepRejected | null => {
    const state = stateString(snapshot.value);
    if (!structuralEvents(snapshot).has(event.type)) {
      // What a person can send now: the engine's own (system-only) events are not listed.
      const allowed = allowedFrom(root).filter((a) => a.roles.some((r) => r !== 'system')).map((a) => a.type);
      return reject(
        'event_not_allowed',
        `"${event.type}" is not accepted in state "${state}". Allowed now: ${allowed.join(', ') || 'none'}.`,
        root,
      );
    }
    // A record event the case cannot take now (a resend of a message that is not undelivered).
    const notNow = isRecordEvent(event.type) ? recordEventRefusal(snapshot.context, event as never) : null;
    if (notNow) return reject('invalid_request', notNow, root);
    if (!snapshot.can(event as never)) {
      const why = def.validators[event.type as E]?.(snapshot.context, event);
      return reject(
        'invalid_request',
        why ?? `"${event.type}" was refused in state "${state}": the data does not satisfy the step's conditions.`,
        root,
      );
    }
    // The parent accepts it; if an active child also handles the type, the parent forwards it there.
    for (const child of activeChildren(snapshot)) {
      if (structuralEvents(child).has(event.type)) return refusal(child, event, root);
    }
    return null;
  };

  const result = (actor: Actor<AnyStateMachine>, effects: Effect[]): StepResult => {
    const snap = actor.getSnapshot() as AnyMachineSnapshot;
    // A thrown action or guard (e.g. CalendarError `calendar_year_unknown`) is not a business
    // outcome: it propagates to the engine, and nothing of the step is kept.
    if (snap.status === 'error') throw snap.error;
    const persisted = actor.getPersistedSnapshot() as PersistedSnapshot;
    const context = { ...(snap.context as StepOk['context']) };
    const childContexts: Record<string, unknown> = {};
    for (const [id, s] of childMachineSnapshots(snap)) childContexts[id] = { state: stateString(s.value), context: s.context };
    // The running children's progress (e.g. which translations are in), for the case view only.
    if (Object.keys(childContexts).length) context.children = childContexts;
    return {
      ok: true,
      snapshot: persisted,
      state: stateString(snap.value),
      status: snap.status === 'done' ? 'done' : 'active',
      context,
      effects,
      allowed: allowedFrom(snap),
    };
  };

  const restore = (machine: AnyStateMachine, snapshot: PersistedSnapshot) => {
    const actor = createActor(machine, { snapshot: snapshot as never });
    // Errors surface through the snapshot (see `result`), not as unhandled rejections.
    actor.subscribe({ error: () => {} });
    const collect = effectCollector(actor);
    actor.start();
    return { actor, collect };
  };

  /**
   * A record event (common/record-events.ts) on a closed case: the reducer applied to the
   * persisted snapshot's context, nothing else (same state, status `done`); the session's
   * actor is replaced by one restored from the result, so it is in the new state.
   */
  const stepClosed = (
    deps: MachineDeps,
    session: { actor: Actor<AnyStateMachine>; collect: (run: () => void) => Effect[] },
    envelope: { type: string; payload: Record<string, unknown>; occurredAt: string },
  ): StepResult => {
    const current = session.actor.getSnapshot() as AnyMachineSnapshot;
    const why = recordEventRefusal(current.context as RecordContext, envelope);
    if (why) return reject('invalid_request', why, current);
    const { changes, effects } = applyRecordEvent(deps, current.context as RecordContext, envelope, true);
    const persisted = session.actor.getPersistedSnapshot() as unknown as PersistedSnapshot & { context: Record<string, unknown> };
    const next = { ...persisted, context: { ...persisted.context, ...changes } };
    const restored = restore(compiled(deps), next);
    session.actor.stop();
    session.actor = restored.actor;
    session.collect = restored.collect;
    return result(restored.actor, effects);
  };

  /**
   * A restored actor that takes the case's events one after another (see `MachineSession`).
   * Each step is the same computation as restoring the persisted snapshot and stepping it:
   * a refused event leaves the actor as it was, an accepted one moves it to the state whose
   * persisted snapshot `step` returns.
   */
  const open = (deps: MachineDeps, snapshot: PersistedSnapshot): MachineSession => {
    const session = restore(compiled(deps), snapshot);
    return {
      step(event) {
        const { actor, collect } = session;
        const current = actor.getSnapshot() as AnyMachineSnapshot;
        const known = Object.prototype.hasOwnProperty.call(def.eventRoles, event.type);
        const envelope = {
          type: event.type,
          payload: event.payload,
          occurredAt: event.occurredAt,
          recordedAt: event.recordedAt,
          actor: event.actor,
        };
        // A closed case still records what happens to its deadlines and messages (a notice
        // delivered after the answer): the record events, and only they.
        if (current.status === 'done' && known && isRecordEvent(event.type)) return stepClosed(deps, session, envelope);
        if (current.status !== 'active') {
          const allowed = allowedFrom(current).map((a) => a.type);
          return reject(
            'event_not_allowed',
            `The case is ${current.status === 'done' ? 'closed' : current.status}: it accepts no workflow events${allowed.length ? ` (only: ${allowed.join(', ')})` : ''}.`,
            current,
          );
        }
        if (!known) {
          return reject('event_not_allowed', `"${event.type}" is not an event of procedure "${def.id}".`, current);
        }
        const refused = refusal(current, envelope, current);
        if (refused) return refused;
        return result(actor, collect(() => actor.send(envelope as never)));
      },
      close() {
        session.actor.stop();
      },
    };
  };

  // The schemas callers are checked against, and that /machines/{procedure} documents:
  // closed and bounded (common/strict.ts), so an event added later is strict too.
  const eventSchemas = Object.fromEntries(
    Object.entries<TSchema>(def.eventSchemas).map(([type, schema]) => [type, strict(schema)]),
  ) as Record<E, TSchema>;

  return {
    id: def.id,
    version: def.version,
    title: def.title,
    inputSchema: strict(def.inputSchema),
    createRoles: def.createRoles,
    // `correct` is every procedure's (machines/common/corrections.ts); the engine handles it.
    eventSchemas: { ...eventSchemas, [CORRECT_EVENT]: strict(CorrectPayload) },
    eventRoles: { ...def.eventRoles, [CORRECT_EVENT]: [...CORRECT_REQUEST_ROLES] },
    correctRoles: [...(def.correctRoles ?? [])],
    deadlinePolicies: def.deadlinePolicies,
    optionalEvents: def.optional ?? [],
    unitEvents: def.unitEvents ?? [],
    ...(def.partUnitEvents ? { partUnitEvents: def.partUnitEvents } : {}),
    machine: (deps) => compiled(deps),
    ...(def.progress ? { progress: def.progress } : {}),

    start(deps, input, meta) {
      const why = def.validateInput?.(input, meta) ?? null;
      if (why) return { ok: false, code: 'invalid_request', message: why, allowed: [] };
      const actor = createActor(compiled(deps), { input: { input, meta } satisfies CreationInput<unknown> });
      actor.subscribe({ error: () => {} });
      const collect = effectCollector(actor);
      try {
        return result(actor, collect(() => actor.start()));
      } finally {
        actor.stop();
      }
    },

    step(deps, snapshot, event) {
      const session = open(deps, snapshot);
      try {
        return session.step(event);
      } finally {
        session.close();
      }
    },

    open,

    resume(deps, snapshot) {
      const { actor } = restore(compiled(deps), snapshot);
      try {
        const r = result(actor, []);
        if (!r.ok) throw new Error('unreachable: a restored snapshot is a step');
        return r;
      } finally {
        actor.stop();
      }
    },

    allowedEvents(deps, snapshot) {
      const { actor } = restore(compiled(deps), snapshot);
      try {
        return allowedFrom(actor.getSnapshot() as AnyMachineSnapshot);
      } finally {
        actor.stop();
      }
    },
  };
}
