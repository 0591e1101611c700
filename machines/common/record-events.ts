/**
 * Record events: what happened to the case's deadlines and messages outside its workflow,
 * accepted in EVERY state of every procedure, the final ones included. A notice delivered
 * after the case was answered is still a notice delivered (issue 12 §1): its deadline
 * closes, and the history says so.
 *
 * - `message_delivered` {messageId, template, deadline?} (system): the outbox delivered a
 *   message; the deadline it serves (`deadline`, the outbox row's `closesDeadline`) closes,
 *   judged by the delivery's occurredAt, and the message leaves `undelivered`.
 * - `message_failed` {messageId, template, deadline?} (system): the outbox gave up on a
 *   message; it joins `context.undelivered` (the case's visible problem) until resent or
 *   delivered. The error text stays in the outbox's delivery attempts, never here.
 * - `resend_message` {messageId} (staff, the role the procedure's notices belong to): puts
 *   an undelivered message back in the queue (a `resend` effect) and clears it.
 * - `deadline_missed` {key} (system): on an active case, the deadline is observed missed;
 *   on a closed one it is recorded and changes nothing.
 * - `deadline_recounted` {key, oldLastDay, newLastDay, oldDueAt, newDueAt, oldVersion,
 *   newVersion} (system): a newer business calendar was installed (engine/recount.ts) and
 *   the open deadline's last day or due moved: the deadline is counted again from its own
 *   record (`from`, `amount`, `reading`) with the calendar the step runs with (the newest),
 *   which stamps it with that version (`recountDeadline`). A missed deadline whose new due
 *   is later than its observation is pending again (its timer is re-armed). A closed or
 *   absent deadline is left as it was.
 * - `record_notice` {deadline?, messageId?, channel, reference?} (staff): the applicant was
 *   told another way (phone, post, in person, the portal, an e-mail sent by hand): the notice
 *   deadline it answers closes, judged by the event's occurredAt, and the undelivered
 *   message it replaces (named, or serving that deadline) leaves `undelivered`. A queued
 *   message that is delivered later changes nothing more.
 * - `reminder_queued` {key, slot, recipients, unit?} (system): the engine queued staff
 *   reminders of the open deadline `key` (engine/notifications/): `slot` names the policy's
 *   reminder (e.g. `1wd@09:00`), `recipients` the staff user names mailed, `unit` the unit
 *   whose mailbox was mailed. Changes nothing in the context.
 * - `escalation_queued` {key, recipients, unit?} (system): the engine queued the escalation of
 *   the missed deadline `key` to the staff the policy names. Changes nothing.
 *
 * They change no state: only `context.deadlines` and `context.undelivered`, the part every
 * procedure's context shares. Active states take them as root handlers (common/parent.ts
 * `ROOT_HANDLERS`, action `recordEvent`); on a closed case the runtime (machines/runtime.ts)
 * applies the same reducer to the persisted snapshot's context. Both go through
 * `applyRecordEvent`, so a replay reproduces them whatever the state.
 *
 * Adding a record event (e.g. staff's `record_notice`, `correct`): add its type to
 * `RECORD_EVENT_TYPES`, its schema/roles to `recordEventSchemas`/`recordEventRoles` (or to
 * the procedure's events file), its check to `recordEventRefusal`, its effect on the shared
 * context to `applyRecordEvent`, and its type to `ROOT_HANDLERS`. Nothing else needs to know.
 *
 * Compatibility of stored histories: `undelivered` is absent from the context until a
 * message fails (a context key added to every case would make the stored snapshots of
 * older cases differ from their replay); a `message_delivered` stored without `deadline`
 * closes what it closed when it was recorded (the extension notice, by its template).
 */
import { Type, type TSchema } from 'typebox';
import type { BusinessCalendar, Instant } from '../../calendars/types.js';
import type { CaseDeadline, MachineDeps, Role } from '../contract.js';
import { close, observeMissed } from './deadlines.js';
import type { Effect, MailTemplate, Recipient } from './effects.js';
import { NonEmpty } from './events.js';

/** `context.deadlines` (common/parent.ts `Deadlines`; not imported from there: parent.ts imports this file). */
type Deadlines = Record<string, CaseDeadline>;

export const RECORD_EVENT_TYPES = [
  'message_delivered',
  'message_failed',
  'resend_message',
  'deadline_missed',
  'record_notice',
  'reminder_queued',
  'escalation_queued',
  'deadline_recounted',
] as const;

/**
 * The deadlines a notice to the applicant closes (PROCEDURES.md "Which event … closes each
 * deadline": "delivery of the notice e-mail"): P3's `extension_notice`. (P5's applicant
 * notice is queued by `forward`, which closes `forward` itself; a failed one is answered by
 * `record_notice {messageId}`.)
 */
