/**
 * What an accepted step writes, computed without I/O: the event (hash-chained to the
 * case's head) and the case record after it. The runner stores both in the command's unit
 * of work; replay and verify recompute the same hash from the stored event.
 */
import type { AllowedEvent, CaseDeadline, EventMeta, ProcedureModule, StepOk } from '../machines/contract.js';
import type { CaseRecord, EventRecord } from '../storage/index.js';
import { eventIsBackdated } from './backdating.js';
import { deadlinesOf, hasUndelivered, nextDueAt, waitingRoles } from './case-view.js';
import { eventHash, GENESIS_HASH } from './hash.js';
import { MIGRATED_EVENT } from '../machines/common/migration.js';
import { partUnitsOf } from './units.js';

/**
 * A JSON value as stored (undefined dropped, Dates → strings) and its text: the value is
 * what the case view and the hash see, the text is what is written, so they cannot differ.
 */
export function asStored<T>(v: T): { value: T; text: string } {
  const text = JSON.stringify(v ?? {});
  return { value: JSON.parse(text) as T, text };
}

/** `{[key]: value}` for a string, `{}` otherwise (a record without the field). */
function textField<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' ? ({ [key]: value } as Record<K, string>) : {};
}

export interface StepInput {
  module: ProcedureModule;
  caseId: string;
  /** The case before the step; undefined for the creation. */
  prev: CaseRecord | undefined;
  type: string;
  payload: Record<string, unknown>;
  meta: EventMeta;
  /** The staff's reason for a late recording (engine/backdating.ts), or null. */
  backdatingReason: string | null;
  /** The calendar version the step was computed with when not the baseline (engine/calendar-versions.ts); absent or null otherwise. */
  calendarVersion?: string | null;
  result: StepOk;
  /** The events the new state accepts (the step's own list, or computed by the caller). */
  allowed: AllowedEvent[];
}

export interface StepRecords {
  event: EventRecord;
  record: CaseRecord;
  /** The payload and context exactly as stored. */
  payload: Record<string, unknown>;
  context: Record<string, unknown>;
  deadlines: Record<string, CaseDeadline>;
  /** JSON of `deadlines`, to tell whether a step moved them (then the timers need syncing). */
  deadlinesJson: string;
}

export function stepRecords(p: StepInput): StepRecords {
  const now = p.meta.recordedAt;
  const seq = (p.prev?.seq ?? 0) + 1;
  const prevHash = p.prev?.headHash ?? GENESIS_HASH;
  const storedPayload = asStored(p.payload);
  const hash = eventHash({
    caseId: p.caseId,
    seq,
    type: p.type,
    payload: storedPayload.value,
    role: p.meta.actor.role,
    actor: p.meta.actor.name,
    occurredAt: p.meta.occurredAt,
    recordedAt: p.meta.recordedAt,
    prevHash,
    backdatingReason: p.backdatingReason,
    calendarVersion: p.calendarVersion ?? null,
  });
  const storedContext = asStored(p.result.context);
  const deadlines = deadlinesOf(storedContext.value);
  // The creation always bounds later staff events (even from the public intake); system
  // events (deadline_missed, message_delivered) never do.
  const staff = p.prev === undefined || p.meta.actor.role !== 'system';
  const record: CaseRecord = {
    id: p.caseId,
    procedure: p.module.id,
    // A case stays on its version; `procedure_migrated` moves it to the module it was stepped with.
    machineVersion: p.prev && p.type !== MIGRATED_EVENT ? p.prev.machineVersion : p.module.version,
    snapshotJson: JSON.stringify(p.result.snapshot),
    contextJson: storedContext.text,
    state: p.result.state,
    status: p.result.status,
    seq,
    headHash: hash,
    nextDueAt: nextDueAt(deadlines),
    waitingRoles: waitingRoles(p.allowed, p.module.optionalEvents),
    lastStaffOccurredAt: staff ? p.meta.occurredAt : (p.prev?.lastStaffOccurredAt ?? null),
    // System events are dated by the engine (deadline_missed at dueAt): never "back-dated".
    backdated: (p.prev?.backdated ?? false) || eventIsBackdated({ role: p.meta.actor.role, ...p.meta }),
    // The queues' unit and person (ProcedureModule: context `unit`, `assignee`).
    ...textField('unit', storedContext.value.unit),
    ...textField('assignee', storedContext.value.assignee),
    ...partUnitsField(partUnitsOf(p.module, storedContext.value, p.result.state)),
    createdAt: p.prev?.createdAt ?? now,
    updatedAt: now,
    ...(hasUndelivered(storedContext.value) ? { undelivered: true } : {}),
  };
  const event: EventRecord = {
    caseId: p.caseId,
    seq,
    type: p.type,
    payloadJson: storedPayload.text,
    role: p.meta.actor.role,
    actor: p.meta.actor.name,
    occurredAt: p.meta.occurredAt,
    recordedAt: p.meta.recordedAt,
    prevHash,
    hash,
    backdatingReason: p.backdatingReason,
    ...(typeof p.calendarVersion === 'string' ? { calendarVersion: p.calendarVersion } : {}),
  };
  return { event, record, payload: storedPayload.value, context: storedContext.value, deadlines, deadlinesJson: JSON.stringify(deadlines) };
}

/** `partUnits` only when there are some: a record without them stays as it was before the field. */
function partUnitsField(units: string[]): { partUnits?: readonly string[] } {
  return units.length > 0 ? { partUnits: units } : {};
}
