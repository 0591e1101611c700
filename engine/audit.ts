/**
 * Read-only access to an engine database for auditors (cli/audit.ts): the histories,
 * replay and verification of engine/replay.ts, without the workers and without writing.
 *
 * The storage is opened read-only (an existing file only), so it works next to a running
 * server (WAL: readers never block the writer) and can never create or migrate a database.
 *
 * @example
 * const store = await openAuditStore({ databasePath: 'data/qazindustry.sqlite', calendar, procedures });
 * const result = await store.verify(caseId);
 * await store.close();
 */
import type { BusinessCalendar } from '../calendars/types.js';
import type { CaseDeadline, EventMeta, MachineDeps, ProcedureModule, Role } from '../machines/contract.js';
import { openStorage, type CaseRecord, type EventRecord, type Storage } from '../storage/index.js';
import { eventIsBackdated } from './backdating.js';
import { deadlinesOf } from './case-view.js';
import { canonicalJson } from './hash.js';
import { EngineError, toEngineError } from './errors.js';
import { createModuleRegistry, type ModuleRegistry } from './registry.js';
import { replayCase, verifyCase, type ReplayedCase, type VerifyResult } from './replay.js';
import { CREATED_EVENT, type CommitObservation } from './runner.js';
import { CalendarVersions } from './calendar-versions.js';
import { creationVersion, versionAt, type FoldDeps } from './corrections.js';
import { MIGRATED_EVENT, migrateSnapshot, type MigratedPayload, type ProcedureMigration } from '../machines/common/migration.js';
import type { StepOk } from '../machines/contract.js';

export interface AuditStoreOptions {
  databasePath: string;
  calendar: BusinessCalendar;
  procedures: Record<string, ProcedureModule> | ProcedureModule[];
  legacyModules?: ProcedureModule[];
  /** The migrations between versions (`procedureMigrations`): histories that went through one replay with it. */
  migrations?: readonly ProcedureMigration[];
  readings?: MachineDeps['readings'];
  /** Internal targets switched on (INTERNAL_TARGETS), as the server runs with them. */
  targets?: MachineDeps['targets'];
  /** How long a read waits for a lock (a checkpoint of the running server), ms. */
  busyTimeoutMs?: number;
}

/** One stored event with both times, who sent it under which role, and its hashes. */
export interface AuditEvent {
  caseId: string;
  seq: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  role: string;
  payload: Record<string, unknown>;
  /** A staff event recorded more than the tolerance after it occurred. */
  backdated: boolean;
  backdatingReason: string | null;
  /** The calendar version the step was computed with, when not the baseline (engine/calendar-versions.ts). */
  calendarVersion?: string;
  /** The machine version the event was applied under (the creation's, changed by `procedure_migrated`). */
  machineVersion: string;
  prevHash: string;
  hash: string;
}

/** The case as it was after `seq`: state, status and deadlines. */
export interface CaseAsOf {
  caseId: string;
  procedure: string;
  version: string;
  seq: number;
  /** recordedAt of event `seq`. */
  recordedAt: string;
  state: string;
  status: 'active' | 'done';
  deadlines: CaseDeadline[];
  context: Record<string, unknown>;
}

/**
 * A deadline judged on the strength of a back-dated event: the event was recorded at or
 * after the deadline's dueAt, yet, dated earlier, it
 * - `closed_in_time`: closed the deadline `met` (recorded when it was already past due), or
 * - `moved`: moved a deadline that had already passed to a later dueAt (an extension
 *   decided "in time" but recorded after the term ended).
 */
export type BackdatedJudgement = Pick<AuditEvent, 'caseId' | 'seq' | 'type' | 'occurredAt' | 'recordedAt' | 'actor' | 'role' | 'backdatingReason'> & {
  procedure: string;
  key: string;
  rule: string;
  effect: 'closed_in_time' | 'moved';
  /** dueAt when the event was recorded (before a move). */
  dueAt: string;
  status: CaseDeadline['status'];
};

export interface AuditStore {
  readonly storage: Storage;
  readonly registry: ModuleRegistry;
  /** The newest installed calendar version's deps. */
  readonly deps: MachineDeps;
  /** The installed calendar versions (engine/calendar-versions.ts). */
  readonly calendars: CalendarVersions;
  /** Every case id, oldest first. */
  caseIds(): Promise<string[]>;
  /** The case, or `not_found`. */
  findCase(caseId: string): Promise<CaseRecord>;
  history(caseId: string): Promise<AuditEvent[]>;
  verify(caseId: string): Promise<VerifyResult>;
  /** After event `seq` (default: the last). */
  asOf(caseId: string, seq?: number): Promise<CaseAsOf>;
  /** The last seq recorded at or before `instant` (UTC ISO), or 0 when the case did not exist yet. */
  seqAt(caseId: string, instant: string): Promise<number>;
  /** The case's events as the commits the engine made, in order (for replaying into the inspector). */
  observations(caseId: string): Promise<CommitObservation[]>;
  /**
   * Every deadline whose judgement depends on a back-dated event (engine/backdating.ts):
   * of one case, or of every case flagged `backdated`, oldest case first.
   */
  backdatedJudgements(caseId?: string): Promise<BackdatedJudgement[]>;
  close(): Promise<void>;
}

