/**
 * The runner: one command = checks (engine/command-checks.ts) → idempotency
 * (engine/idempotency.ts) → the pure machine's step → one unit of work in the commit queue
 * that stores the event, the case, the timers (engine/timer-sync.ts) and the outbox
 * messages (engine/outbox-rows.ts). Observers and the workers hear of it only after commit.
 */
import { randomUUID } from 'node:crypto';
import type { CaseDeadline, EventMeta, MachineDeps, PersistedSnapshot, ProcedureModule, StepResult } from '../machines/contract.js';
import type { CaseRecord, Repositories, Storage } from '../storage/index.js';
import { buildCaseView, deadlinesOf, humanEvents, type CaseView, type ViewEnv } from './case-view.js';
import type { Clock } from './clock.js';
import { CORRECT_EVENT } from '../machines/common/corrections.js';
import {
  carryCorrections,
  checkCorrection,
  foldHistory,
  FoldRefusal,
  mayHaveCorrections,
  prepareCorrection,
  withCorrectionMeta,
  creationVersion,
  type CorrectPayloadValue,
  type FoldModule,
  type HistoryItem,
  type PreparedCorrection,
} from './corrections.js';
import { historyItem } from './replay.js';
import { DEFAULT_MAX_BACKDATING, type BackdatingLimit } from './backdating.js';
import { callMachine, checkActor, checkDepth, checkEvent, checkObject, checkSchema, receiptOf, resolveStaffTime, type BackdatingPolicy } from './command-checks.js';
import {
  CREATED_EVENT,
  SYSTEM_ACTOR,
  type CommitNotice,
  type CommitObservation,
  type CommitObserver,
  type CreateOptions,
  type EventInput,
  type EventOptions,
} from './commands.js';
import { CommitQueue, type BatchJournal, type TxContext } from './commit-queue.js';
import { EngineError } from './errors.js';
import { checkIdempotency, rememberAnswer, type CommandResult, type IdempotencyClaim } from './idempotency.js';
import { LiveCases, type LiveCase } from './live-cases.js';
import { queueEffect } from './outbox-rows.js';
import type { ModuleRegistry } from './registry.js';
import { stepRecords, type StepInput } from './step-records.js';
import { syncTimers } from './timer-sync.js';
import { checkUnitPayload, type UnitDirectory } from './units.js';
import { ledgerMayChange, syncLedger } from './deadline-ledger.js';
import { CalendarVersions } from './calendar-versions.js';
import type { MachineSession } from '../machines/contract.js';
import { MIGRATED_EVENT, MigratedPayload, migrateSnapshot, type MigrationRefusalCode, type ProcedureMigration } from '../machines/common/migration.js';

export type { CommandResult } from './idempotency.js';
export { CREATED_EVENT, SYSTEM_ACTOR } from './commands.js';
export type { CommitNotice, CommitObservation, CommitObserver, CreateOptions, EventInput, EventOptions } from './commands.js';

export interface RunnerOptions {
  storage: Storage;
  clock: Clock;
  deps: MachineDeps;
  registry: ModuleRegistry;
  groupCommit?: boolean;
  maxBatch?: number;
  onError?: (e: unknown) => void;
  observer?: CommitObserver;
  /** How many recently advanced cases keep their restored machine between commands (default 1000; 0: none). */
  liveCases?: number;
  /** How far back a staff event may be dated (MAX_BACKDATING; default 10 working days). */
  maxBackdating?: BackdatingLimit;
  /** The configured units and their people (engine/units.ts); without it only an actor's own `units` are checked. */
  units?: UnitDirectory;
  /**
   * Called in the unit of work whenever a step changed the case's deadlines, after the
   * timers (engine/notifications/ syncs its reminder schedule here).
   */
  onDeadlines?: DeadlinesHook;
  /**
   * The installed calendar versions (engine/calendar-versions.ts): every step is computed
   * with the newest, and records it when it is not the baseline. Absent: `deps` alone.
   */
  calendars?: CalendarVersions;
  /** The transparency log (engine/ledger/log.ts): the commit queue appends every batch's entries to it. */
  journal?: BatchJournal;
}

