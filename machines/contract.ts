/**
 * The contract between the procedure machines (machines/) and the runtime (engine/,
 * server/). Machines are pure: they never read a clock or do I/O. Time arrives as the
 * event's `occurredAt`; calendar arithmetic arrives through `MachineDeps`.
 *
 * The engine never looks inside a machine beyond this file: it calls `start`/`step`,
 * stores the returned snapshot, derives timers from `deadlines` (every deadline whose
 * `status` is `pending` or `missed` and is still open gets a timer at `dueAt`), and turns
 * `effects` into outbox rows in the same transaction.
 */
import type { TSchema } from 'typebox';
import type { BusinessCalendar, CalendarStamp, Instant, IsoDate, Reading } from '../calendars/types.js';
import type { Effect } from './common/effects.js';

export const ROLES = [
  'initiator',
  'press_secretary',
  'administrator',
  'car',
  'unit',
  'supervisor',
  'chairman',
  'auditor',
  'system',
] as const;
export type Role = (typeof ROLES)[number];

export const PROCEDURE_IDS = ['publication', 'feedback-inquiry', 'blog-question', 'site-content-review', 'appearance', 'employee-post'] as const;
export type ProcedureId = (typeof PROCEDURE_IDS)[number];

/** Effects (typed per mail template) and the applicant's language: see common/effects.ts. */
export type {
  AcknowledgementData,
  AnswerData,
  Effect,
  EffectEvent,
  ExtensionNoticeData,
  Language,
  MailDataByTemplate,
  MailEffect,
  MailTemplate,
  PortalNoticeData,
  PortalNoticeEffect,
  PortalNoticeOrigin,
  Recipient,
  RedirectNoticeData,
} from './common/effects.js';

/**
 * Who sends an event, under which role. `units`: the organisational units a `unit` user
 * belongs to (AUTH_FILE); the engine lets a `unit` actor act only on cases assigned to one
 * of them. The history stores `name` and `role` only (`EventMeta.actor`).
 */
export interface Actor {
  name: string;
  role: Role;
  units?: readonly string[];
}

/** Fields the runtime adds to every event and to the creation input. */
export interface EventMeta {
  /** When it happened in the office (defaults to recordedAt; never later than it). */
  occurredAt: Instant;
  /** Server clock at the time of recording. */
  recordedAt: Instant;
  actor: Actor;
}

export type DeadlineStatus = 'pending' | 'met' | 'missed' | 'met_late';

/** A deadline as policy data, declared in the machine (state `meta`) and in the module. */
export interface DeadlinePolicy {
  key: string;
  /** The Rules' item, e.g. "п. 38". */
  rule: string;
  amount: number;
  unit: 'days' | 'working_days' | 'calendar_days';
  /** How the amount is counted. Unqualified "дней" default to `calendar` (setting). */
  reading: Reading;
  /** What the period counts from, in words ("receipt of the question"). */
  from: string;
  /** Direction: `after` the start, or `before` a date (lead times of п. 11). */
  direction: 'after' | 'before';
  description: string;
  /**
   * An internal target rather than a limit of the Rules (P6, P7: the Rules set no days):
   * off unless the deployment sets its amount (INTERNAL_TARGETS); `amount` is the suggested value.
   */
  internalTarget?: boolean;
}

/** An open or closed deadline of a case, as kept in the machine's context. */
export interface CaseDeadline {
  key: string;
  rule: string;
  amount: number;
  unit: DeadlinePolicy['unit'];
  reading: Reading;
  /** The instant counted from (or, for lead times, the date counted back from). */
  from: Instant | IsoDate;
  lastDay: IsoDate;
  dueAt: Instant;
  status: DeadlineStatus;
  /** True while the deadline is open (not yet closed by its closing event). */
  open: boolean;
  /** occurredAt of the closing event. */
  closedAt?: Instant;
  /** occurredAt (= dueAt) of the engine's `deadline_missed` observation, if any. */
  observedMissedAt?: Instant;
  /** For late closings / submissions: how late, in working days (п. 11) or calendar days. */
  shortfall?: { amount: number; unit: Reading };
  calendar: CalendarStamp;
  /**
   * For a deadline that opens again on each turn of a loop (P4 `rework`, from 1.1.0): 1, 2,
   * … The current turn is `context.deadlines[key]`; the past turns are kept, closed, in
   * `context.deadlineHistory`.
   */
  turn?: number;
}

/** A part of a step still awaited: e.g. the languages of P2 not yet delivered. */
export interface PendingPart {
  /** The step (state) it belongs to, e.g. `translation`, `posting`. */
  step: string;
  /** The event that delivers one part, e.g. `deliver_translation`. */
  event: string;
  /** The payload field that names the part, e.g. `language`, `channel`. */
  field: string;
  /** The parts still awaited, in the order they were asked for. */
  awaited: string[];
  /** The parts already delivered. */
  done: string[];
}

/** A date the case works towards that is not itself a deadline (P1: the planned publication date P). */
export interface CaseTarget {
  key: string;
  date: IsoDate;
  rule: string;
  description: string;
}

/** What a case's view shows beyond its deadlines; computed from the context, pure. */
export interface CaseProgress {
  pending: PendingPart[];
  targets: CaseTarget[];
}

