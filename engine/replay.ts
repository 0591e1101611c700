/**
 * Rebuilds a case from its events with the machine version it is pinned to, and verifies
 * a stored case: the hash chain is intact AND the replay reproduces the stored snapshot.
 *
 * A history may be long (one case had 79,000 comments), and every part of this is
 * synchronous CPU work: the events are read in pages, and the hashing and the fold give
 * the event loop a turn every few hundred events, so the server answers other requests
 * (`/health` among them) while a replay or a verification runs.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventMeta, PersistedSnapshot, ProcedureModule, Role, StepOk } from '../machines/contract.js';
import type { CaseRecord, EventRecord, Repositories } from '../storage/index.js';
import { EngineError } from './errors.js';
import { canonicalJson, eventHash, GENESIS_HASH } from './hash.js';
import type { ModuleRegistry } from './registry.js';
import type { CalendarVersions } from './calendar-versions.js';
import { creationVersion, versionAt, foldHistoryYielding, FoldRefusal, type FoldDeps, type FoldModule, type HistoryItem } from './corrections.js';
import { MIGRATED_EVENT } from '../machines/common/migration.js';
import { deadlinesOf, nextDueAt, waitingRoles } from './case-view.js';
import { eventIsBackdated } from './backdating.js';
import { asStored } from './step-records.js';
import { checkEvents, checkMessages, type LogProblemKind } from './ledger/case-check.js';

/** Events read per query, and hashes checked between two turns of the event loop. */
const READ_PAGE = 2_000;
const HASH_CHUNK = 500;

export interface ReplayedCase {
  seq: number;
  /** The machine version the case was on after `seq` (engine/corrections.ts `versionAt`). */
  version: string;
  snapshot: PersistedSnapshot;
  state: string;
  status: 'active' | 'done';
  context: StepOk['context'];
}

export type ProblemKind =
  | 'unknown_version'
  | 'seq_gap'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'head_mismatch'
  | 'replay_rejected'
  | 'replay_error'
  | 'snapshot_mismatch'
  | 'state_mismatch'
  /** The stored context (what the case's views are built from) is not the replay's. */
  | 'context_mismatch'
  /** A stored column derived from the replay (queue roles, next due, unit, …) differs. */
  | 'record_mismatch'
  | LogProblemKind;

export interface VerifyProblem {
  seq: number;
  kind: ProblemKind;
  message: string;
  /** A message's id, for the problems of a message. */
  messageId?: string;
  /** The log position concerned, when there is one. */
  position?: number;
}
export interface VerifyResult {
  ok: boolean;
  events: number;
  problems: VerifyProblem[];
}

class ReplayFailure extends Error {
  constructor(
    readonly seq: number,
    readonly kind: 'replay_rejected' | 'replay_error',
    message: string,
  ) {
    super(message);
  }
}

function metaOf(e: EventRecord): EventMeta {
  return { occurredAt: e.occurredAt, recordedAt: e.recordedAt, actor: { name: e.actor, role: e.role as Role } };
}

/** A stored event as the fold takes it. */
export function historyItem(e: EventRecord): HistoryItem {
  return {
    seq: e.seq,
    type: e.type,
    payload: JSON.parse(e.payloadJson) as Record<string, unknown>,
    meta: metaOf(e),
    ...(typeof e.calendarVersion === 'string' ? { calendarVersion: e.calendarVersion } : {}),
  };
}

/**
 * Folds `events` (seq 1 = creation) through `module.start` and `module.step`, corrections
 * applied (engine/corrections.ts, the runner's own fold). Pure given the deps.
 */
export async function replayEvents(module: FoldModule, deps: FoldDeps, events: EventRecord[]): Promise<ReplayedCase> {
  if (events.length === 0) throw new ReplayFailure(0, 'replay_error', 'no events');
  const progress = { seq: 0 };
  let r: StepOk;
  try {
    r = await foldHistoryYielding(module, deps, events.map(historyItem), progress);
  } catch (err) {
    if (err instanceof FoldRefusal) {
      const kind = err.code === 'replay_error' ? 'replay_error' : 'replay_rejected';
      throw new ReplayFailure(err.seq, kind, kind === 'replay_error' ? err.message : `${err.type} was refused on replay: ${err.code}: ${err.message}`);
    }
    throw new ReplayFailure(progress.seq, 'replay_error', err instanceof Error ? err.message : String(err));
  }
  const last = events[events.length - 1]!;
  const creation = 'step' in module ? module : module.creation;
  const version = versionAt(creation.version, events.filter((e) => e.type === MIGRATED_EVENT).map(historyItem), last.seq);
  return { seq: last.seq, version, snapshot: r.snapshot, state: r.state, status: r.status, context: r.context };
}

/** Every event of a case (up to `uptoSeq`), read in pages with a turn of the event loop between. */
async function readEvents(repos: Repositories, caseId: string, uptoSeq?: number): Promise<EventRecord[]> {
  const events: EventRecord[] = [];
  for (;;) {
    const page = await repos.events.page(caseId, events.at(-1)?.seq ?? 0, READ_PAGE, uptoSeq);
    events.push(...page);
    if (page.length < READ_PAGE) return events;
    await yieldToEventLoop();
  }
}

