/**
 * Corrections without rewriting history (issue 12 §5; machines/common/corrections.ts).
 *
 * A `correct {seq, field, value, reason}` event supersedes one correctable payload field of
 * an earlier event. The stored events are never changed: the case's state is the fold of
 * its history in which each event's payload carries the corrections recorded after it.
 * On a `correct` event the fold starts again from the creation with the corrected
 * payloads (every deadline is judged again from the corrected facts; the effects of the
 * re-run are not sent again), and the context gets an engine-owned `corrections` list:
 * what was corrected, from what to what, by whom, why, and which deadline judgements
 * changed (`rejudged`). The runner and replay/verify use this one fold, so a replay
 * reproduces exactly what the runner stored.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CaseDeadline, EventMeta, MachineDeps, PersistedSnapshot, ProcedureModule, StepOk } from '../machines/contract.js';
import { CORRECT_EVENT, correctableField, correctableFields } from '../machines/common/corrections.js';
import { CREATED_EVENT } from './commands.js';
import { checkSchema } from './command-checks.js';
import { EngineError } from './errors.js';
import { canonicalJson } from './hash.js';
import type { DepsByVersion } from './calendar-versions.js';
import { MIGRATED_EVENT, migrateSnapshot, type MigratedPayload } from '../machines/common/migration.js';
import type { ModuleRegistry } from './registry.js';

/** One event of a history, as the fold takes it. */
export interface HistoryItem {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  meta: EventMeta;
  /** The calendar version the event was computed with, when not the baseline (engine/calendar-versions.ts). */
  calendarVersion?: string;
}

/**
 * The deps a fold steps its events with: one set for every event, or the installed
 * calendar versions (engine/calendar-versions.ts), each event with the calendar it was
 * computed with, so a history spanning a calendar change replays as it was recorded.
 */
export type FoldDeps = MachineDeps | DepsByVersion;

function depsOfItem(deps: FoldDeps, item: HistoryItem): MachineDeps {
  if (!('depsFor' in deps)) return deps;
  const d = deps.depsFor(item.calendarVersion);
  if (!d) {
    throw new FoldRefusal(item.seq, item.type, 'replay_error', `event ${item.seq} was computed with calendar version ${item.calendarVersion ?? '(baseline)'}, which is not installed in this database`);
  }
  return d;
}

export interface CorrectPayloadValue {
  seq: number;
  field: string;
  value: unknown;
  reason: string;
}

/** A deadline judgement before and after a correction. */
export interface Rejudgement {
  key: string;
  before: Pick<CaseDeadline, 'status' | 'dueAt' | 'lastDay'> | null;
  after: Pick<CaseDeadline, 'status' | 'dueAt' | 'lastDay'> | null;
}

/** An entry of `context.corrections`. */
export interface CorrectionEntry {
  /** The seq of the `correct` event. */
  seq: number;
  of: { seq: number; type: string; field: string };
  from: unknown;
  to: unknown;
  reason: string;
  by: EventMeta['actor'];
  at: string;
  rejudged: Rejudgement[];
}

/**
 * The machines a history is folded with: the version the case was created on, and the
 * registry that names the version (and the migration) each `procedure_migrated` moves it to.
 * A bare module: a history without migrations (a `procedure_migrated` in it is refused).
 */
interface CaseMachines {
  creation: ProcedureModule;
  registry: Pick<ModuleRegistry, 'version' | 'migration'>;
}
export type FoldModule = ProcedureModule | CaseMachines;

/**
 * The version a case was created on: the `from` of its first `procedure_migrated`, else the
 * version it is on (`cases.machine_version`).
 */
export function creationVersion(current: string, items: readonly Pick<HistoryItem, 'type' | 'payload'>[]): string {
  const first = items.find((i) => i.type === MIGRATED_EVENT);
  return first ? String((first.payload as unknown as MigratedPayload).from) : current;
}

/**
 * The machine version event `seq` was applied under: the creation's, changed by each
 * `procedure_migrated` up to it (a migration is the first event of its new version).
 * `migrations`: the case's `procedure_migrated` events, all of them, in order.
 */
export function versionAt(current: string, migrations: readonly Pick<HistoryItem, 'seq' | 'type' | 'payload'>[], seq: number): string {
  let v = creationVersion(current, migrations);
  for (const m of migrations) if (m.type === MIGRATED_EVENT && m.seq <= seq) v = String((m.payload as unknown as MigratedPayload).to);
  return v;
}

