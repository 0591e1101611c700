/**
 * The runner: checks a command, computes the step with the (pure) machine, and persists
 * the event (hash-chained), the snapshot, the deadline timers and the outbox rows in one
 * transaction. Side effects (waking the workers) run only after the commit.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { Value } from 'typebox/value';
import type {
  Actor,
  AllowedEvent,
  CaseDeadline,
  Effect,
  EventMeta,
  MachineDeps,
  PersistedSnapshot,
  ProcedureModule,
  StepOk,
  StepResult,
} from '../machines/contract.js';
import { ROLES } from '../machines/contract.js';
import { findCase, findCaseHead, insertCase, updateCaseIfSeq } from '../storage/cases.repository.js';
import type { Db } from '../storage/connection.js';
import type { CaseRow, Database, NewOutboxRow } from '../storage/database.js';
import { insertEvent } from '../storage/events.repository.js';
import { findIdempotencyKey, insertIdempotencyKey } from '../storage/idempotency.repository.js';
import { insertOutbox } from '../storage/outbox.repository.js';
import { insertTimer, listTimersForCase, updateTimer } from '../storage/timers.repository.js';
import { buildCaseView, deadlinesOf, nextDueAt, waitingRoles, type CaseView } from './case-view.js';
import type { Clock } from './clock.js';
import { CommitQueue, type TxContext } from './commit-queue.js';
import { LiveCases, type LiveCase } from './live-cases.js';
import { EngineError } from './errors.js';
import { canonicalJson, eventHash, GENESIS_HASH, sha256Hex } from './hash.js';
import { renderMail } from './mail-templates.js';
import type { ModuleRegistry } from './registry.js';

type Trx = Transaction<Database>;

/** The type of the first event of every case; its payload is the creation input. */
export const CREATED_EVENT = 'created';
export const SYSTEM_ACTOR: Actor = { name: 'engine', role: 'system' };

export interface CreateOptions {
  actor: Actor;
  /** When it happened in the office; defaults to the server time; never later. */
  occurredAt?: string;
  idempotencyKey?: string;
}
export interface EventInput {
  type: string;
  payload?: Record<string, unknown>;
  occurredAt?: string;
}
export interface EventOptions {
  actor: Actor;
  /** The `seq` the client saw (`If-Match`); a stale one fails with `version_conflict`. */
  expectedSeq?: number;
  idempotencyKey?: string;
}

/** The answer to a command; `replayed` when it is the stored first answer of an idempotent retry. */
export interface CommandResult {
  status: 200 | 201;
  view: CaseView;
  replayed: boolean;
}

/** What a committed command changed, for waking the workers. */
export interface CommitNotice {
  caseId: string;
  /** Earliest due_at among timers (re)scheduled by the command. */
  scheduledDueAt?: string;
  mailQueued: number;
}

/**
 * A committed command, for observers (the live inspector). Only commands whose transaction
 * committed are observed; a rejected or rolled-back command never is.
 */
export interface CommitObservation {
  caseId: string;
  procedure: string;
  /** The machine version the case is pinned to. */
  version: string;
  seq: number;
  /** The stored event (type `created` for the creation, its payload is the input). */
  event: { type: string; payload: Record<string, unknown>; occurredAt: string; recordedAt: string; actor: Actor };
  /** The persisted machine snapshot after the event. */
  snapshot: PersistedSnapshot;
  state: string;
  status: 'active' | 'done';
}
/** Called after the commit; must not throw (a throw is logged and otherwise ignored). */
export type CommitObserver = (o: CommitObservation) => void;