/** What `applyMigration` did to one case. */
export type MigrationCaseResult =
  | { caseId: string; outcome: 'migrated'; view: CaseView }
  | { caseId: string; outcome: 'already' }
  | { caseId: string; outcome: 'refused'; code: MigrationRefusalCode | 'not_registered'; message: string };

/** A projection of a case's deadlines kept in the command's own transaction. */
export type DeadlinesHook = (repos: Repositories, tx: TxContext, caseId: string, deadlines: Record<string, CaseDeadline>, now: string) => Promise<void>;

/** A step to persist: what `stepRecords` needs, before the machine's answer is known to be an acceptance. */
type PersistInput = Omit<StepInput, 'result' | 'allowed'> & {
  result: StepResult;
  idempotency: IdempotencyClaim | undefined;
  status: 200 | 201;
  /** The deps the step was computed with (its calendar version is recorded unless the baseline). */
  deps: MachineDeps;
};

export class Runner {
  readonly queue: CommitQueue;
  readonly live: LiveCases;
  /** Off (undefined) by default: then the hot path pays one null check and nothing else. */
  observer: CommitObserver | undefined;
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #calendars: CalendarVersions;
  /** The deps each live session was opened with: one of an older calendar version is not used. */
  readonly #sessionDeps = new WeakMap<MachineSession, MachineDeps>();
  readonly #maxBackdating: BackdatingLimit;
  readonly #registry: ModuleRegistry;
  readonly #units: UnitDirectory | undefined;
  readonly #commitListeners = new Set<(n: CommitNotice) => void>();
  readonly #onDeadlines: DeadlinesHook | undefined;

  constructor(o: RunnerOptions) {
    this.observer = o.observer;
    this.#storage = o.storage;
    this.#clock = o.clock;
    this.#calendars = o.calendars ?? new CalendarVersions(o.deps);
    this.#maxBackdating = o.maxBackdating ?? DEFAULT_MAX_BACKDATING;
    // A newer calendar: the live sessions compute with the old one's machine.
    this.#calendars.onChange(() => this.live.clear());
    this.#registry = o.registry;
    this.#units = o.units;
    this.#onDeadlines = o.onDeadlines;
    this.live = new LiveCases(o.liveCases ?? 1000);
    this.queue = new CommitQueue(o.storage, {
      ...(o.groupCommit !== undefined ? { groupCommit: o.groupCommit } : {}),
      ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
      ...(o.journal ? { journal: o.journal } : {}),
    });
  }

  /** The deps of the newest installed calendar version: what every new step is computed with. */
  get deps(): MachineDeps {
    return this.#calendars.current;
  }
  get calendars(): CalendarVersions {
    return this.#calendars;
  }
  /** The back-dating limit is counted in working days of the newest calendar. */
  get #backdating(): BackdatingPolicy {
    return { calendar: this.deps.calendar, limit: this.#maxBackdating };
  }
  get registry(): ModuleRegistry {
    return this.#registry;
  }

  /** Tells `listener` of every committed command (after its commit); returns the unsubscribe. */
  onCommit(listener: (n: CommitNotice) => void): () => void {
    this.#commitListeners.add(listener);
    return () => this.#commitListeners.delete(listener);
  }