export const NOTICE_DEADLINES = ['extension_notice'] as const;

/** How a notice given outside the outbox reached the applicant. */
export const NOTICE_CHANNELS = ['email', 'phone', 'post', 'in_person', 'portal'] as const;
export type RecordEventType = (typeof RECORD_EVENT_TYPES)[number];

const RECORD_EVENTS: ReadonlySet<string> = new Set(RECORD_EVENT_TYPES);
export function isRecordEvent(type: string): type is RecordEventType {
  return RECORD_EVENTS.has(type);
}

/** A message the outbox finally failed to deliver, until it is resent or delivered. */
export interface UndeliveredMessage {
  messageId: string;
  template: string;
  /** The deadline the message would have closed (e.g. `extension_notice`), if any. */
  deadline?: string;
  /** occurredAt of the `message_failed`. */
  failedAt: Instant;
}

/** The part of every procedure's context the record events touch. */
export interface RecordContext {
  deadlines: Deadlines;
  undelivered?: UndeliveredMessage[];
  /** P3's applicant (the mail recipient), when the procedure has one. */
  applicant?: unknown;
}

/** The case's mail recipient, if its context has one (P3 `applicant`, possibly corrected). */
function recipientOf(context: Partial<RecordContext>): Recipient | undefined {
  const a = context.applicant as { name?: unknown; email?: unknown } | undefined;
  return a && typeof a.name === 'string' && typeof a.email === 'string' ? { name: a.name, email: a.email } : undefined;
}

/** A record event as the reducer sees it (the payload already checked against its schema). */
export interface RecordEvent {
  type: string;
  payload?: Record<string, unknown>;
  occurredAt: Instant;
}

/** What a record event changes: the keys of the shared context that moved, and the effects. */
export interface RecordStep {
  changes: Partial<RecordContext>;
  effects: Effect[];
}

const MAIL_TEMPLATES: readonly MailTemplate[] = ['acknowledgement', 'extension_notice', 'answer', 'redirect_notice'];
const MailTemplateSchema = Type.Unsafe<MailTemplate>(Type.Union(MAIL_TEMPLATES.map((t) => Type.Literal(t))));

/**
 * The payload schemas of the message record events, with `deadline` restricted to the
 * procedure's deadline keys (`deadline_missed` is built by `deadlineMissedPayload`).
 */
export function recordEventSchemas<K extends string>(deadlineKeys: readonly K[]) {
  const deadline = Type.Optional(
    Type.Unsafe<K>(Type.Union(deadlineKeys.map((k) => Type.Literal(k)), { description: 'the deadline the message closes when delivered' })),
  );
  const message = Type.Object({ messageId: NonEmpty('outbox message id'), template: MailTemplateSchema, deadline });
  return {
    message_delivered: message,
    message_failed: message,
    resend_message: Type.Object({ messageId: NonEmpty('the id of the undelivered message (GET /cases/{id}/messages)') }),
    reminder_queued: Type.Object({
      key: Type.Unsafe<K>(Type.Union(deadlineKeys.map((k) => Type.Literal(k)), { description: 'the open deadline reminded of' })),
      slot: NonEmpty('the policy reminder, e.g. 1wd@09:00'),
      recipients: Type.Array(NonEmpty('a staff user name'), { maxItems: 1000 }),
      unit: Type.Optional(NonEmpty('the unit whose mailbox was reminded')),
    }),
    escalation_queued: Type.Object({
      key: Type.Unsafe<K>(Type.Union(deadlineKeys.map((k) => Type.Literal(k)), { description: 'the missed deadline escalated' })),
      recipients: Type.Array(NonEmpty('a staff user name'), { maxItems: 1000 }),
      unit: Type.Optional(NonEmpty('the unit whose mailbox was told')),
    }),
  } satisfies Record<string, TSchema>;
}

/**
 * `record_notice`, for a procedure whose notices are mail: `deadline` restricted to its
 * notice deadlines (`noticeKeys`, a subset of NOTICE_DEADLINES).
 */
export function recordNoticeSchemas<K extends string>(noticeKeys: readonly K[]) {
  return {
    record_notice: Type.Object({
      deadline: Type.Optional(
        Type.Unsafe<K>(Type.Union(noticeKeys.map((k) => Type.Literal(k)), { description: 'the notice deadline the notice answers' })),
      ),
      messageId: Type.Optional(NonEmpty('the undelivered message the notice replaces (GET /cases/{id}/messages)')),
      channel: Type.Unsafe<(typeof NOTICE_CHANNELS)[number]>(
        Type.Union(NOTICE_CHANNELS.map((c) => Type.Literal(c)), { description: 'how the applicant was told' }),
      ),
      reference: Type.Optional(NonEmpty('an outgoing number, a call log entry, a receipt…')),
    }),
  } satisfies Record<string, TSchema>;
}