/**
 * A history may name a calendar version installed by another process since this one last
 * looked (engine/calendar-versions.ts): the installs are read again before the fold.
 */
async function ensureVersions(repos: Repositories, deps: FoldDeps, events: readonly EventRecord[]): Promise<void> {
  if (!('depsFor' in deps) || !('refresh' in deps)) return;
  const missing = events.some((e) => typeof e.calendarVersion === 'string' && deps.depsFor(e.calendarVersion) === undefined);
  if (missing) await (deps as CalendarVersions).refresh(repos.calendarVersions);
}

async function load(repos: Repositories, caseId: string): Promise<CaseRecord> {
  const row = await repos.cases.find(caseId);
  if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
  return row;
}

function moduleFor(registry: ModuleRegistry, row: CaseRecord): ProcedureModule | undefined {
  return registry.version(row.procedure, row.machineVersion);
}

/**
 * The machines a case's history is folded with: the version it was created on (before its
 * first `procedure_migrated`, if any) and the registry for the versions it moved to.
 */
function machinesFor(registry: ModuleRegistry, row: CaseRecord, events: readonly EventRecord[]): { machines: FoldModule; version: string } | undefined {
  const migrations = events.filter((e) => e.type === MIGRATED_EVENT).map(historyItem);
  // A history with no migration is read on the version it is on, so an older file without one folds as before.
  const version = creationVersion(row.machineVersion, migrations);
  const creation = registry.version(row.procedure, version);
  if (!creation) return undefined;
  return { machines: migrations.length ? { creation, registry } : creation, version };
}