/** What a machine needs from the runtime. */
export interface MachineDeps {
  calendar: BusinessCalendar;
  /** Per-deadline-key reading overrides for the Rules' unqualified "дней". */
  readings?: Partial<Record<string, Reading>>;
  /** Internal targets switched on by the deployment (INTERNAL_TARGETS): working days per deadline key. */
  targets?: Partial<Record<string, number>>;
}

/** A JSON-serialisable persisted XState snapshot. */
export type PersistedSnapshot = Record<string, unknown>;

export interface StepOk {
  ok: true;
  snapshot: PersistedSnapshot;
  /** Dotted state value, e.g. `translation` or `review.redirection.forwarding`. */
  state: string;
  status: 'active' | 'done';
  context: Record<string, unknown> & { deadlines: Record<string, CaseDeadline> };
  effects: Effect[];
  /**
   * The events the new state accepts, computed from the same actor as the step (so the
   * runtime need not restore the snapshot again just to list them). Optional: a runtime
   * may leave it out and the engine then calls `allowedEvents`.
   */
  allowed?: AllowedEvent[];
}
export interface StepRejected {
  ok: false;
  /** `event_not_allowed`: the state does not accept it; `invalid_request`: a guard refused the data. */
  code: 'event_not_allowed' | 'invalid_request';
  message: string;
  allowed: AllowedEvent[];
}
export type StepResult = StepOk | StepRejected;

export interface AllowedEvent {
  type: string;
  roles: Role[];
}

/**
 * One procedure, as the registry lists it.
 *
 * Queues: a machine whose context has `unit` (the responsible unit, set by `assign`) and
 * `assignee` (the person of that unit who took the case: `claim`, `reassign`) strings has
 * them copied to the case record, where the engine checks a `unit` actor against them and
 * "my queue" filters on them.
 */
export interface ProcedureModule {
  id: ProcedureId;
  /** Bumped on every behavioural change; a case is pinned to the version it was created with. */
  version: string;
  title: string;
  /** TypeBox schema of the creation input (the HTTP body's `input`). */
  inputSchema: TSchema;
  /** Roles allowed to create a case. */
  createRoles: Role[];
  /** TypeBox schema per event type of the payload (without `type` and `occurredAt`). */
  eventSchemas: Record<string, TSchema>;
  /** Roles allowed per event type. */
  eventRoles: Record<string, Role[]>;
  /**
   * Roles that may `correct` a correctable field of any event (machines/common/corrections.ts),
   * besides the role that sent it.
   */
  correctRoles?: Role[];
  deadlinePolicies: Record<string, DeadlinePolicy>;
  /**
   * Events that are merely possible (an extension, taking a case): never "waiting" on
   * their roles, so they put no case in anybody's queue (`waitingRoles`).
   */
  optionalEvents?: readonly string[];
  /**
   * Events whose payload `unit` names an organisational unit: the engine refuses a name
   * outside the configured list before the machine sees it (machines stay pure).
   */
  unitEvents?: readonly string[];
  /**
   * Events by which a `unit` user delivers its own unit's part of a step several units share
   * (P6 `deliver_materials`, п. 33): the engine checks the payload's `unit` against the user's
   * units instead of the case's unit (403 `not_your_unit`); the machine checks it is a part
   * still awaited.
   */
  partUnitEvents?: readonly string[];
  /** The XState machine (for the inspector, diagrams and Stately Studio). */
  machine(deps: MachineDeps): unknown;
  /** The first step: the case as created. Input already validated against `inputSchema`. */
  start(deps: MachineDeps, input: Record<string, unknown>, meta: EventMeta): StepResult;
  /** One event. Payload already validated against `eventSchemas[type]`; role already checked. */
  step(
    deps: MachineDeps,
    snapshot: PersistedSnapshot,
    event: { type: string; payload: Record<string, unknown> } & EventMeta,
  ): StepResult;
  /** The events the current state accepts, with their roles. */
  allowedEvents(deps: MachineDeps, snapshot: PersistedSnapshot): AllowedEvent[];
  /**
   * Optional: the parts of a parallel step still awaited and the target dates of the case,
   * from a step's context (as `StepOk.context`, with `children`) and dotted state. Absent:
   * none.
   */
  progress?(context: Record<string, unknown>, state: string): CaseProgress;
  /**
   * Optional: the machine restored once to take several events of one case in turn, so a
   * runtime that keeps a case's session between commands skips restoring the snapshot.
   * Stepping a session must give exactly what `step` gives on the persisted snapshot of
   * the session's current state.
   */
  open?(deps: MachineDeps, snapshot: PersistedSnapshot): MachineSession;
  /**
   * Optional: the step of a snapshot as it is, no event sent (no effects): what a case
   * migrated to this version (machines/common/migration.ts) is on it. Throws when the
   * machine cannot restore the snapshot. Absent: no case can be migrated to this module.
   */
  resume?(deps: MachineDeps, snapshot: PersistedSnapshot): StepOk;
}

/**
 * A case's machine, restored, taking its events one after another. After an accepted step
 * the session is in the new state; a refused one leaves it as it was. After a step threw,
 * the session is unusable: close it and open a new one.
 */
export interface MachineSession {
  step(event: { type: string; payload: Record<string, unknown> } & EventMeta): StepResult;
  /** Stops the actor; the session must not be used after. */
  close(): void;
}
