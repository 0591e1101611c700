/**
 * The durable engine: storage + runner + timer and outbox workers + replay, behind one
 * object. The HTTP server constructs it once:
 *
 * @example
 * const engine = await createEngine({ databasePath: 'data/engine.db', calendar: loadKzCalendar(), procedures, smtpUrl: process.env.SMTP_URL, logger });
 * await engine.start();            // workers: fire past-due timers, deliver queued mail
 * const { status, view } = await engine.createCase('feedback-inquiry', input, { actor });
 * await engine.close();
 */
import type { Actor, AllowedEvent, MachineDeps, ProcedureModule } from '../machines/contract.js';
import type { BusinessCalendar } from '../calendars/types.js';
import { listCases as listCaseRows, type CaseFilter } from '../storage/cases.repository.js';
import type { CheckpointerOptions } from '../storage/checkpointer.js';
import { openDatabase, ping, stopCheckpointer, type Db, type SynchronousMode } from '../storage/connection.js';
import type { FileSync } from '../storage/wal-sync.js';
import type { DeliveryAttemptRow } from '../storage/database.js';
import { listEvents } from '../storage/events.repository.js';
import { findCase } from '../storage/cases.repository.js';
import { listDeliveryAttempts, listOutboxForCase } from '../storage/outbox.repository.js';
import { buildCaseView, type CaseView } from './case-view.js';
import { SystemClock, type Clock } from './clock.js';
import { EngineError } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import { OutboxWorker, smtpTransport, type MailTransport, type RetryPolicy } from './outbox-worker.js';
import { createModuleRegistry, type ModuleRegistry } from './registry.js';
import { replayCase, verifyCase, type VerifyResult } from './replay.js';
import { Runner, type CommandResult, type CommitObserver, type CreateOptions, type EventInput, type EventOptions } from './runner.js';
import { TimerWorker } from './timer-worker.js';

export interface EngineOptions {
  /** SQLite file path (or `:memory:`). */
  databasePath: string;
  synchronous?: SynchronousMode;
  /** How FULL commits reach the disk (storage/connection.ts `durableCommit`; default `inline`). */
  durableCommit?: 'async' | 'inline';
  /** The WAL flush of `durableCommit: 'async'` (tests: to delay or fail it). */
  fileSync?: FileSync;
  /**
   * WAL checkpoints in a worker thread instead of inside the commits that cross the
   * threshold (storage/checkpointer.ts). Default on for a file; `false` turns it off.
   */
  backgroundCheckpoints?: CheckpointerOptions | boolean;
  busyTimeoutMs?: number;
  clock?: Clock;
  calendar: BusinessCalendar;
  /** Per-deadline-key reading overrides (policy settings). */
  readings?: MachineDeps['readings'];
  /** The machines registry (`procedures` of machines/index.ts) or a list of modules. */
  procedures: Record<string, ProcedureModule> | ProcedureModule[];
  /** Older machine versions still needed to run/replay cases pinned to them. */
  legacyModules?: ProcedureModule[];
  /** SMTP_URL; without it mail stays queued. */
  smtpUrl?: string | undefined;
  /** A transport instead of `smtpUrl` (tests). */
  transport?: MailTransport;
  mailFrom?: string;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** Group commit (default true); false = one transaction per command (bench baseline). */
  groupCommit?: boolean;
  maxBatch?: number;
  /** Told about every committed command, after its commit (the live inspector). */
  observer?: CommitObserver;
  /**
   * How many recently advanced cases keep their restored machine between commands
   * (engine/live-cases.ts; default 1000, 0 turns it off). Memory, not correctness: a stale
   * entry is never used.
   */
  liveCases?: number;
}