export async function openAuditStore(o: AuditStoreOptions): Promise<AuditStore> {
  let storage: Storage;
  try {
    storage = await openStorage({ path: o.databasePath, readOnly: true, ...(o.busyTimeoutMs !== undefined ? { busyTimeoutMs: o.busyTimeoutMs } : {}) });
  } catch (e) {
    throw toEngineError(e);
  }
  const read = storage.read;
  const registry = createModuleRegistry(o.procedures, o.legacyModules, o.migrations);
  // The installed calendar versions: each event replays with the calendar it was computed with.
  const calendars = new CalendarVersions(o.calendar, o.readings, o.targets);
  try {
    calendars.load(await read.calendarVersions.list());
  } catch (e) {
    await storage.close();
    throw toEngineError(e);
  }
  const deps = calendars;

  const load = async (caseId: string): Promise<CaseRecord> => {
    const row = await read.cases.find(caseId);
    if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
    return row;
  };
  /** The machine a case was created on (before its first `procedure_migrated`). */
  const moduleOf = (row: CaseRecord, events: EventRecord[]): ProcedureModule => {
    const version = creationVersion(row.machineVersion, events.filter((e) => e.type === MIGRATED_EVENT).map((e) => ({ type: e.type, payload: JSON.parse(e.payloadJson) as Record<string, unknown> })));
    const m = registry.version(row.procedure, version);
    if (!m) throw new Error(`no machine ${row.procedure}@${version} is registered`);
    return m;
  };

  const store: AuditStore = {
    storage,
    registry,
    get deps() {
      return calendars.current;
    },
    calendars,
    caseIds: () => read.cases.ids(),
    findCase: load,
    async history(caseId) {
      const row = await load(caseId);
      const events = await read.events.list(caseId);
      const migrations = events.filter((e) => e.type === MIGRATED_EVENT).map((e) => ({ seq: e.seq, type: e.type, payload: JSON.parse(e.payloadJson) as Record<string, unknown> }));
      return events.map((e) => toAuditEvent(e, versionAt(row.machineVersion, migrations, e.seq)));
    },
    verify: (caseId) => verifyCase(read, registry, deps, caseId),
    async asOf(caseId, seq) {
      const { row, events, replayed } = await replayCase(read, registry, deps, caseId, seq);
      return asOfView(row, replayed, events[events.length - 1]?.recordedAt ?? row.updatedAt);
    },
    async seqAt(caseId, instant) {
      await load(caseId);
      let seq = 0;
      for (const e of await read.events.list(caseId)) if (e.recordedAt <= instant) seq = e.seq;
      return seq;
    },
    async observations(caseId) {
      const row = await load(caseId);
      const events = await read.events.list(caseId);
      return replayObservations(moduleOf(row, events), deps, row, events, registry);
    },
    async backdatedJudgements(caseId) {
      const rows: CaseRecord[] = [];
      if (caseId !== undefined) rows.push(await load(caseId));
      else {
        let after: { createdAt: string; id: string } | undefined;
        for (;;) {
          const page = await read.cases.list({ backdated: true, limit: 500, ...(after ? { after } : {}) });
          rows.push(...page);
          const last = page[page.length - 1];
          if (page.length < 500 || !last) break;
          after = { createdAt: last.createdAt, id: last.id };
        }
      }
      const out: BackdatedJudgement[] = [];
      for (const row of rows) {
        if (!row.backdated) continue;
        const events = await read.events.list(row.id);
        out.push(...judgementsOf(row, events, replayObservations(moduleOf(row, events), deps, row, events, registry)));
      }
      return out;
    },
    async close() {
      await storage.close();
    },
  };
  return store;
}

/** The deadlines a case's back-dated events judged (see BackdatedJudgement). */
function judgementsOf(row: CaseRecord, events: EventRecord[], steps: CommitObservation[]): BackdatedJudgement[] {
  const out: BackdatedJudgement[] = [];
  let before: Record<string, CaseDeadline> = {};
  steps.forEach((step, i) => {
    const e = events[i]!;
    const after = deadlinesOf((step.snapshot.context ?? {}) as Record<string, unknown>);
    if (eventIsBackdated(e)) {
      for (const d of Object.values(after)) {
        const was = before[d.key];
        if (canonicalJson(was) === canonicalJson(d)) continue;
        const base = { ...whoAndWhen(e), procedure: row.procedure, key: d.key, rule: d.rule, status: d.status };
        if (!d.open && d.status === 'met' && d.closedAt === e.occurredAt && e.recordedAt >= d.dueAt) {
          out.push({ ...base, effect: 'closed_in_time', dueAt: d.dueAt });
        } else if (d.open && was && was.dueAt <= e.recordedAt && d.dueAt > was.dueAt) {
          out.push({ ...base, effect: 'moved', dueAt: was.dueAt });
        }
      }
    }
    before = after;
  });
  return out;
}