export interface RunnerOptions {
  db: Db;
  clock: Clock;
  deps: MachineDeps;
  registry: ModuleRegistry;
  groupCommit?: boolean;
  maxBatch?: number;
  onCommit?: (notice: CommitNotice) => void;
  onError?: (e: unknown) => void;
  observer?: CommitObserver;
  /** How many recently advanced cases keep their restored machine between commands (default 1000; 0: none). */
  liveCases?: number;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an instant with an explicit offset (or Z) to UTC ISO, or throws `invalid_request`. */
export function normalizeInstant(value: unknown, field: string): string {
  if (typeof value !== 'string' || !INSTANT.test(value)) {
    throw new EngineError('invalid_request', `${field} must be an ISO-8601 instant with an offset or Z, e.g. 2025-03-06T10:00:00+05:00`, {
      field,
    });
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new EngineError('invalid_request', `${field} is not a valid instant: ${value}`, { field });
  return new Date(t).toISOString();
}

/** Path-precise schema errors: `invalid_request` with "/applicant/email: must match format…". */
/** Compiled validators per schema object; schemas are module constants, so this stays small. */
const validators = new WeakMap<TSchema, Validator>();

export function checkSchema(schema: TSchema, value: unknown, what: string): void {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema) as unknown as Validator;
    validators.set(schema, validator);
  }
  // The compiled check is the hot path; the (slower) error listing runs only on failure.
  if (validator.Check(value)) return;
  const errors = [...Value.Errors(schema, value)]
    // "schema is false" duplicates the additionalProperties error with a worse message.
    .filter((e) => !(e.keyword === 'boolean' && e.message === 'schema is false'))
    .slice(0, 10)
    .map((e) => ({ path: e.instancePath === '' ? '/' : e.instancePath, message: describe(e) }));
  const first = errors[0];
  throw new EngineError(
    'invalid_request',
    first ? `${what}${first.path === '/' ? '' : first.path}: ${first.message}` : `${what} is invalid`,
    { errors },
  );
}

function describe(e: { keyword: string; message: string; params: unknown }): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required' && Array.isArray(p.requiredProperties)) return `must have required properties ${p.requiredProperties.join(', ')}`;
  if (e.keyword === 'additionalProperties' && Array.isArray(p.additionalProperties)) return `must not have additional properties ${p.additionalProperties.join(', ')}`;
  return e.message;
}

/**
 * A JSON value as stored (undefined dropped, Dates → strings) and its text: the value is
 * what the case view and the hash see, the text is what is written, so they cannot differ.
 */
function asStored<T>(v: T): { value: T; text: string } {
  const text = JSON.stringify(v ?? {});
  return { value: JSON.parse(text) as T, text };
}

export class Runner {
  readonly queue: CommitQueue;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #deps: MachineDeps;
  readonly #registry: ModuleRegistry;
  readonly #onCommit: (n: CommitNotice) => void;
  readonly live: LiveCases;
  /** Off (undefined) by default: then the hot path pays one null check and nothing else. */
  observer: CommitObserver | undefined;

