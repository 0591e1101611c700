/**
 * Rows (snake_case, as stored) ⇄ records (storage/port.ts). The only place that knows how
 * a field is encoded, e.g. `waiting_roles` as `,car,unit,` so that one LIKE finds a role.
 */
import type { CaseRecord, DeliveryAttemptRecord, DeadlineLedgerRecord, EventRecord, FeedTokenRecord, IdempotencyRecord, OutboxRecord, ReminderRecord, TimerRecord } from './port.js';
import type { CaseRow, DeadlineLedgerRow, DeliveryAttemptRow, EventRow, FeedTokenRow, IdempotencyRow, OutboxRow, ReminderRow, TimerRow } from './schema.js';

/** `,a,b,` — the empty list is `,,`. */
export function encodeRoles(roles: readonly string[]): string {
  return `,${roles.join(',')},`;
}

export function decodeRoles(text: string): string[] {
  return text.split(',').filter((r) => r.length > 0);
}

/** The LIKE pattern that finds `role` in an encoded list. */
export function roleLike(role: string): string {
  return `%,${role},%`;
}

export function caseToRow(c: CaseRecord): CaseRow {
  return {
    id: c.id,
    procedure: c.procedure,
    machine_version: c.machineVersion,
    snapshot: c.snapshotJson,
    context: c.contextJson,
    state: c.state,
    status: c.status,
    seq: c.seq,
    head_hash: c.headHash,
    next_due_at: c.nextDueAt,
    waiting_roles: encodeRoles(c.waitingRoles),
    last_staff_occurred_at: c.lastStaffOccurredAt,
    backdated: c.backdated ? 1 : 0,
    unit: c.unit ?? null,
    assignee: c.assignee ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    undelivered: c.undelivered ? 1 : 0,
    part_units: c.partUnits && c.partUnits.length > 0 ? JSON.stringify(c.partUnits) : null,
  };
}

