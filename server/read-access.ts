/**
 * Who reads what (issue 13; README "Who reads what"). Applicants' names, e-mails and texts
 * are personal data (Law of RK "On personal data and their protection"): a person sees
 * them only on the cases their work needs.
 *
 * The matrix is derived from the procedures' own role tables, never retyped: a role takes
 * part in a procedure when it may create its cases or send one of its events, except the
 * events open to every staff role (`comment`, `correct`), which give no part. The auditor
 * reads everything. A `unit` user takes part only in the cases of their units and the
 * cases they ever acted on (an event with their name in the history).
 *
 * A person without a part gets the same routes REDACTED, never a 403 (lists mix
 * procedures, and the state, deadlines and queues stay everybody's business): the view
 * without its context beyond `VIEW_CONTEXT_KEPT` (no applicant, texts, answers, reasons),
 * history events without payload and `backdatingReason`, messages without recipient,
 * text, data and errors; each redacted item says `redacted: true`.
 *
 * Every unredacted read by a person is recorded by the engine (`engine.recordReads`):
 * who, the role that gave the access, the case, the route, when.
 *
 * Writing needs a part too: the events open to every staff role (`comment`, `correct`)
 * give no part in a procedure, and a role that takes none (it would see the case
 * redacted) may not send them (`writeRefusal`): no comments on a case one may not read.
 * The auditor reads and never writes.
 *
 * A person with several roles reads with all of them (the first that gives a part is the
 * one recorded), unless the request names one with `X-Acting-Role` (`readerOf`): then
 * that role alone decides, as it does for the events the person sends.
 */
import type { CaseView, HistoryEvent, MessageView } from '../engine/index.js';
import { procedures } from '../machines/index.js';
import type { ProcedureId, ProcedureModule, Role } from '../machines/contract.js';
import { HUMAN_ROLES, type User } from './auth.js';
import { ApiError } from './errors.js';

/** The staff roles that take part in cases (everyone but the auditor, who only reads). */
const STAFF_ROLES = HUMAN_ROLES.filter((r) => r !== 'auditor');

/** Events every staff role may send (comments, corrections): sending one gives no part in a procedure. */
function isOpenToAll(roles: readonly Role[]): boolean {
  return STAFF_ROLES.every((r) => roles.includes(r));
}

/** The roles that take part in a procedure, from its `createRoles` and `eventRoles`. */
export function participants(module: Pick<ProcedureModule, 'createRoles' | 'eventRoles'>): Set<Role> {
  const out = new Set<Role>();
  const add = (roles: readonly Role[]) => {
    for (const r of roles) if (r !== 'system' && r !== 'auditor') out.add(r);
  };
  add(module.createRoles);
  for (const roles of Object.values(module.eventRoles)) if (!isOpenToAll(roles)) add(roles);
  return out;
}

/** The event types open to every staff role in some procedure (`comment`, `correct`): they need a part (`writeRefusal`). */
export const OPEN_TO_ALL_EVENTS: ReadonlySet<string> = new Set(
  Object.values(procedures).flatMap((m) => Object.entries(m.eventRoles).filter(([, roles]) => isOpenToAll(roles)).map(([type]) => type)),
);

/** The read matrix: per procedure, the roles that see its personal data (the auditor: all). */
export const READ_MATRIX: Readonly<Partial<Record<string, ReadonlySet<Role>>>> = Object.fromEntries(
  Object.values(procedures).map((m): [ProcedureId, ReadonlySet<Role>] => [m.id, participants(m)]),
);

/**
 * Why `role` may not send `type` on a case of `procedure`, or null: an event open to every
 * staff role (a comment, a correction) by a role that takes no part in the procedure, or
 * by the auditor. A `unit` role is left to the engine's unit rule (engine/units.ts: only
 * on the cases of their units, 403 `not_your_unit`), which is stricter than reading (a
 * case they once acted on stays readable). Any other event is the engine's to check
 * against the procedure's roles.
 */