  constructor(o: RunnerOptions) {
    this.observer = o.observer;
    this.#db = o.db;
    this.#clock = o.clock;
    this.#deps = o.deps;
    this.#registry = o.registry;
    this.#onCommit = o.onCommit ?? (() => {});
    this.live = new LiveCases(o.liveCases ?? 1000);
    this.queue = new CommitQueue(o.db, {
      ...(o.groupCommit !== undefined ? { groupCommit: o.groupCommit } : {}),
      ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
  }

  get deps(): MachineDeps {
    return this.#deps;
  }
  get registry(): ModuleRegistry {
    return this.#registry;
  }

  /** Creates a case: checks role, input schema and occurredAt; runs `start`; stores event 1. */
  createCase(procedure: string, input: Record<string, unknown>, options: CreateOptions): Promise<CommandResult> {
    return this.queue.submit((trx, tx) => this.#create(trx, tx, procedure, input, options));
  }

  /** Applies one event of a staff member (role `system` is refused: the engine sends those itself). */
  applyEvent(caseId: string, event: EventInput, options: EventOptions): Promise<CommandResult> {
    if (options.actor.role === 'system') {
      return Promise.reject(new EngineError('forbidden', 'system events are sent by the engine only'));
    }
    return this.queue.submit((trx, tx) => this.#event(trx, tx, caseId, event, options));
  }

  /** Applies a system event (deadline_missed, message_delivered) inside an open unit of work. */
  applySystemEventInTrx(trx: Trx, tx: TxContext, caseId: string, event: EventInput & { occurredAt: string }): Promise<CommandResult> {
    return this.#event(trx, tx, caseId, event, { actor: SYSTEM_ACTOR });
  }

  /** The case view, with the allowed events of its current state. */
  async getCase(caseId: string): Promise<CaseView> {
    // What the API shows is on disk: wait for the flush of the last commit (async durable commits).
    await this.queue.durable();
    const row = await findCase(this.#db, caseId);
    if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
    return this.view(row);
  }

  view(row: CaseRow): CaseView {
    const module = this.#moduleOf(row);
    const snapshot = JSON.parse(row.snapshot) as PersistedSnapshot;
    const context = JSON.parse(row.context) as Record<string, unknown>;
    return buildCaseView(row, context, module.allowedEvents(this.#deps, snapshot), this.#clock.now());
  }

  #moduleOf(row: CaseRow): ProcedureModule {
    const m = this.#registry.version(row.procedure, row.machine_version);
    if (!m) throw new Error(`no machine ${row.procedure}@${row.machine_version} is registered; add it to the legacy modules`);
    return m;
  }

  async #idempotent(trx: Trx, key: string | undefined, request: unknown): Promise<{ hash: string; hit?: CommandResult }> {
    if (key === undefined) return { hash: '' };
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw new EngineError('invalid_request', 'Idempotency-Key must be 1 to 255 characters');
    }
    const hash = sha256Hex(canonicalJson(request));
    const row = await findIdempotencyKey(trx, key);
    if (!row) return { hash };
    if (row.request_hash !== hash) {
      throw new EngineError('idempotency_key_reused', 'this Idempotency-Key was already used with a different request', {
        caseId: row.case_id,
      });
    }
    return { hash, hit: { status: row.response_status as 200 | 201, view: JSON.parse(row.response_body) as CaseView, replayed: true } };
  }

  async #create(trx: Trx, tx: TxContext, procedure: string, input: Record<string, unknown>, o: CreateOptions): Promise<CommandResult> {
    checkActor(o.actor);
    const idem = await this.#idempotent(trx, o.idempotencyKey, { op: 'create', procedure, input, occurredAt: o.occurredAt ?? null, actor: o.actor });
    if (idem.hit) return idem.hit;
    const module = this.#registry.current(procedure);
    if (!module) {
      throw new EngineError('invalid_request', `unknown procedure: ${String(procedure)}`, { procedures: this.#registry.procedures() });
    }
    if (!module.createRoles.includes(o.actor.role)) {
      throw new EngineError('forbidden', `role ${o.actor.role} may not create a ${procedure} case`, { roles: module.createRoles });
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new EngineError('invalid_request', 'input must be an object');
    checkSchema(module.inputSchema, input, 'input');
    const recordedAt = this.#clock.now().toISOString();
    const occurredAt = this.#occurredAt(o.occurredAt, recordedAt, null);
    const meta: EventMeta = { occurredAt, recordedAt, actor: { name: o.actor.name, role: o.actor.role } };
    const result = callMachine(() => module.start(this.#deps, input, meta));
    const caseId = randomUUID();
    const created = await this.#persist(trx, tx, {
      module,
      caseId,
      prev: undefined,
      type: CREATED_EVENT,
      payload: input,
      meta,
      result,
      idempotency: o.idempotencyKey !== undefined ? { key: o.idempotencyKey, hash: idem.hash } : undefined,
      status: 201,
    });
    return created.result;
  }

  async #event(trx: Trx, tx: TxContext, caseId: string, e: EventInput, o: EventOptions): Promise<CommandResult> {
    checkActor(o.actor);
    const payload = e.payload ?? {};
    const idem = await this.#idempotent(trx, o.idempotencyKey, {
      op: 'event',
      caseId,
      type: e.type,
      payload,
      occurredAt: e.occurredAt ?? null,
      expectedSeq: o.expectedSeq ?? null,
      actor: o.actor,
    });
    if (idem.hit) return idem.hit;
    const live = await this.#takeLive(trx, caseId);
    const row = live?.row ?? (await findCase(trx, caseId));
    if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
    // Until the step moves it, the session is in the state of `row`, which this command has
    // not changed: on a refusal it goes back to the cache as it is.
    let session = live?.session;
    const keep = () => {
      if (session) this.live.put(caseId, { row, session });
    };
    let result: StepResult;
    let module: ProcedureModule;
    let meta: EventMeta;
    try {
      if (o.expectedSeq !== undefined && o.expectedSeq !== row.seq) {
        throw new EngineError('version_conflict', `the case is at seq ${row.seq}, not ${o.expectedSeq}; reload it and retry`, {
          expectedSeq: o.expectedSeq,
          currentSeq: row.seq,
        });
      }
      module = this.#moduleOf(row);
      if (typeof e.type !== 'string' || !Object.hasOwn(module.eventSchemas, e.type)) {
        // Not an event of this procedure at all: a bad request, not a matter of the state.
        const events = Object.keys(module.eventSchemas);
        throw new EngineError('invalid_request', `${procedureLabel(row)} has no event '${String(e.type)}'; its events are: ${events.join(', ')}`, {
          events,
        });
      }
      // Authorisation before the payload: a caller who may not send the event learns nothing
      // about its schema, and gets 403 rather than a validation error.
      const roles = module.eventRoles[e.type] ?? [];
      if (!roles.includes(o.actor.role)) {
        throw new EngineError('forbidden', `role ${o.actor.role} may not send ${e.type}; it is sent by: ${roles.join(', ')}`, { roles });
      }
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new EngineError('invalid_request', 'the payload must be an object');
      checkSchema(module.eventSchemas[e.type] as TSchema, payload, e.type);
      const staff = o.actor.role !== 'system';
      const recordedAt = this.#clock.now().toISOString();
      const occurredAt = this.#occurredAt(e.occurredAt, recordedAt, staff ? row.last_staff_occurred_at : null);
      meta = { occurredAt, recordedAt, actor: { name: o.actor.name, role: o.actor.role } };
    } catch (err) {
      keep();
      throw err;
    }
    // Whether the state accepts the event is the step's own answer (event_not_allowed with
    // the allowed events); asking allowedEvents first would restore the actor twice.
    const stepEvent = { type: e.type, payload, ...meta };
    try {
      if (!session && module.open && this.live.capacity > 0) session = module.open(this.#deps, JSON.parse(row.snapshot) as PersistedSnapshot);
      const s = session;
      result = callMachine(() => (s ? s.step(stepEvent) : module.step(this.#deps, JSON.parse(row.snapshot) as PersistedSnapshot, stepEvent)));
    } catch (err) {
      // A step that threw leaves the session unusable.
      session?.close();
      session = undefined;
      throw err;
    }
    if (!result.ok) keep();
    let persisted: { result: CommandResult; row: CaseRow };
    try {
      persisted = await this.#persist(trx, tx, {
        module,
        caseId,
        prev: row,
        type: e.type,
        payload,
        meta,
        result,
        idempotency: o.idempotencyKey !== undefined ? { key: o.idempotencyKey, hash: idem.hash } : undefined,
        status: 200,
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
      const committed = persisted.row;
      tx.afterCommit(() => this.live.put(caseId, { row: committed, session: moved }));
    } else moved?.close();
    return persisted.result;
  }

  /**
   * The live entry of a case whose head in the database (read in this transaction) is
   * still the entry's; otherwise undefined (the caller reads the row).
   */
  async #takeLive(trx: Trx, caseId: string): Promise<LiveCase | undefined> {
    const live = this.live.take(caseId);
    if (!live) return undefined;
    const head = await findCaseHead(trx, caseId);
    if (head && head.seq === live.row.seq && head.head_hash === live.row.head_hash) return live;
    live.session.close();
    return undefined;
  }

  /** occurredAt rules of PROCEDURES.md "Time". */
  #occurredAt(given: string | undefined, recordedAt: string, lowerBound: string | null): string {
    if (given === undefined) {
      // The server time is after every earlier staff event unless the clock went back.
      return lowerBound !== null && lowerBound > recordedAt ? lowerBound : recordedAt;
    }
    const occurredAt = normalizeInstant(given, 'occurredAt');
    if (occurredAt > recordedAt) {
      throw new EngineError('invalid_request', `occurredAt ${given} is later than the server time ${recordedAt}`, { field: 'occurredAt' });
    }
    if (lowerBound !== null && occurredAt < lowerBound) {
      throw new EngineError('invalid_request', `occurredAt ${given} is earlier than the previous staff event of the case (${lowerBound})`, {
        field: 'occurredAt',
        notBefore: lowerBound,
      });
    }
    return occurredAt;
  }

  async #persist(
    trx: Trx,
    tx: TxContext,
    p: {
      module: ProcedureModule;
      caseId: string;
      prev: CaseRow | undefined;
      type: string;
      payload: Record<string, unknown>;
      meta: EventMeta;
      result: StepResult;
      idempotency: { key: string; hash: string } | undefined;
      status: 200 | 201;
    },
  ): Promise<{ result: CommandResult; row: CaseRow }> {
    const r = p.result;
    if (!r.ok) {
      throw new EngineError(r.code, r.message, { allowed: r.allowed, ...(p.prev ? { state: p.prev.state } : {}) });
    }
    const now = p.meta.recordedAt;
    const seq = (p.prev?.seq ?? 0) + 1;
    const prevHash = p.prev?.head_hash ?? GENESIS_HASH;
    const storedPayload = asStored(p.payload);
    const payload = storedPayload.value;
    const hash = eventHash({
      caseId: p.caseId,
      seq,
      type: p.type,
      payload,
      role: p.meta.actor.role,
      actor: p.meta.actor.name,
      occurredAt: p.meta.occurredAt,
      recordedAt: p.meta.recordedAt,
      prevHash,
    });
    const storedContext = asStored(r.context);
    const context = storedContext.value;
    const deadlines = deadlinesOf(context);
    const allowed: AllowedEvent[] = r.allowed ?? p.module.allowedEvents(this.#deps, r.snapshot);
    // The creation always bounds later staff events (even from the public intake); system
    // events (deadline_missed, message_delivered) never do.
    const staff = p.prev === undefined || p.meta.actor.role !== 'system';
    const row: CaseRow = {
      id: p.caseId,
      procedure: p.module.id,
      machine_version: p.prev?.machine_version ?? p.module.version,
      snapshot: JSON.stringify(r.snapshot),
      context: storedContext.text,
      state: r.state,
      status: r.status,
      seq,
      head_hash: hash,
      next_due_at: nextDueAt(deadlines),
      waiting_roles: `,${waitingRoles(allowed).join(',')},`,
      last_staff_occurred_at: staff ? p.meta.occurredAt : (p.prev?.last_staff_occurred_at ?? null),
      created_at: p.prev?.created_at ?? now,
      updated_at: now,
    };
    // The case row first: a concurrent writer (another process) makes this fail before anything else is written.
    if (p.prev) {
      const { id: _id, created_at: _c, procedure: _p, ...update } = row;
      // Passing the previous row writes only the columns that changed, so SQLite leaves
      // the indexes on unchanged columns (the work queues) alone.
      if (!(await updateCaseIfSeq(trx, p.caseId, p.prev.seq, update, p.prev))) {
        throw new EngineError('version_conflict', 'the case was changed concurrently; reload it and retry', { expectedSeq: p.prev.seq });
      }
    } else {
      await insertCase(trx, row);
    }
    await insertEvent(trx, {
      case_id: p.caseId,
      seq,
      type: p.type,
      payload: storedPayload.text,
      role: p.meta.actor.role,
      actor: p.meta.actor.name,
      occurred_at: p.meta.occurredAt,
      recorded_at: p.meta.recordedAt,
      prev_hash: prevHash,
      hash,
    });
    // Timers are a function of the deadlines; when a command leaves them as they were (a
    // comment, a registration), the timers are already in sync and need no read.
    const deadlinesJson = JSON.stringify(deadlines);
    const unchanged = p.prev !== undefined && deadlinesJsonOf(p.prev) === deadlinesJson;
    deadlinesJsonMemo.set(row, deadlinesJson);
    const scheduledDueAt = unchanged ? undefined : await syncTimers(trx, p.caseId, deadlines, now);
    let mailQueued = 0;
    for (const [i, effect] of r.effects.entries()) {
      await insertOutbox(trx, outboxRow(p.caseId, seq, i, effect, now));
      if (effect.kind === 'mail') mailQueued++;
    }
    const view = buildCaseView(row, context, allowed, new Date(now));
    if (p.idempotency) {
      await insertIdempotencyKey(trx, {
        key: p.idempotency.key,
        request_hash: p.idempotency.hash,
        response_status: p.status,
        response_body: JSON.stringify(view),
        case_id: p.caseId,
        created_at: now,
      });
    }
    const notice: CommitNotice = { caseId: p.caseId, mailQueued, ...(scheduledDueAt ? { scheduledDueAt } : {}) };
    tx.afterCommit(() => this.#onCommit(notice));
    const observer = this.observer;
    if (observer) {
      const observation: CommitObservation = {
        caseId: p.caseId,
        procedure: row.procedure,
        version: row.machine_version,
        seq,
        event: { type: p.type, payload, occurredAt: p.meta.occurredAt, recordedAt: p.meta.recordedAt, actor: p.meta.actor },
        snapshot: r.snapshot,
        state: r.state,
        status: r.status,
      };
      tx.afterCommit(() => observer(observation));
    }
    return { result: { status: p.status, view, replayed: false }, row };
  }
}

/**
 * The JSON of a case row's deadlines, as `#persist` compares them. Rows the runner built
 * itself (the live cases' rows) carry it already; a row read from the database is parsed.
 */
const deadlinesJsonMemo = new WeakMap<CaseRow, string>();
function deadlinesJsonOf(row: CaseRow): string {
  return deadlinesJsonMemo.get(row) ?? JSON.stringify(deadlinesOf(JSON.parse(row.context) as Record<string, unknown>));
}

function procedureLabel(row: CaseRow): string {
  return `procedure ${row.procedure}`;
}

function checkActor(actor: Actor): void {
  if (!actor || typeof actor.name !== 'string' || actor.name.length === 0 || !(ROLES as readonly string[]).includes(actor.role)) {
    throw new EngineError('invalid_request', 'the actor must have a name and a known role');
  }
}

/** Runs the machine; a calendar that does not know a year becomes `calendar_year_unknown`. */
function callMachine(fn: () => StepResult): StepResult {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'calendar_year_unknown') {
      throw new EngineError('calendar_year_unknown', e instanceof Error ? e.message : 'calendar year unknown', {
        ...((e as { details?: Record<string, unknown> }).details ?? {}),
      });
    }
    if (code === 'invalid_date' || code === 'invalid_instant' || code === 'invalid_amount') {
      throw new EngineError('invalid_request', e instanceof Error ? e.message : String(code));
    }
    throw e;
  }
}

/** Whether the engine already observed this deadline past due (its timer has fired). */
function observed(d: CaseDeadline): boolean {
  return d.observedMissedAt !== undefined && Date.parse(d.observedMissedAt) >= Date.parse(d.dueAt);
}

/**
 * Makes the case's timers match its deadlines: an open deadline has a scheduled timer at
 * its dueAt (re-armed when dueAt moves or the deadline reopens); a closed or dropped one
 * has none. A timer that fired at the same dueAt stays fired. Returns the earliest newly
 * scheduled due_at.
 */
async function syncTimers(trx: Trx, caseId: string, deadlines: Record<string, CaseDeadline>, now: string): Promise<string | undefined> {
  const existing = new Map((await listTimersForCase(trx, caseId)).map((t) => [t.key, t]));
  let earliest: string | undefined;
  const schedule = (due: string) => {
    if (earliest === undefined || due < earliest) earliest = due;
  };
  for (const d of Object.values(deadlines)) {
    const t = existing.get(d.key);
    existing.delete(d.key);
    if (d.open && (d.status === 'pending' || d.status === 'missed')) {
      const due = new Date(Date.parse(d.dueAt)).toISOString();
      const status = observed(d) ? 'fired' : 'scheduled';
      if (!t) {
        await insertTimer(trx, { case_id: caseId, key: d.key, due_at: due, status, fired_at: null, created_at: now, updated_at: now });
        if (status === 'scheduled') schedule(due);
      } else if (t.due_at !== due || t.status === 'cancelled') {
        await updateTimer(trx, caseId, d.key, { due_at: due, status, fired_at: status === 'fired' ? t.fired_at : null, updated_at: now });
        if (status === 'scheduled') schedule(due);
      }
    } else if (t && t.status === 'scheduled') {
      await updateTimer(trx, caseId, d.key, { status: 'cancelled', updated_at: now });
    }
  }
  for (const t of existing.values()) {
    if (t.status === 'scheduled') await updateTimer(trx, caseId, t.key, { status: 'cancelled', updated_at: now });
  }
  return earliest;
}

function outboxRow(caseId: string, seq: number, index: number, effect: Effect, now: string): NewOutboxRow {
  const id = `${caseId}:${seq}:${index}`;
  if (effect.kind === 'portal_notice') {
    // P4: the notice is posted on the portal by staff; the engine records it as sent.
    return {
      id,
      case_id: caseId,
      event_seq: seq,
      kind: 'portal_notice',
      template: null,
      recipient: null,
      language: null,
      payload: JSON.stringify({ data: effect.data }),
      status: 'sent',
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      closes_deadline: null,
      created_at: now,
      sent_at: now,
    };
  }
  const rendered = renderMail(effect.template, effect.language, effect.to, effect.data);
  return {
    id,
    case_id: caseId,
    event_seq: seq,
    kind: 'mail',
    template: effect.template,
    recipient: effect.to.email,
    language: effect.language,
    payload: JSON.stringify({ to: effect.to, data: effect.data, subject: rendered.subject, text: rendered.text }),
    status: 'queued',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    closes_deadline: effect.closesDeadline ?? null,
    created_at: now,
    sent_at: null,
  };
}

export type { StepOk };