/**
 * `deadline_recounted` restricted to the procedure's deadline keys: the record of one
 * re-count (engine/recount.ts). The reducer counts the deadline again itself; the old and
 * new values say what moved.
 */
export function recountEventSchemas<K extends string>(deadlineKeys: readonly K[]) {
  const day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });
  return {
    deadline_recounted: Type.Object({
      key: Type.Unsafe<K>(Type.Union(deadlineKeys.map((k) => Type.Literal(k)), { description: 'the deadline counted again' })),
      oldLastDay: day('the last day before'),
      newLastDay: day('the last day with the new calendar'),
      oldDueAt: NonEmpty('the due instant before'),
      newDueAt: NonEmpty('the due instant with the new calendar'),
      oldVersion: NonEmpty('the calendar version it was counted with'),
      newVersion: NonEmpty('the calendar version it is counted with now'),
    }),
  } satisfies Record<string, TSchema>;
}

/** Its role: the engine's alone. */
export const recountEventRoles: Record<'deadline_recounted', Role[]> = { deadline_recounted: ['system'] };

/**
 * An open deadline counted again with `calendar` from its own record: `from`, `amount` and
 * `reading` (P3's extended review term is `receivedAt` + 15 + the extension days, as
 * `extend` counts it; a P4 turn from the occurredAt that opened it). A lead time
 * (`direction: 'before'`: P1's п. 11, judged at creation; P6's internal targets, open)
 * counts back from its date in working days. The same object when neither the last day nor the
 * due moves (the deadline keeps the version it was counted with). Throws the calendar's
 * `CalendarError` when the new data does not cover the days needed.
 */
export function recountDeadline(calendar: BusinessCalendar, d: CaseDeadline): CaseDeadline {
  // A lead time counts BACK from a date (its `from` is that day, not an instant). The open
  // ones (P6's internal targets) are in working days: the N-th working day before the date
  // again. A calendar-day lead time is never open; should one be, it is refused (the sweep
  // reports it) rather than moved wrongly.
  const leadTime = /^\d{4}-\d{2}-\d{2}$/.test(d.from);
  if (leadTime && d.reading !== 'working') {
    throw new Error(`deadline "${d.key}" is a lead time counted back from ${d.from} in calendar days: it is not re-counted`);
  }
  const c = leadTime ? calendar.workingDayBefore(d.from, d.amount) : calendar.deadline(d.from, d.amount, d.reading);
  if (c.lastDay === d.lastDay && Date.parse(c.dueAt) === Date.parse(d.dueAt)) return d;
  const next: CaseDeadline = { ...d, lastDay: c.lastDay, dueAt: c.dueAt, calendar: c.calendar };
  // Observed missed at the old due, now due later: not missed yet (the timer fires again at the new due).
  if (d.status === 'missed' && d.observedMissedAt !== undefined && Date.parse(d.observedMissedAt) < Date.parse(c.dueAt)) {
    const { observedMissedAt: _o, ...rest } = next;
    return { ...rest, status: 'pending' };
  }
  return next;
}

/** Their roles: the engine sends the delivery and failure; `resendRoles` (who owns the procedure's notices) resend. */
export function recordEventRoles(
  resendRoles: Role[],
): Record<'message_delivered' | 'message_failed' | 'resend_message' | 'reminder_queued' | 'escalation_queued', Role[]> {
  return { message_delivered: ['system'], message_failed: ['system'], resend_message: resendRoles, reminder_queued: ['system'], escalation_queued: ['system'] };
}

/** The deadline a delivered message closes: its own `deadline`, else (older histories) the template's. */
export function deliveredDeadline(payload: Record<string, unknown> | undefined): string | undefined {
  if (typeof payload?.deadline === 'string') return payload.deadline;
  return payload?.template === 'extension_notice' ? 'extension_notice' : undefined;
}

function undeliveredOf(context: Partial<RecordContext>): UndeliveredMessage[] {
  return Array.isArray(context.undelivered) ? context.undelivered : [];
}

/** An open deadline a notice closes, if the case has one. */
function openNotice(context: Partial<RecordContext>): boolean {
  return NOTICE_DEADLINES.some((k) => context.deadlines?.[k]?.open === true);
}

/**
 * Record events not possible now (listed nowhere): `resend_message` with nothing
 * undelivered; `record_notice` with nothing undelivered and no notice deadline open.
 */
export function unavailableRecordEvents(context: Partial<RecordContext>): RecordEventType[] {
  if (undeliveredOf(context).length > 0) return [];
  return openNotice(context) ? ['resend_message'] : ['resend_message', 'record_notice'];
}