export function writeRefusal(procedure: string, type: string, role: Role): ApiError | null {
  if (!OPEN_TO_ALL_EVENTS.has(type) || role === 'unit') return null;
  if (role === 'auditor') return new ApiError('forbidden', `The auditor reads the record and never writes to it: no ${type}.`, { roles: [] });
  const taking = READ_MATRIX[procedure];
  if (!taking || taking.has(role)) return null;
  const roles = [...taking];
  return new ApiError(
    'forbidden',
    `The role ${role} takes no part in ${procedure} cases and sees them redacted, so may not send ${type}: ` +
      `comments and corrections are for the roles that take part (${roles.join(', ')}).`,
    { roles },
  );
}

/** What a person may see of one case, and under which role (recorded with the read). */
export type Access = { full: true; role: Role } | { full: false };

export interface CaseFacts {
  procedure: string;
  /** The case's unit (null: none yet). */
  unit: string | null;
  /** The units whose own part the case waits for (P6's co-units): their users read it as the unit's do. */
  partUnits?: readonly string[];
  /** The person recorded an event on the case. */
  actedOn: boolean;
}

/**
 * The user as a reader: without `actingRole` (the `X-Acting-Role` header), with all their
 * roles; with it, with that role only, which they must hold (else 403 `forbidden`, naming
 * their roles). A unit user keeps their units.
 */
export function readerOf(user: User, actingRole: string | undefined): User {
  if (actingRole === undefined || actingRole === '') return user;
  if (!(user.roles as readonly string[]).includes(actingRole)) {
    throw new ApiError('forbidden', `X-Acting-Role '${actingRole}' is not one of your roles (${user.roles.join(', ')}); send one of them, or no X-Acting-Role to read with all of them.`, {
      roles: user.roles,
    });
  }
  return { ...user, roles: [actingRole as Role] };
}

/** The access of `user` to a case: the auditor, or a taking-part role (a unit user: their units' cases and those they acted on). */
export function accessOf(user: User, c: CaseFacts): Access {
  if (user.roles.includes('auditor')) return { full: true, role: 'auditor' };
  const taking = READ_MATRIX[c.procedure];
  if (!taking) return { full: false };
  for (const role of user.roles) {
    if (!taking.has(role)) continue;
    if (role !== 'unit') return { full: true, role };
    const mine = user.units ?? [];
    if (c.actedOn || (c.unit !== null && mine.includes(c.unit)) || (c.partUnits ?? []).some((u) => mine.includes(u))) return { full: true, role };
  }
  return { full: false };
}

/**
 * Whether deciding needs to know if the person acted on the case: only for a unit user
 * whose other roles give no part and whose units do not hold the case.
 */
export function needsActedOn(user: User, c: Omit<CaseFacts, 'actedOn'>): boolean {
  return !accessOf(user, { ...c, actedOn: false }).full && accessOf(user, { ...c, actedOn: true }).full;
}

/** The context keys a redacted view keeps: the case's shape and deadlines, nobody's words or address. */
export const VIEW_CONTEXT_KEPT = ['deadlines', 'unit', 'assignee', 'language', 'kind', 'channel', 'receivedAt', 'extensionDays', 'plannedFor'] as const;

export function redactView<V extends CaseView>(view: V): V & { redacted: true } {
  const context: Record<string, unknown> = {};
  for (const k of VIEW_CONTEXT_KEPT) if (Object.hasOwn(view.context, k)) context[k] = view.context[k];
  return { ...view, context, redacted: true };
}

export function redactHistoryEvent(e: HistoryEvent): HistoryEvent & { redacted: true } {
  const { backdatingReason: _reason, ...rest } = e;
  return { ...rest, payload: {}, redacted: true };
}

export function redactMessage(m: MessageView): MessageView & { redacted: true } {
  return {
    ...m,
    recipient: null,
    text: null,
    data: {},
    lastError: null,
    deliveryAttempts: m.deliveryAttempts.map((a) => ({ ...a, error: null })),
    redacted: true,
  };
}