export interface HistoryEvent {
  seq: number;
  type: string;
  role: string;
  actor: string;
  occurredAt: string;
  recordedAt: string;
  payload: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

export interface MessageView {
  id: string;
  eventSeq: number;
  kind: 'mail' | 'portal_notice';
  template: string | null;
  recipient: string | null;
  language: string | null;
  subject: string | null;
  text: string | null;
  data: Record<string, unknown>;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  closesDeadline: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveryAttempts: { attempt: number; startedAt: string; finishedAt: string; outcome: 'sent' | 'failed'; error: string | null }[];
}

export interface CasePage {
  cases: CaseView[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: { createdAt: string; id: string };
}

export interface Engine {
  readonly db: Db;
  readonly clock: Clock;
  readonly deps: MachineDeps;
  readonly registry: ModuleRegistry;
  readonly runner: Runner;
  readonly timers: TimerWorker;
  readonly outbox: OutboxWorker;
  createCase(procedure: string, input: Record<string, unknown>, options: CreateOptions): Promise<CommandResult>;
  applyEvent(caseId: string, event: EventInput, options: EventOptions): Promise<CommandResult>;
  getCase(caseId: string): Promise<CaseView>;
  listCases(filter?: Omit<CaseFilter, 'overdueAt'> & { overdue?: boolean }): Promise<CasePage>;
  history(caseId: string): Promise<HistoryEvent[]>;
  messages(caseId: string): Promise<MessageView[]>;
  /** The case view as it was after event `seq`. */
  replay(caseId: string, seq?: number): Promise<CaseView>;
  verify(caseId: string): Promise<VerifyResult>;
  /** The events the case accepts now, with roles (same as the view's allowedEvents). */
  allowedEvents(caseId: string): Promise<AllowedEvent[]>;
  health(): Promise<{ ok: boolean }>;
  /** Sets (or with `undefined` removes) the observer of committed commands. */
  observe(observer: CommitObserver | undefined): void;
  /** Starts the timer and outbox workers (past-due timers fire at once). */
  start(): Promise<void>;
  /** Waits until no command is queued and the workers are idle (tests). */
  idle(): Promise<void>;
  /** Stops the workers, commits queued commands, closes the database. */
  close(): Promise<void>;
}

export async function createEngine(o: EngineOptions): Promise<Engine> {
  const logger = o.logger ?? silentLogger;
  const clock = o.clock ?? new SystemClock();
  let db: Db;
  try {
    db = await openDatabase({
      path: o.databasePath,
      ...(o.synchronous ? { synchronous: o.synchronous } : {}),
      ...(o.durableCommit ? { durableCommit: o.durableCommit } : {}),
      ...(o.fileSync ? { fileSync: o.fileSync } : {}),
      backgroundCheckpoints:
        o.backgroundCheckpoints === false
          ? false
          : {
              ...(o.backgroundCheckpoints === true || o.backgroundCheckpoints === undefined ? {} : o.backgroundCheckpoints),
              onError: (e: unknown) => logger.warn({ err: e }, 'background checkpoints'),
            },
      ...(o.busyTimeoutMs !== undefined ? { busyTimeoutMs: o.busyTimeoutMs } : {}),
    });
  } catch (e) {
    throw new EngineError('storage_unavailable', `cannot open the database: ${e instanceof Error ? e.message : String(e)}`);
  }
  const deps: MachineDeps = { calendar: o.calendar, ...(o.readings ? { readings: o.readings } : {}) };
  const registry = createModuleRegistry(o.procedures, o.legacyModules);
  // eslint-disable-next-line prefer-const
  let timers: TimerWorker;
  // eslint-disable-next-line prefer-const
  let outbox: OutboxWorker;
  const runner = new Runner({
    db,
    clock,
    deps,
    registry,
    ...(o.groupCommit !== undefined ? { groupCommit: o.groupCommit } : {}),
    ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
    onCommit: (n) => {
      if (n.scheduledDueAt) timers.scheduled(n.scheduledDueAt);
      if (n.mailQueued > 0) void outbox.poke();
    },
    onError: (e) => logger.error({ err: e }, 'transaction failed'),
    ...(o.observer ? { observer: o.observer } : {}),
    ...(o.liveCases !== undefined ? { liveCases: o.liveCases } : {}),
  });
  timers = new TimerWorker({ db, clock, runner, logger });
  const transport = o.transport ?? (o.smtpUrl ? smtpTransport(o.smtpUrl) : undefined);
  outbox = new OutboxWorker({
    db,
    clock,
    runner,
    logger,
    transport,
    ...(o.mailFrom ? { from: o.mailFrom } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  if (!transport) logger.warn({}, 'SMTP_URL is not set: e-mails stay queued');
  let closed = false;

  const engine: Engine = {
    db,
    clock,
    deps,
    registry,
    runner,
    timers,
    outbox,
    createCase: (p, input, opts) => runner.createCase(p, input, opts),
    applyEvent: (id, e, opts) => runner.applyEvent(id, e, opts),
    getCase: (id) => runner.getCase(id),
    async listCases(filter = {}) {
      await runner.queue.durable();
      const { overdue, ...rest } = filter;
      const limit = Math.min(Math.max(rest.limit ?? 50, 1), 500);
      const rows = await listCaseRows(db, { ...rest, limit: limit + 1, ...(overdue ? { overdueAt: clock.now().toISOString() } : {}) });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        cases: page.map((r) => runner.view(r)),
        ...(rows.length > limit && last ? { next: { createdAt: last.created_at, id: last.id } } : {}),
      };
    },
    async history(caseId) {
      await runner.queue.durable();
      if (!(await findCase(db, caseId))) throw new EngineError('not_found', `case ${caseId} not found`);
      return (await listEvents(db, caseId)).map((e) => ({
        seq: e.seq,
        type: e.type,
        role: e.role,
        actor: e.actor,
        occurredAt: e.occurred_at,
        recordedAt: e.recorded_at,
        payload: JSON.parse(e.payload) as Record<string, unknown>,
        hash: e.hash,
        prevHash: e.prev_hash,
      }));
    },
    async messages(caseId) {
      await runner.queue.durable();
      if (!(await findCase(db, caseId))) throw new EngineError('not_found', `case ${caseId} not found`);
      const rows = await listOutboxForCase(db, caseId);
      const out: MessageView[] = [];
      for (const m of rows) {
        const p = JSON.parse(m.payload) as { subject?: string; text?: string; data?: Record<string, unknown> };
        const attempts: DeliveryAttemptRow[] = await listDeliveryAttempts(db, m.id);
        out.push({
          id: m.id,
          eventSeq: m.event_seq,
          kind: m.kind,
          template: m.template,
          recipient: m.recipient,
          language: m.language,
          subject: p.subject ?? null,
          text: p.text ?? null,
          data: p.data ?? {},
          status: m.status,
          attempts: m.attempts,
          nextAttemptAt: m.status === 'queued' ? m.next_attempt_at : null,
          lastError: m.last_error,
          closesDeadline: m.closes_deadline,
          createdAt: m.created_at,
          sentAt: m.sent_at,
          deliveryAttempts: attempts.map((a) => ({
            attempt: a.attempt,
            startedAt: a.started_at,
            finishedAt: a.finished_at,
            outcome: a.outcome,
            error: a.error,
          })),
        });
      }
      return out;
    },
    async replay(caseId, seq) {
      await runner.queue.durable();
      const { row, replayed } = await replayCase(db, registry, deps, caseId, seq);
      const module = registry.version(row.procedure, row.machine_version)!;
      const context = JSON.parse(JSON.stringify(replayed.context)) as Record<string, unknown>;
      const events = seq === undefined ? [] : await listEvents(db, caseId, seq);
      const at = events[events.length - 1]?.recorded_at ?? row.updated_at;
      const asOf = {
        ...row,
        seq: replayed.seq,
        state: replayed.state,
        status: replayed.status,
        next_due_at: null,
        waiting_roles: '',
        updated_at: at,
      };
      return buildCaseView(asOf, context, module.allowedEvents(deps, replayed.snapshot), new Date(at));
    },
    async verify(caseId) {
      await runner.queue.durable();
      return verifyCase(db, registry, deps, caseId);
    },
    async allowedEvents(caseId) {
      return (await runner.getCase(caseId)).allowedEvents;
    },
    async health() {
      try {
        await ping(db);
        return { ok: true };
      } catch {
        return { ok: false };
      }
    },
    observe(observer) {
      runner.observer = observer;
    },
    async start() {
      await timers.start();
      await outbox.start();
    },
    async idle() {
      // Work begets work (a commit pokes a worker, a worker submits commands): settle until quiet.
      for (let quiet = 0; quiet < 3; ) {
        const busy = runner.queue.busy || timers.busy || outbox.busy;
        await runner.queue.whenIdle();
        await timers.whenIdle();
        await outbox.whenIdle();
        await new Promise<void>((r) => setImmediate(r));
        quiet = busy ? 0 : quiet + 1;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await timers.stop();
      await outbox.stop();
      await runner.queue.close();
      transport?.close?.();
      runner.live.clear();
      // The checkpoint worker's connection first: the engine's closes last and removes the WAL.
      await stopCheckpointer(db);
      await db.destroy();
    },
  };
  return engine;
}

export type { Actor };