/** The case as it was right after event `seq` (default: the last event). */
export async function replayCase(
  repos: Repositories,
  registry: ModuleRegistry,
  deps: FoldDeps,
  caseId: string,
  seq?: number,
): Promise<{ row: CaseRecord; events: EventRecord[]; replayed: ReplayedCase }> {
  const row = await load(repos, caseId);
  if (seq !== undefined && (!Number.isInteger(seq) || seq < 1 || seq > row.seq)) {
    throw new EngineError('invalid_request', `seq must be an integer from 1 to ${row.seq}`, { field: 'seq' });
  }
  const events = await readEvents(repos, caseId, seq);
  // Every migration of the case, those after `seq` too: they say which version it was created on.
  const migrations = seq === undefined ? events.filter((e) => e.type === MIGRATED_EVENT) : await repos.events.ofType(caseId, MIGRATED_EVENT);
  const machines = machinesFor(registry, row, migrations);
  if (!machines) throw new Error(`no machine ${row.procedure}@${creationVersion(row.machineVersion, migrations.map(historyItem))} is registered`);
  await ensureVersions(repos, deps, events);
  try {
    return { row, events, replayed: await replayEvents(machines.machines, deps, events) };
  } catch (e) {
    if (e instanceof ReplayFailure) throw new Error(`replay failed at seq ${e.seq}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Checks the hash chain; that the replay equals the stored snapshot, state, status, context
 * and the columns derived from them; and, once the database has a transparency log
 * (engine/ledger/), that the events and the messages are the ones it logged.
 */
export interface VerifyOptions {
  /**
   * The positions of the case's event entries by seq, as a full scan of the log found them
   * (engine/ledger/verify.ts): a logged event whose row is gone is then reported too.
   */
  loggedEvents?: ReadonlyMap<number, number>;
}

export async function verifyCase(repos: Repositories, registry: ModuleRegistry, deps: FoldDeps, caseId: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const row = await load(repos, caseId);
  const events = await readEvents(repos, caseId);
  const problems: VerifyProblem[] = [];
  let prev = GENESIS_HASH;
  for (const [i, e] of events.entries()) {
    if (i > 0 && i % HASH_CHUNK === 0) await yieldToEventLoop();
    if (e.seq !== i + 1) problems.push({ seq: e.seq, kind: 'seq_gap', message: `expected seq ${i + 1}` });
    if (e.prevHash !== prev) problems.push({ seq: e.seq, kind: 'prev_hash_mismatch', message: 'prev_hash is not the hash of the previous event' });
    let payload: unknown;
    try {
      payload = JSON.parse(e.payloadJson);
    } catch {
      payload = e.payloadJson;
    }
    const h = eventHash({
      caseId: e.caseId,
      seq: e.seq,
      type: e.type,
      payload,
      role: e.role,
      actor: e.actor,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      prevHash: e.prevHash,
      backdatingReason: e.backdatingReason,
      calendarVersion: e.calendarVersion ?? null,
    });
    if (h !== e.hash) problems.push({ seq: e.seq, kind: 'hash_mismatch', message: 'the event does not match its hash' });
    prev = e.hash;
  }
  if (events.length !== row.seq || prev !== row.headHash) {
    problems.push({ seq: row.seq, kind: 'head_mismatch', message: `the case is at seq ${row.seq} with ${events.length} events, or its head hash differs` });
  }
  await ensureVersions(repos, deps, events);
  const module = moduleFor(registry, row);
  const machines = machinesFor(registry, row, events);
  if (!module || !machines) {
    problems.push({ seq: 0, kind: 'unknown_version', message: `no machine ${row.procedure}@${row.machineVersion} (or the version the case was created on) is registered` });
  } else {
    try {
      const r = await replayEvents(machines.machines, deps, events);
      if (canonicalJson(r.snapshot) !== canonicalJson(JSON.parse(row.snapshotJson))) {
        problems.push({ seq: r.seq, kind: 'snapshot_mismatch', message: 'the replayed snapshot differs from the stored one' });
      }
      if (r.state !== row.state || r.status !== row.status) {
        problems.push({ seq: r.seq, kind: 'state_mismatch', message: `replayed ${r.state}/${r.status}, stored ${row.state}/${row.status}` });
      }
      problems.push(...storedStateProblems(row, module, deps, events, r));
    } catch (e) {
      if (!(e instanceof ReplayFailure)) throw e;
      problems.push({ seq: e.seq, kind: e.kind, message: e.message });
    }
  }
  problems.push(...(await logProblems(repos, row, events, options.loggedEvents)));
  return { ok: problems.length === 0, events: events.length, problems };
}

/** The stored context and derived columns against the replay (what `GET /cases/{id}` shows is built from them). */
function storedStateProblems(row: CaseRecord, module: ProcedureModule, deps: FoldDeps, events: EventRecord[], r: ReplayedCase): VerifyProblem[] {
  const out: VerifyProblem[] = [];
  const context = asStored(r.context).value as Record<string, unknown>;
  let stored: unknown;
  try {
    stored = JSON.parse(row.contextJson);
  } catch {
    stored = undefined;
  }
  if (canonicalJson(stored) !== canonicalJson(context)) {
    const keys = new Set([...Object.keys(context), ...Object.keys((stored ?? {}) as object)]);
    const differ = [...keys].filter((k) => canonicalJson((stored as Record<string, unknown> | undefined)?.[k]) !== canonicalJson(context[k])).sort();
    out.push({ seq: r.seq, kind: 'context_mismatch', message: `the stored context differs from the replay in ${differ.join(', ') || 'its text'}` });
  }
  const last = events[events.length - 1];
  const d = 'depsFor' in deps ? deps.depsFor(last?.calendarVersion) : deps;
  const deadlines = deadlinesOf(context);
  const lastStaff = [...events].reverse().find((e, i) => e.role !== 'system' || i === events.length - 1);
  const derived: Record<string, unknown> = {
    nextDueAt: nextDueAt(deadlines),
    ...(d ? { waitingRoles: waitingRoles(module.allowedEvents(d, r.snapshot), module.optionalEvents) } : {}),
    // The version the last `procedure_migrated` moved the case to (else the creation's).
    ...(migratedTo(events) !== undefined ? { machineVersion: migratedTo(events) } : {}),
    unit: typeof context.unit === 'string' ? context.unit : null,
    assignee: typeof context.assignee === 'string' ? context.assignee : null,
    backdated: events.some(eventIsBackdated),
    lastStaffOccurredAt: lastStaff?.occurredAt ?? null,
    createdAt: events[0]?.recordedAt,
    updatedAt: last?.recordedAt,
  };
  const actual: Record<string, unknown> = { ...row, unit: row.unit ?? null, assignee: row.assignee ?? null };
  for (const [k, v] of Object.entries(derived)) {
    if (canonicalJson(actual[k]) !== canonicalJson(v)) out.push({ seq: r.seq, kind: 'record_mismatch', message: `the stored ${k} is ${JSON.stringify(actual[k])}, the replay gives ${JSON.stringify(v)}` });
  }
  return out;
}

/** The `to` of the case's last `procedure_migrated`, if any. */
function migratedTo(events: readonly EventRecord[]): string | undefined {
  const last = [...events].reverse().find((e) => e.type === MIGRATED_EVENT);
  return last ? String((JSON.parse(last.payloadJson) as { to?: unknown }).to) : undefined;
}

/** The case's events and messages against the transparency log (none before it exists). */
async function logProblems(repos: Repositories, row: CaseRecord, events: EventRecord[], loggedEvents?: ReadonlyMap<number, number>): Promise<VerifyProblem[]> {
  let size: number;
  try {
    size = (await repos.ledger.head()).size;
  } catch {
    // A database before migration 001300 (a read-only auditor may open one): no log yet.
    return [];
  }
  if (size === 0) return [];
  const entries = await repos.ledger.entriesOfCase(row.id);
  if (loggedEvents) {
    const found = new Set(entries.filter((e) => e.kind === 'event').map((e) => e.position));
    for (const position of loggedEvents.values()) if (!found.has(position)) entries.push(...(await repos.ledger.entries(position, 1)));
  }
  const messages = await repos.outbox.listForCase(row.id);
  const stored = await Promise.all(messages.map(async (m) => ({ message: m, attempts: await repos.outbox.listAttempts(m.id) })));
  return [...checkEvents(events, entries), ...checkMessages(stored, entries)];
}