  /** Creates a case: checks role, input schema and occurredAt; runs `start`; stores event 1. */
  createCase(procedure: string, input: Record<string, unknown>, options: CreateOptions): Promise<CommandResult> {
    return this.queue.submit((repos, tx) => this.#create(repos, tx, procedure, input, options));
  }

  /** Applies one event of a staff member (role `system` is refused: the engine sends those itself). */
  applyEvent(caseId: string, event: EventInput, options: EventOptions): Promise<CommandResult> {
    if (options.actor.role === 'system') {
      return Promise.reject(new EngineError('forbidden', 'system events are sent by the engine only'));
    }
    if (event.type === CORRECT_EVENT) return this.#applyCorrection(caseId, event, options);
    return this.queue.submit((repos, tx) => this.#event(repos, tx, caseId, event, options), caseId);
  }

  /**
   * `correct` re-folds the case's history: folded first, outside the unit of work and
   * yielding (engine/corrections.ts `PreparedCorrection`), so a long history holds neither
   * the event loop nor the batch; the unit takes the fold if the case has not moved since.
   */
  async #applyCorrection(caseId: string, event: EventInput, options: EventOptions): Promise<CommandResult> {
    const prepared = await this.#prepareCorrection(caseId, event.payload ?? {}, options).catch(() => undefined);
    return this.queue.submit((repos, tx) => this.#event(repos, tx, caseId, event, options, prepared), caseId);
  }

  async #prepareCorrection(caseId: string, payload: Record<string, unknown>, o: EventOptions): Promise<PreparedCorrection | undefined> {
    checkDepth(payload, 'the payload');
    const row = await this.#storage.read.cases.find(caseId);
    if (!row) return undefined;
    const items = (await this.#storage.read.events.list(caseId)).map(historyItem);
    return prepareCorrection(this.machinesOf(row, items), this.#calendars, row, items, payload, { name: o.actor.name, role: o.actor.role });
  }

  /** Applies a system event (deadline_missed, message_delivered) inside an open unit of work. */
  applySystemEvent(repos: Repositories, tx: TxContext, caseId: string, event: EventInput & { occurredAt: string }): Promise<CommandResult> {
    return this.#event(repos, tx, caseId, event, { actor: SYSTEM_ACTOR });
  }

  /**
   * Migrates one case (machines/common/migration.ts) inside an open unit of work: one
   * `procedure_migrated` event (system), the case moved to `m.to` (`cases.machine_version`),
   * its timers and projections synced to the re-counted deadlines, as every step does. A
   * case already on `m.to` is left (`already`: a second apply does nothing); one the
   * migration refuses (its state has no mapping, it is closed, …) is not written to at all.
   * `m` must have passed `validateMigration` against the registered machines.
   */
  async applyMigration(repos: Repositories, tx: TxContext, caseId: string, m: ProcedureMigration): Promise<MigrationCaseResult> {
    const row = await repos.cases.find(caseId);
    if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
    if (row.procedure === m.procedure && row.machineVersion === m.to) return { caseId, outcome: 'already' };
    const from = this.#registry.version(row.procedure, row.machineVersion);
    const to = this.#registry.version(m.procedure, m.to);
    if (row.procedure !== m.procedure || !from || !to?.resume) {
      return { caseId, outcome: 'refused', code: 'not_registered', message: `${row.procedure}@${row.machineVersion} → ${m.procedure}@${m.to}: no such machines registered` };
    }
    const deps = this.deps;
    const out = callMachine(() => migrateSnapshot(m, from, to as typeof to & Required<Pick<ProcedureModule, 'resume'>>, deps, JSON.parse(row.snapshotJson) as PersistedSnapshot));
    if (!out.ok) return { caseId, outcome: 'refused', code: out.code, message: out.message };
    checkSchema(MigratedPayload, out.payload, `the ${MIGRATED_EVENT} payload`);
    // The live machine is of the old version.
    this.live.take(caseId)?.session.close();
    const now = this.#clock.now().toISOString();
    const meta: EventMeta = { occurredAt: now, recordedAt: now, actor: SYSTEM_ACTOR };
    const persisted = await this.#persist(repos, tx, {
      module: to,
      caseId,
      prev: row,
      type: MIGRATED_EVENT,
      payload: out.payload as unknown as Record<string, unknown>,
      meta,
      backdatingReason: null,
      result: out.step,
      idempotency: undefined,
      status: 200,
      deps,
    });
    return { caseId, outcome: 'migrated', view: persisted.result.view };
  }

  /** The case view, with the allowed events of its current state. */
  async getCase(caseId: string): Promise<CaseView> {
    const record = await this.#storage.read.cases.find(caseId);
    if (!record) throw new EngineError('not_found', `case ${caseId} not found`);
    return this.view(record);
  }

  view(record: CaseRecord): CaseView {
    const module = this.moduleOf(record);
    const snapshot = JSON.parse(record.snapshotJson) as PersistedSnapshot;
    const context = JSON.parse(record.contextJson) as Record<string, unknown>;
    return buildCaseView(record, context, module.allowedEvents(this.deps, snapshot), this.#clock.now(), this.viewEnv(module));
  }

  /** What the case view of `module`'s cases needs besides the case (calendar, progress). */
  viewEnv(module: ProcedureModule): ViewEnv {
    return { calendar: this.deps.calendar, ...(module.progress ? { progress: module.progress } : {}) };
  }

  /** The machine a case is pinned to (a missing version is a deployment error, not the client's). */
  moduleOf(record: Pick<CaseRecord, 'procedure' | 'machineVersion'>): ProcedureModule {
    const m = this.#registry.version(record.procedure, record.machineVersion);
    if (!m) throw new Error(`no machine ${record.procedure}@${record.machineVersion} is registered; add it to the legacy modules`);
    return m;
  }

  /** What a case's history is folded with: its creation version, and the registry for its migrations. */
  machinesOf(record: Pick<CaseRecord, 'procedure' | 'machineVersion'>, items: readonly HistoryItem[]): FoldModule {
    const version = creationVersion(record.machineVersion, items);
    if (version === record.machineVersion) return this.moduleOf(record);
    return { creation: this.moduleOf({ procedure: record.procedure, machineVersion: version }), registry: this.#registry };
  }

  async #create(repos: Repositories, tx: TxContext, procedure: string, input: Record<string, unknown>, o: CreateOptions): Promise<CommandResult> {
    checkActor(o.actor);
    // Before anything walks the input (the idempotency hash first).
    checkDepth(input, 'input');
    const within = o.idempotencyWindowMs !== undefined ? { ms: o.idempotencyWindowMs, now: this.#clock.now() } : undefined;
    const idem = await checkIdempotency(repos.idempotency, o.idempotencyKey, {
      op: 'create',
      procedure,
      input,
      occurredAt: o.occurredAt ?? null,
      backdatingReason: o.backdatingReason ?? null,
      actor: o.actor,
    }, within);
    if (idem.hit) return idem.hit;
    const module = this.#registry.current(procedure);
    if (!module) {
      throw new EngineError('invalid_request', `unknown procedure: ${String(procedure)}`, { procedures: this.#registry.procedures() });
    }
    if (!module.createRoles.includes(o.actor.role)) {
      throw new EngineError('forbidden', `role ${o.actor.role} may not create a ${procedure} case`, { roles: module.createRoles });
    }
    checkObject(input, 'input');
    checkSchema(module.inputSchema, input, 'input');
    const recordedAt = this.#clock.now().toISOString();
    // The receipt is one instant: the creation's occurredAt, which `input.receivedAt` also names.
    const receipt = receiptOf(input, o.occurredAt);
    const staff = o.actor.role !== 'system';
    const { occurredAt, backdatingReason } = resolveStaffTime(receipt.occurredAt, recordedAt, null, o.backdatingReason, staff, this.#backdating);
    const meta: EventMeta = { occurredAt, recordedAt, actor: { name: o.actor.name, role: o.actor.role } };
    const stored = receipt.input;
    const deps = this.deps;
    const result = callMachine(() => module.start(deps, stored, meta));
    const persisted = await this.#persist(repos, tx, {
      module,
      caseId: randomUUID(),
      prev: undefined,
      type: CREATED_EVENT,
      payload: stored,
      meta,
      backdatingReason,
      result,
      idempotency: idem.claim,
      status: 201,
      deps,
    });
    return persisted.result;
  }

  async #event(repos: Repositories, tx: TxContext, caseId: string, e: EventInput, o: EventOptions, prepared?: PreparedCorrection): Promise<CommandResult> {
    checkActor(o.actor);
    const payload = e.payload ?? {};
    // Before anything walks the payload (the idempotency hash first).
    checkDepth(payload, 'the payload');
    const idem = await checkIdempotency(repos.idempotency, o.idempotencyKey, {
      op: 'event',
      caseId,
      type: e.type,
      payload,
      occurredAt: e.occurredAt ?? null,
      backdatingReason: e.backdatingReason ?? null,
      expectedSeq: o.expectedSeq ?? null,
      actor: o.actor,
    });
    if (idem.hit) return idem.hit;
    const { live, row } = await this.#current(repos, tx, caseId);
    if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
    // Until the step moves it, the session is in the state of `row`, which this command has
    // not changed: on a refusal it goes back to the cache as it is.
    let session = live?.session;
    const keep = () => {
      if (session) this.live.put(caseId, { row, session, mark: tx.mark });
    };
    let module: ProcedureModule;
    let meta: EventMeta;
    let backdatingReason: string | null;
    try {
      module = this.moduleOf(row);
      ({ meta, backdatingReason } = checkEvent(module, row, e, payload, o, this.#clock.now().toISOString(), this.#backdating, this.#units));
    } catch (err) {
      keep();
      throw err;
    }
    // Whether the state accepts the event is the step's own answer (event_not_allowed with
    // the allowed events); asking allowedEvents first would restore the actor twice.
    const stepEvent = { type: e.type, payload, ...meta };
    // One calendar version for the whole step (a newer one noticed meanwhile counts from the next).
    const deps = this.deps;
    if (session && this.#sessionDeps.get(session) !== deps) {
      session.close();
      session = undefined;
    }
    let result: StepResult;
    if (e.type === CORRECT_EVENT) {
      // A correction re-runs the history (engine/corrections.ts): the live machine is of no use.
      session?.close();
      session = undefined;
      result = await this.#correction(repos, row, module, payload, meta, prepared);
    } else {
      try {
        if (!session && module.open && this.live.capacity > 0) {
          session = module.open(deps, JSON.parse(row.snapshotJson) as PersistedSnapshot);
          this.#sessionDeps.set(session, deps);
        }
        const s = session;
        result = callMachine(() => (s ? s.step(stepEvent) : module.step(deps, JSON.parse(row.snapshotJson) as PersistedSnapshot, stepEvent)));
      } catch (err) {
        // A step that threw leaves the session unusable.
        session?.close();
        session = undefined;
        throw err;
      }
    }
    if (!result.ok) keep();
    let persisted: { result: CommandResult; record: CaseRecord };
    try {
      persisted = await this.#persist(repos, tx, {
        module,
        caseId,
        prev: row,
        type: e.type,
        payload,
        meta,
        backdatingReason,
        result,
        idempotency: idem.claim,
        status: 200,
        deps,
      });
    } catch (err) {
      // Refused by the machine: the session went back to the cache above. Otherwise it moved
      // past the stored state and the writes failed: it is of no use.
      if (result.ok) session?.close();
      throw err;
    }
    // The session is in the state just written: it is the case's live session once (and
    // only if) this unit commits.
    const moved = session;
    if (moved && result.ok && result.status === 'active') {
      const committed = persisted.record;
      tx.afterCommit(() => this.live.put(caseId, { row: committed, session: moved, mark: tx.mark }));
    } else moved?.close();
    return persisted.result;
  }

  /** The case after a `correct` event: its history folded again with the corrected value. */
  async #correction(
    repos: Repositories,
    row: CaseRecord,
    module: ProcedureModule,
    payload: Record<string, unknown>,
    meta: EventMeta,
    prepared: PreparedCorrection | undefined,
  ): Promise<StepResult> {
    // The fold made before the unit, if the case is still as it was read then (same head: same history).
    const fresh = prepared && prepared.seq === row.seq && prepared.headHash === row.headHash ? prepared : undefined;
    const items = fresh?.items ?? (await repos.events.list(row.id)).map(historyItem);
    const c = payload as unknown as CorrectPayloadValue;
    checkCorrection(module, items, c, meta.actor);
    // A corrected unit must be a configured one, as in the original event.
    const target = items.find((i) => i.seq === c.seq);
    if (target && c.field === 'unit') checkUnitPayload(module, target.type, { unit: c.value }, row, this.#units);
    try {
      if (fresh) {
        if (!fresh.outcome.ok) throw fresh.outcome.refusal;
        return withCorrectionMeta(fresh.outcome.step, meta);
      }
      return callMachine(() => foldHistory(this.machinesOf(row, items), this.#calendars, [...items, { seq: row.seq + 1, type: CORRECT_EVENT, payload, meta }]));
    } catch (e) {
      if (e instanceof FoldRefusal) throw new EngineError('invalid_request', `correct: ${e.message}`, { seq: e.seq });
      throw e;
    }
  }

  /**
   * The case as the database holds it, with its live entry if that is still it: trusted
   * without a read while nobody else changed the case since the entry was last known exact
   * (only this process's runner writes cases, and it took the entry out before doing so),
   * else compared with the stored case. Where the batch is numbered (PostgreSQL: a read is a
   * round trip, and it sends the batch's buffered writes before it), the batch's cases that
   * must be read are read at once, for all its commands, by the first that needs one.
   */
  async #current(repos: Repositories, tx: TxContext, caseId: string): Promise<{ live: LiveCase | undefined; row: CaseRecord | undefined }> {
    // Only the batch's first command of a case may use the batch's read: a later one may follow its write.
    let touched = tx.shared.get(TOUCHED) as Set<string> | undefined;
    if (!touched) tx.shared.set(TOUCHED, (touched = new Set()));
    const first = !touched.has(caseId);
    touched.add(caseId);
    let live = this.live.take(caseId);
    if (live && tx.unchanged(live.mark, caseId)) return { live, row: live.row };
    const row = (first ? await this.#prefetched(repos, tx, caseId) : undefined) ?? (await repos.cases.find(caseId));
    if (live && !(row && row.seq === live.row.seq && row.headHash === live.row.headHash)) {
      live.session.close();
      live = undefined;
    }
    return { live, row: live?.row ?? row };
  }

  /**
   * The case as read at the batch's first need of a read, for all the batch's cases at
   * once; for the batch's first command of the case only (the caller's `first`). Undefined
   * where batches are not numbered (SQLite: a read costs no round trip).
   */
  async #prefetched(repos: Repositories, tx: TxContext, caseId: string): Promise<CaseRecord | undefined> {
    if (tx.mark === undefined || tx.keys.length < 2) return undefined;
    let rows = tx.shared.get(PREFETCH) as Promise<Map<string, CaseRecord>> | undefined;
    if (!rows) {
      rows = repos.cases.findMany([...new Set(tx.keys)]).then((found) => new Map(found.map((r) => [r.id, r])));
      tx.shared.set(PREFETCH, rows);
    }
    return (await rows).get(caseId);
  }

  async #persist(repos: Repositories, tx: TxContext, p: PersistInput): Promise<{ result: CommandResult; record: CaseRecord }> {
    const r = p.result;
    if (!r.ok) {
      throw new EngineError(r.code, r.message, { allowed: humanEvents(r.allowed), ...(p.prev ? { state: p.prev.state } : {}) });
    }
    const now = p.meta.recordedAt;
    const allowed = r.allowed ?? p.module.allowedEvents(p.deps, r.snapshot);
    // The machine does not know the engine-owned corrections: carried from the stored context.
    const carried =
      p.prev && p.type !== CORRECT_EVENT && mayHaveCorrections(p.prev.contextJson)
        ? { ...r, context: carryCorrections(JSON.parse(p.prev.contextJson) as Record<string, unknown>, r.context) }
        : r;
    const step = stepRecords({ ...p, result: carried, allowed, calendarVersion: this.#calendars.recordedVersion(p.deps) });
    const { record, event } = step;
    // The case and its event are written without waiting for the answers (commit-queue.ts
    // `defer`): the unit holds the database's write lock and read the case (or knows it
    // exact) in this batch, so the seq cannot have moved but by a bug; if it did, the update
    // changes nothing and the unit fails with version_conflict before anything commits.
    if (p.prev) {
      const expectedSeq = p.prev.seq;
      tx.defer(
        repos.cases.updateIfSeq(expectedSeq, record, p.prev).then((updated) => {
          if (!updated) throw new EngineError('version_conflict', 'the case was changed concurrently; reload it and retry', { expectedSeq });
        }),
      );
    } else {
      tx.defer(repos.cases.insert(record));
    }
    tx.defer(repos.events.append(event));
    // Timers are a function of the deadlines; when a command leaves them as they were (a
    // comment, a registration), the timers are already in sync and need no read.
    const unchanged = p.prev !== undefined && deadlinesJsonOf(p.prev) === step.deadlinesJson;
    deadlinesJsonMemo.set(record, step.deadlinesJson);
    const scheduledDueAt = unchanged ? undefined : await syncTimers(repos.timers, p.caseId, step.deadlines, now);
    if (!unchanged && this.#onDeadlines) await this.#onDeadlines(repos, tx, p.caseId, step.deadlines, now);
    // The on-time report's ledger follows the deadlines in the same unit (engine/deadline-ledger.ts).
    if (ledgerMayChange(p.prev, record, unchanged)) await syncLedger(repos.deadlineLedger, record, step.context);
    let mailQueued = 0;
    for (const [i, effect] of r.effects.entries()) {
      if (await queueEffect(repos.outbox, p.caseId, event.seq, i, effect, now)) mailQueued++;
    }
    const result: CommandResult = { status: p.status, view: buildCaseView(record, step.context, allowed, new Date(now), this.viewEnv(p.module)), replayed: false };
    if (p.idempotency) tx.defer(rememberAnswer(repos.idempotency, p.idempotency, result, p.caseId, now));
    const notice: CommitNotice = { caseId: p.caseId, mailQueued, ...(scheduledDueAt ? { scheduledDueAt } : {}) };
    // The other processes on the database hear of it too (if it commits: engine/remote-commits.ts).
    tx.announce({ ...notice, seq: event.seq });
    if (this.#commitListeners.size > 0) {
      tx.afterCommit(() => {
        for (const l of this.#commitListeners) l(notice);
      });
    }
    const observer = this.observer;
    if (observer) {
      const observation: CommitObservation = {
        caseId: p.caseId,
        procedure: record.procedure,
        version: record.machineVersion,
        seq: event.seq,
        event: { type: p.type, payload: step.payload, occurredAt: p.meta.occurredAt, recordedAt: p.meta.recordedAt, actor: p.meta.actor },
        snapshot: r.snapshot,
        state: r.state,
        status: r.status,
      };
      tx.afterCommit(() => observer(observation));
    }
    return { result, record };
  }
}

/** `TxContext.shared`'s key of the batch's read of its cases (`#prefetched`). */
const PREFETCH = 'runner.cases';
/** `TxContext.shared`'s key of the cases the batch's commands have taken up so far (`#current`). */
const TOUCHED = 'runner.touched';

/**
 * The JSON of a case's deadlines, as `#persist` compares them. Records the runner built
 * itself (the live cases' records) carry it already; a record read from the database is parsed.
 */
const deadlinesJsonMemo = new WeakMap<CaseRecord, string>();
function deadlinesJsonOf(record: CaseRecord): string {
  return deadlinesJsonMemo.get(record) ?? JSON.stringify(deadlinesOf(JSON.parse(record.contextJson) as Record<string, unknown>));
}