/** An event's identity, times, sender and back-dating reason, as auditors see them. */
function whoAndWhen(e: EventRecord): Pick<AuditEvent, 'caseId' | 'seq' | 'type' | 'occurredAt' | 'recordedAt' | 'actor' | 'role' | 'backdatingReason'> {
  return {
    caseId: e.caseId,
    seq: e.seq,
    type: e.type,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    actor: e.actor,
    role: e.role,
    backdatingReason: e.backdatingReason,
  };
}

function toAuditEvent(e: EventRecord, machineVersion: string): AuditEvent {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(e.payloadJson) as Record<string, unknown>;
  } catch {
    // A damaged row is still exported (verify reports it); the raw text is kept.
    payload = { $unparsable: e.payloadJson };
  }
  return {
    ...whoAndWhen(e),
    payload,
    backdated: eventIsBackdated(e),
    // Only when the event was computed with a calendar other than the baseline.
    ...(typeof e.calendarVersion === 'string' ? { calendarVersion: e.calendarVersion } : {}),
    machineVersion,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

function asOfView(row: CaseRecord, r: ReplayedCase, recordedAt: string): CaseAsOf {
  const context = JSON.parse(JSON.stringify(r.context)) as Record<string, unknown>;
  return {
    caseId: row.id,
    procedure: row.procedure,
    version: r.version,
    seq: r.seq,
    recordedAt,
    state: r.state,
    status: r.status,
    deadlines: Object.values(deadlinesOf(context)).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.key.localeCompare(b.key)),
    context,
  };
}

/**
 * Re-runs a history through the pinned machine and returns what the engine's observer saw
 * at each commit. Stops with an error naming the seq where the machine refuses the history.
 */
export function replayObservations(
  module: ProcedureModule,
  deps: FoldDeps,
  row: Pick<CaseRecord, 'id' | 'procedure' | 'machineVersion'>,
  events: EventRecord[],
  /** Where the versions and migrations of a history with a `procedure_migrated` are found. */
  registry?: Pick<ModuleRegistry, 'version' | 'migration'>,
): CommitObservation[] {
  const out: CommitObservation[] = [];
  let snapshot: Record<string, unknown> | undefined;
  let current = module;
  for (const e of events) {
    const payload = JSON.parse(e.payloadJson) as Record<string, unknown>;
    const meta: EventMeta = { occurredAt: e.occurredAt, recordedAt: e.recordedAt, actor: { name: e.actor, role: e.role as Role } };
    if (snapshot === undefined && e.type !== CREATED_EVENT) throw new Error(`case ${row.id}: the first event is ${e.type}, not ${CREATED_EVENT}`);
    // Each event with the calendar version it was computed with (engine/calendar-versions.ts).
    const d = 'depsFor' in deps ? deps.depsFor(e.calendarVersion) : deps;
    if (!d) throw new Error(`case ${row.id}: seq ${e.seq} was computed with calendar version ${e.calendarVersion}, which is not installed in this database`);
    let r: StepOk | { ok: false; message: string };
    if (snapshot !== undefined && e.type === MIGRATED_EVENT) {
      const p = payload as unknown as MigratedPayload;
      const m = registry?.migration(current.id, p.from, p.to);
      const target = registry?.version(current.id, p.to);
      if (!m || !target?.resume) throw new Error(`case ${row.id}: seq ${e.seq} migrated it to ${p.to}; that migration or version is not registered`);
      const migrated = migrateSnapshot(m, current, target as typeof target & Required<Pick<ProcedureModule, 'resume'>>, d, snapshot);
      r = migrated.ok ? migrated.step : migrated;
      if (migrated.ok) current = target;
    } else {
      r = snapshot === undefined ? current.start(d, payload, meta) : current.step(d, snapshot, { type: e.type, payload, ...meta });
    }
    if (!r.ok) throw new Error(`case ${row.id}: seq ${e.seq} ${e.type} was refused on replay: ${r.message}`);
    snapshot = r.snapshot;
    out.push({
      caseId: row.id,
      procedure: row.procedure,
      version: current.version,
      seq: e.seq,
      event: { type: e.type, payload, ...meta },
      snapshot: r.snapshot,
      state: r.state,
      status: r.status,
    });
  }
  return out;
}