/** Why the case refuses a record event (a message saying what to fix), or null. */
export function recordEventRefusal(context: Partial<RecordContext>, event: RecordEvent): string | null {
  if (event.type === 'record_notice') return noticeRefusal(context, event.payload ?? {});
  if (event.type !== 'resend_message') return null;
  const id = event.payload?.messageId;
  const undelivered = undeliveredOf(context);
  if (undelivered.some((m) => m.messageId === id)) return null;
  return undelivered.length === 0
    ? `Message "${String(id)}" cannot be resent: no message of this case is undelivered (a queued message is still being tried; a sent one needs nothing).`
    : `Message "${String(id)}" is not an undelivered message of this case; resend one of: ${undelivered.map((m) => m.messageId).join(', ')}.`;
}

function noticeRefusal(context: Partial<RecordContext>, p: Record<string, unknown>): string | null {
  const undelivered = undeliveredOf(context);
  if (p.deadline === undefined && p.messageId === undefined) {
    return 'Say what the notice answers: "deadline" (the notice deadline, e.g. extension_notice) or "messageId" (the undelivered message it replaces).';
  }
  if (typeof p.deadline === 'string') {
    const d = context.deadlines?.[p.deadline];
    if (!d) return `The case has no deadline "${p.deadline}": no notice of it is owed.`;
    if (!d.open) return `The deadline "${p.deadline}" is already closed (${d.status}${d.closedAt ? ` at ${d.closedAt}` : ''}): no notice of it is owed.`;
  }
  if (typeof p.messageId === 'string' && !undelivered.some((m) => m.messageId === p.messageId)) {
    return undelivered.length === 0
      ? `Message "${p.messageId}" is not undelivered: a queued message is still being tried, a sent one needs no notice. Name the notice deadline instead.`
      : `Message "${p.messageId}" is not an undelivered message of this case; undelivered: ${undelivered.map((m) => m.messageId).join(', ')}.`;
  }
  return null;
}

/**
 * The effect of a record event on the shared context. `closed`: the case is in a final
 * state (a `deadline_missed` then changes nothing). An event that changes nothing returns
 * no changes, so the stored context keeps its bytes.
 */
export function applyRecordEvent(deps: MachineDeps, context: RecordContext, event: RecordEvent, closed: boolean): RecordStep {
  const p = event.payload ?? {};
  const undelivered = undeliveredOf(context);
  const without = (id: unknown) => undelivered.filter((m) => m.messageId !== id);
  switch (event.type as RecordEventType) {
    case 'message_delivered': {
      const changes: Partial<RecordContext> = {};
      const key = deliveredDeadline(p);
      const d = key === undefined ? undefined : context.deadlines[key];
      if (key !== undefined && d?.open) changes.deadlines = { ...context.deadlines, [key]: close(deps, d, event.occurredAt) };
      if (undelivered.some((m) => m.messageId === p.messageId)) changes.undelivered = without(p.messageId);
      return { changes, effects: [] };
    }
    case 'message_failed': {
      const failed: UndeliveredMessage = {
        messageId: String(p.messageId),
        template: String(p.template),
        ...(typeof p.deadline === 'string' ? { deadline: p.deadline } : {}),
        failedAt: event.occurredAt,
      };
      return { changes: { undelivered: [...without(p.messageId), failed] }, effects: [] };
    }
    case 'resend_message':
      return {
        changes: { undelivered: without(p.messageId) },
        effects: [{ kind: 'resend', messageId: String(p.messageId), ...(recipientOf(context) ? { to: recipientOf(context)! } : {}) }],
      };
    case 'record_notice': {
      const changes: Partial<RecordContext> = {};
      const key = typeof p.deadline === 'string' ? p.deadline : undelivered.find((m) => m.messageId === p.messageId)?.deadline;
      const d = key === undefined ? undefined : context.deadlines[key];
      if (key !== undefined && d?.open) changes.deadlines = { ...context.deadlines, [key]: close(deps, d, event.occurredAt) };
      const left = undelivered.filter((m) => m.messageId !== p.messageId && (key === undefined || m.deadline !== key));
      if (left.length !== undelivered.length) changes.undelivered = left;
      return { changes, effects: [] };
    }
    case 'deadline_recounted': {
      const d = context.deadlines[String(p.key)];
      if (!d?.open) return { changes: {}, effects: [] };
      const next = recountDeadline(deps.calendar, d);
      return { changes: next === d ? {} : { deadlines: { ...context.deadlines, [d.key]: next } }, effects: [] };
    }
    case 'deadline_missed': {
      const d = context.deadlines[String(p.key)];
      if (closed || !d) return { changes: {}, effects: [] };
      const next = observeMissed(d, event.occurredAt);
      return { changes: next === d ? {} : { deadlines: { ...context.deadlines, [d.key]: next } }, effects: [] };
    }
    default:
      return { changes: {}, effects: [] };
  }
}