/** Thrown by the fold when the machine refuses an event of the (corrected) history. */
export class FoldRefusal extends Error {
  constructor(
    readonly seq: number,
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function getPath(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...obj, [head]: value };
  const inner = obj[head];
  return { ...obj, [head]: setPath(inner !== null && typeof inner === 'object' ? (inner as Record<string, unknown>) : {}, rest.join('.'), value) };
}

function correctionsOf(context: Record<string, unknown> | undefined): CorrectionEntry[] {
  const c = context?.corrections;
  return Array.isArray(c) ? (c as CorrectionEntry[]) : [];
}

/**
 * The context to store after a machine step: the machine's, with the engine-owned
 * `corrections` of the previous context carried over (the machine does not know them).
 */
export function carryCorrections(previous: Record<string, unknown> | undefined, next: StepOk['context']): StepOk['context'] {
  const kept = correctionsOf(previous);
  return kept.length === 0 || Object.hasOwn(next, 'corrections') ? next : { ...next, corrections: kept };
}

/** Whether a stored context (its JSON) has corrections: a cheap test before parsing it. */
export function mayHaveCorrections(contextJson: string): boolean {
  return contextJson.includes('"corrections":');
}

function judgement(d: CaseDeadline | undefined): Rejudgement['before'] {
  return d ? { status: d.status, dueAt: d.dueAt, lastDay: d.lastDay } : null;
}

function rejudged(before: Record<string, CaseDeadline>, after: Record<string, CaseDeadline>): Rejudgement[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys
    .map((key) => ({ key, before: judgement(before[key]), after: judgement(after[key]) }))
    .filter((r) => canonicalJson(r.before) !== canonicalJson(r.after));
}

function deadlinesIn(context: Record<string, unknown>): Record<string, CaseDeadline> {
  const d = context.deadlines;
  return d !== null && typeof d === 'object' ? (d as Record<string, CaseDeadline>) : {};
}

/**
 * Folds a history (seq 1 = creation) through the machine, applying each `correct` to the
 * events before it. Returns the last step. Throws FoldRefusal naming the event the
 * machine refuses (on a correction: the event the corrected facts make invalid).
 */
export function foldHistory(
  module: FoldModule,
  deps: FoldDeps,
  items: readonly HistoryItem[],
  /** Set to the seq being folded (to name the event when the machine throws). */
  progress: { seq: number } = { seq: 0 },
): StepOk {
  const fold = foldSteps(module, deps, items, progress);
  for (;;) {
    const r = fold.next();
    if (r.done) return r.value;
  }
}

/**
 * `foldHistory` for long histories (replay, verify, a new correction: `prepareCorrection`):
 * the same fold, giving the event loop a turn (`setImmediate`) whenever it ran `sliceMs`
 * without one, so other requests are answered while it runs, within a correction's re-fold
 * of the events before it too.
 */
export async function foldHistoryYielding(
  module: FoldModule,
  deps: FoldDeps,
  items: readonly HistoryItem[],
  progress: { seq: number } = { seq: 0 },
  sliceMs = 5,
): Promise<StepOk> {
  const fold = foldSteps(module, deps, items, progress);
  let since = performance.now();
  for (;;) {
    const r = fold.next();
    if (r.done) return r.value;
    if (performance.now() - since >= sliceMs) {
      await yieldToEventLoop();
      since = performance.now();
    }
  }
}

/** The fold itself, one event per `next()`. */
function* foldSteps(
  machines: FoldModule,
  deps: FoldDeps,
  items: readonly HistoryItem[],
  progress: { seq: number },
): Generator<void, StepOk, void> {
  let current: StepOk | undefined;
  /** Corrections so far, by target seq: the payload each target now carries. */
  const payloads = new Map<number, Record<string, unknown>>();
  /**
   * The machine's fold of the events before `upto`, with the corrected payloads (corrections
   * skipped), one event per `next()` as well: a correction late in a long history re-folds
   * all of it, and a yielding caller must get its turns inside that too.
   */
  function* run(upto: number): Generator<void, StepOk, void> {
    let r: StepOk | undefined;
    strictMigrations = false;
    for (const item of items) {
      if (item.seq >= upto) break;
      if (item.type !== CORRECT_EVENT) {
        yield;
        r = stepOne(r?.snapshot, item, payloads.get(item.seq) ?? item.payload);
      }
    }
    strictMigrations = true;
    if (!r) throw new FoldRefusal(1, CREATED_EVENT, 'replay_error', 'no creation event');
    return r;
  }
  const creation = 'step' in machines ? machines : machines.creation;
  const registry = 'step' in machines ? undefined : machines.registry;
  /** The module the fold is on: the creation's, moved by each `procedure_migrated`. */
  let module = creation;
  /** The main fold (true) checks a migration against its recorded payload; a correction's re-run does not (the corrected facts may move its deadlines). */
  let strictMigrations = true;
  const stepOne = (snapshot: PersistedSnapshot | undefined, item: HistoryItem, payload: Record<string, unknown>): StepOk => {
    progress.seq = item.seq;
    if (snapshot === undefined && item.type !== CREATED_EVENT) {
      throw new FoldRefusal(item.seq, item.type, 'replay_error', `the first event is ${item.type}, not ${CREATED_EVENT}`);
    }
    const d = depsOfItem(deps, item);
    if (snapshot === undefined) module = creation;
    if (snapshot !== undefined && item.type === MIGRATED_EVENT) return migrateOne(snapshot, item, d);
    const r = snapshot === undefined ? module.start(d, payload, item.meta) : module.step(d, snapshot, { type: item.type, payload, ...item.meta });
    if (!r.ok) throw new FoldRefusal(item.seq, item.type, r.code, r.message);
    return r;
  };
  /** A `procedure_migrated`: the registered migration run again, moving the fold to its version. */
  const migrateOne = (snapshot: PersistedSnapshot, item: HistoryItem, d: MachineDeps): StepOk => {
    const p = item.payload as unknown as MigratedPayload;
    const m = registry?.migration(module.id, p.from, p.to);
    const target = registry?.version(module.id, p.to);
    if (!m || !target?.resume) {
      throw new FoldRefusal(item.seq, item.type, 'replay_error', `event ${item.seq} migrated the case from ${module.id}@${p.from} to ${p.to}; that migration or version is not registered`);
    }
    const out = migrateSnapshot(m, module, target as typeof target & Required<Pick<ProcedureModule, 'resume'>>, d, snapshot);
    if (!out.ok) throw new FoldRefusal(item.seq, item.type, 'invalid_request', `the migration ${p.from} → ${p.to} refuses the case: ${out.code}: ${out.message}`);
    if (strictMigrations && canonicalJson(out.payload) !== canonicalJson(item.payload)) {
      throw new FoldRefusal(item.seq, item.type, 'replay_error', `event ${item.seq} (${MIGRATED_EVENT}) records another result than the migration gives on replay`);
    }
    module = target;
    return out.step;
  };

  let corrections: CorrectionEntry[] = [];
  for (const item of items) {
    yield;
    if (item.type !== CORRECT_EVENT) {
      const r = stepOne(current?.snapshot, item, payloads.get(item.seq) ?? item.payload);
      current = { ...r, context: corrections.length ? { ...r.context, corrections } : r.context };
      continue;
    }
    progress.seq = item.seq;
    const c = item.payload as unknown as CorrectPayloadValue;
    const target = items.find((i) => i.seq === c.seq);
    if (!current || !target) throw new FoldRefusal(item.seq, item.type, 'replay_error', `correct: no event ${c.seq} before it`);
    const before = payloads.get(c.seq) ?? target.payload;
    payloads.set(c.seq, setPath(before, c.field, c.value));
    let after: StepOk;
    try {
      after = yield* run(item.seq);
    } catch (e) {
      if (e instanceof FoldRefusal) {
        throw new FoldRefusal(
          item.seq,
          item.type,
          'invalid_request',
          `the correction would make event ${e.seq} (${e.type}) invalid: ${e.message}`,
        );
      }
      throw e;
    }
    corrections = [
      ...corrections,
      {
        seq: item.seq,
        of: { seq: c.seq, type: target.type, field: c.field },
        from: getPath(before, c.field) ?? null,
        to: c.value,
        reason: c.reason,
        by: item.meta.actor,
        at: item.meta.occurredAt,
        rejudged: rejudged(deadlinesIn(current.context), deadlinesIn(after.context)),
      },
    ];
    // The re-run's effects were sent the first time (or are the corrected re-sends the
    // staff asks for separately): a correction queues nothing.
    current = { ...after, effects: [], context: { ...after.context, corrections } };
  }
  if (!current) throw new FoldRefusal(0, '', 'replay_error', 'no events');
  return current;
}

/**
 * A `correct` command folded before its unit of work (engine/runner.ts): the fold of a long
 * history must not run inside the unit, which holds the batch and with it the database
 * connection that every read (and /health) waits for. Folded on a read of the history,
 * yielding to the event loop; valid for the case as it was read (`seq`, `headHash`: the
 * history is append-only, so the same head is the same history). The unit checks the
 * command as always and takes the fold when the case has not moved, else folds again.
 */
export interface PreparedCorrection {
  seq: number;
  headHash: string;
  items: HistoryItem[];
  /** The fold with the new correction (its entry's `by` and `at` stamped by the unit), or the machine's refusal of it. */
  outcome: { ok: true; step: StepOk } | { ok: false; refusal: FoldRefusal };
}

/**
 * Folds `items` with the correction `payload` appended, yielding (see PreparedCorrection).
 * Undefined when the command would be refused before the fold (the unit refuses it, with
 * the same checks) or the fold failed otherwise (the unit folds again and reports it).
 */
export async function prepareCorrection(
  machines: FoldModule,
  deps: FoldDeps,
  row: { seq: number; headHash: string },
  items: HistoryItem[],
  payload: Record<string, unknown>,
  actor: EventMeta['actor'],
): Promise<PreparedCorrection | undefined> {
  const module = currentModule(machines, items);
  try {
    checkSchema(module.eventSchemas[CORRECT_EVENT]!, payload, 'the payload');
    checkCorrection(module, items, payload as unknown as CorrectPayloadValue, actor);
  } catch {
    return undefined;
  }
  // The meta of the new event is the unit's (its recordedAt): only its entry in
  // `corrections` names it, and `withCorrectionMeta` stamps it there.
  const meta: EventMeta = { occurredAt: '', recordedAt: '', actor };
  try {
    const step = await foldHistoryYielding(machines, deps, [...items, { seq: row.seq + 1, type: CORRECT_EVENT, payload, meta }]);
    return { seq: row.seq, headHash: row.headHash, items, outcome: { ok: true, step } };
  } catch (e) {
    if (e instanceof FoldRefusal) return { seq: row.seq, headHash: row.headHash, items, outcome: { ok: false, refusal: e } };
    return undefined;
  }
}

/** The module a history ends on (the last `procedure_migrated`'s version, else the creation's). */
function currentModule(machines: FoldModule, items: readonly HistoryItem[]): ProcedureModule {
  if ('step' in machines) return machines;
  const last = [...items].reverse().find((i) => i.type === MIGRATED_EVENT);
  if (!last) return machines.creation;
  return machines.registry.version(machines.creation.id, String((last.payload as unknown as MigratedPayload).to)) ?? machines.creation;
}

/** A prepared fold's step with its last correction's `by` and `at` from the command's meta. */
export function withCorrectionMeta(step: StepOk, meta: EventMeta): StepOk {
  const entries = correctionsOf(step.context);
  const last = entries[entries.length - 1];
  if (!last) return step;
  const corrections = [...entries.slice(0, -1), { ...last, by: meta.actor, at: meta.occurredAt }];
  return { ...step, context: { ...step.context, corrections } };
}

/**
 * The checks of a `correct` command against the history it corrects: the target exists
 * and is a staff event, the field is marked correctable, the sender sent the original or
 * holds one of the procedure's `correctRoles`, the value fits the field's schema and
 * differs from the current one.
 */
export function checkCorrection(module: ProcedureModule, items: readonly HistoryItem[], c: CorrectPayloadValue, actor: EventMeta['actor']): void {
  const target = items.find((i) => i.seq === c.seq);
  if (!target) throw new EngineError('invalid_request', `correct: the case has no event ${c.seq}`, { field: 'seq' });
  if (target.type === CORRECT_EVENT || target.meta.actor.role === 'system') {
    throw new EngineError('invalid_request', `correct: event ${c.seq} is ${target.type === CORRECT_EVENT ? 'a correction' : "the engine's own"}; only staff events are corrected`, {
      field: 'seq',
    });
  }
  const schema = target.type === CREATED_EVENT ? module.inputSchema : module.eventSchemas[target.type];
  const fieldSchema = correctableField(schema, c.field);
  if (!fieldSchema) {
    const fields = correctableFields(schema);
    throw new EngineError(
      'invalid_request',
      `correct: "${c.field}" of ${target.type} cannot be corrected; ${fields.length ? `correctable fields: ${fields.join(', ')}` : `${target.type} has no correctable field`}`,
      { field: 'field', correctable: fields },
    );
  }
  const roles = [target.meta.actor.role, ...(module.correctRoles ?? [])];
  if (!roles.includes(actor.role)) {
    throw new EngineError('forbidden', `correct: event ${c.seq} was sent by ${target.meta.actor.role}; it is corrected by: ${[...new Set(roles)].join(', ')}`, {
      roles: [...new Set(roles)],
    });
  }
  checkSchema(fieldSchema, c.value, `value (${c.field})`);
  const corrected = items.filter((i) => i.type === CORRECT_EVENT && (i.payload as unknown as CorrectPayloadValue).seq === c.seq);
  let currentPayload = target.payload;
  for (const i of corrected) {
    const p = i.payload as unknown as CorrectPayloadValue;
    currentPayload = setPath(currentPayload, p.field, p.value);
  }
  if (canonicalJson(getPath(currentPayload, c.field) ?? null) === canonicalJson(c.value)) {
    throw new EngineError('invalid_request', `correct: ${c.field} of event ${c.seq} is already ${JSON.stringify(c.value)}`, { field: 'value' });
  }
}