export function caseFromRow(r: CaseRow): CaseRecord {
  return {
    id: r.id,
    procedure: r.procedure,
    machineVersion: r.machine_version,
    snapshotJson: r.snapshot,
    contextJson: r.context,
    state: r.state,
    status: r.status,
    seq: r.seq,
    headHash: r.head_hash,
    nextDueAt: r.next_due_at,
    waitingRoles: decodeRoles(r.waiting_roles),
    lastStaffOccurredAt: r.last_staff_occurred_at,
    backdated: r.backdated === 1,
    // Absent rather than null, as the records the engine builds for a case without them
    // (and absent when a read-only reader opens a database not yet migrated to 000300).
    ...(typeof r.unit === 'string' ? { unit: r.unit } : {}),
    ...(typeof r.assignee === 'string' ? { assignee: r.assignee } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    // Absent when false, as in records written before the column (migration 000400).
    ...(r.undelivered === 1 ? { undelivered: true } : {}),
    // Absent when none, as in records written before the column (migration 001800).
    ...(typeof r.part_units === 'string' ? { partUnits: JSON.parse(r.part_units) as string[] } : {}),
  };
}

/** The columns of `cases` that an update may write (everything but the key and the creation fields). */
export const CASE_UPDATABLE = [
  'machine_version',
  'snapshot',
  'context',
  'state',
  'status',
  'seq',
  'head_hash',
  'next_due_at',
  'waiting_roles',
  'last_staff_occurred_at',
  'backdated',
  'unit',
  'assignee',
  'updated_at',
  'undelivered',
  'part_units',
] as const satisfies readonly (keyof CaseRow)[];
export type CaseUpdatableColumn = (typeof CASE_UPDATABLE)[number];

export function eventToRow(e: EventRecord): EventRow {
  return {
    case_id: e.caseId,
    seq: e.seq,
    type: e.type,
    payload: e.payloadJson,
    role: e.role,
    actor: e.actor,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    prev_hash: e.prevHash,
    hash: e.hash,
    backdating_reason: e.backdatingReason,
    calendar_version: e.calendarVersion ?? null,
    log_position: e.logPosition ?? null,
  };
}

export function eventFromRow(r: EventRow): EventRecord {
  return {
    caseId: r.case_id,
    seq: r.seq,
    type: r.type,
    payloadJson: r.payload,
    role: r.role,
    actor: r.actor,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
    prevHash: r.prev_hash,
    hash: r.hash,
    backdatingReason: r.backdating_reason,
    // Absent unless written (every baseline event, and a database not yet migrated to 001200).
    ...(typeof r.calendar_version === 'string' ? { calendarVersion: r.calendar_version } : {}),
    ...(typeof r.log_position === 'number' ? { logPosition: r.log_position } : {}),
  };
}

export function timerToRow(t: TimerRecord): TimerRow {
  return {
    case_id: t.caseId,
    key: t.key,
    due_at: t.dueAt,
    status: t.status,
    fired_at: t.firedAt,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export function timerFromRow(r: TimerRow): TimerRecord {
  return {
    caseId: r.case_id,
    key: r.key,
    dueAt: r.due_at,
    status: r.status,
    firedAt: r.fired_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function outboxToRow(o: OutboxRecord): OutboxRow {
  return {
    id: o.id,
    case_id: o.caseId,
    event_seq: o.eventSeq,
    kind: o.kind,
    template: o.template,
    recipient: o.recipient,
    language: o.language,
    payload: o.payloadJson,
    status: o.status,
    attempts: o.attempts,
    next_attempt_at: o.nextAttemptAt,
    last_error: o.lastError,
    closes_deadline: o.closesDeadline,
    created_at: o.createdAt,
    sent_at: o.sentAt,
    resent_at_attempt: o.resentAtAttempt ?? 0,
  };
}

export function outboxFromRow(r: OutboxRow): OutboxRecord {
  return {
    id: r.id,
    caseId: r.case_id,
    eventSeq: r.event_seq,
    kind: r.kind,
    template: r.template,
    recipient: r.recipient,
    language: r.language,
    payloadJson: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    closesDeadline: r.closes_deadline,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    ...(r.resent_at_attempt > 0 ? { resentAtAttempt: r.resent_at_attempt } : {}),
  };
}

export function attemptToRow(a: DeliveryAttemptRecord): DeliveryAttemptRow {
  return {
    outbox_id: a.outboxId,
    attempt: a.attempt,
    started_at: a.startedAt,
    finished_at: a.finishedAt,
    outcome: a.outcome,
    error: a.error,
    response: a.response,
  };
}

export function attemptFromRow(r: DeliveryAttemptRow): DeliveryAttemptRecord {
  return {
    outboxId: r.outbox_id,
    attempt: r.attempt,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    error: r.error,
    response: r.response,
  };
}

export function idempotencyToRow(i: IdempotencyRecord): IdempotencyRow {
  return {
    key: i.key,
    request_hash: i.requestHash,
    response_status: i.responseStatus,
    response_body: i.responseBodyJson,
    case_id: i.caseId,
    created_at: i.createdAt,
  };
}

export function idempotencyFromRow(r: IdempotencyRow): IdempotencyRecord {
  return {
    key: r.key,
    requestHash: r.request_hash,
    responseStatus: r.response_status,
    responseBodyJson: r.response_body,
    caseId: r.case_id,
    createdAt: r.created_at,
  };
}

export function feedTokenFromRow(r: Pick<FeedTokenRow, 'user_name' | 'token_sha256' | 'created_at' | 'revoked_at'>): FeedTokenRecord {
  return { userName: r.user_name, tokenSha256: r.token_sha256, createdAt: r.created_at, revokedAt: r.revoked_at };
}

export function reminderToRow(r: ReminderRecord): ReminderRow {
  return {
    case_id: r.caseId,
    key: r.key,
    slot: r.slot,
    due_at: r.dueAt,
    deadline_due_at: r.deadlineDueAt,
    status: r.status,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export function reminderFromRow(r: ReminderRow): ReminderRecord {
  return {
    caseId: r.case_id,
    key: r.key,
    slot: r.slot,
    dueAt: r.due_at,
    deadlineDueAt: r.deadline_due_at,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function ledgerToRow(l: DeadlineLedgerRecord): DeadlineLedgerRow {
  return {
    case_id: l.caseId,
    key: l.key,
    turn: l.turn,
    procedure: l.procedure,
    unit: l.unit,
    rule: l.rule,
    from_at: l.from,
    last_day: l.lastDay,
    due_at: l.dueAt,
    status: l.status,
    open: l.open ? 1 : 0,
    closed_at: l.closedAt,
    lateness_amount: l.latenessAmount,
    lateness_unit: l.latenessUnit,
    extensions: l.extensions,
    extension_days: l.extensionDays,
    calendar_version: l.calendarVersion,
  };
}

export function ledgerFromRow(r: DeadlineLedgerRow): DeadlineLedgerRecord {
  return {
    caseId: r.case_id,
    key: r.key,
    turn: r.turn,
    procedure: r.procedure,
    unit: r.unit,
    rule: r.rule,
    from: r.from_at,
    lastDay: r.last_day,
    dueAt: r.due_at,
    status: r.status,
    open: r.open === 1,
    closedAt: r.closed_at,
    latenessAmount: r.lateness_amount,
    latenessUnit: r.lateness_unit,
    extensions: r.extensions,
    extensionDays: r.extension_days,
    calendarVersion: r.calendar_version,
  };
}
