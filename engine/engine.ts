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
import { formatDay, parseDay } from '../calendars/dates.js';
import type { BusinessCalendar } from '../calendars/types.js';
import type { MachineDeps, ProcedureModule } from '../machines/contract.js';
import { openStorage, type CaseFilter, type CaseStatsRow, type CheckpointerOptions, type Storage, type SynchronousMode } from '../storage/index.js';
import { eventIsBackdated, type BackdatingLimit } from './backdating.js';
import { buildCaseView, localInstant, type CaseView } from './case-view.js';
import { SystemClock, type Clock } from './clock.js';
import { EngineError, toEngineError } from './errors.js';
import { FeedTokens } from './feed-tokens.js';
import { SiteContent, type SiteReviewPeriod } from './site-content.js';
import { silentLogger, type Logger } from './logger.js';
import { OutboxWorker, smtpTransport, type MailTransport, type RetryPolicy } from './outbox-worker.js';
import { createModuleRegistry, type ModuleRegistry } from './registry.js';
import { MIGRATED_EVENT, type ProcedureMigration } from '../machines/common/migration.js';
import { versionAt } from './corrections.js';
import { IdempotencyPurge, ReadRecorder, type CaseRead } from './reads.js';
import { historyItem, replayCase, verifyCase, type VerifyResult } from './replay.js';
import { Runner, type CommandResult, type CommitObserver, type CreateOptions, type EventInput, type EventOptions } from './runner.js';
import { TimerWorker } from './timer-worker.js';
import { checkPolicyKeys, EMPTY_DIRECTORY, Notifications, type NotificationPolicy, type StaffDirectory, type StaffMailStyle } from './notifications/index.js';
import { buildReport, reportQuery, type DeadlineReport, type DeadlineReportRequest } from './reports.js';
import { calendarSource } from '../calendars/index.js';
import { CalendarVersions, candidateOf, installVersion, type CalendarCandidate, type CalendarSourceKind } from './calendar-versions.js';
import { recountOpenDeadlines, type RecountSummary } from './recount.js';
import type { UnitDirectory } from './units.js';
import { CheckpointPublisher, createLedger, ledgerKey, TransparencyLog, type Ledger } from './ledger/index.js';
import { RemoteCommits } from './remote-commits.js';

export interface EngineOptions {
  /** SQLite file path (or `:memory:`), or a PostgreSQL URL (`postgres://…`: storage/postgres/). */
  databasePath: string;
  /** PostgreSQL: connections per process (DATABASE_POOL_SIZE; default 10). */
  poolSize?: number;
  synchronous?: SynchronousMode;
  /**
   * WAL checkpoints in a worker thread instead of inside the commits that cross the
   * threshold (storage/sqlite/checkpointer.ts). Default on for a file; `false` turns it off.
   */
  backgroundCheckpoints?: CheckpointerOptions | boolean;
  busyTimeoutMs?: number;
  clock?: Clock;
  calendar: BusinessCalendar;
  /** Per-deadline-key reading overrides (policy settings). */
  readings?: MachineDeps['readings'];
  /** Internal targets switched on (INTERNAL_TARGETS: working days per deadline key); absent: all off. */
  targets?: MachineDeps['targets'];
  /** The machines registry (`procedures` of machines/index.ts) or a list of modules. */
  procedures: Record<string, ProcedureModule> | ProcedureModule[];
  /** Older machine versions still needed to run/replay cases pinned to them. */
  legacyModules?: ProcedureModule[];
  /** The migrations between versions (`procedureMigrations` of machines/index.ts; machines/common/migration.ts). */
  migrations?: readonly ProcedureMigration[];
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
  /** How far back a staff event may be dated (MAX_BACKDATING; default 10 working days). */
  maxBackdating?: BackdatingLimit;
  /**
   * The configured units and the people of each (engine/units.ts): `assign` must name one,
   * a `unit` actor acts only on its units' cases. The server always passes it (UNITS_FILE).
   */
  units?: UnitDirectory;
  /**
   * SITE_REVIEW_PERIOD: how often the review of the site's mandatory content (п. 9) opens
   * one case per kind (engine/site-content.ts); default `quarterly`, `off` opens none.
   */
  siteReviewPeriod?: SiteReviewPeriod;
  /** How often the site-content worker looks for a period without its reviews (ms; default hourly). */
  siteReviewCheckMs?: number;
  /**
   * How long the stored answers of idempotent commands (full case views) are kept, ms
   * (IDEMPOTENCY_RETENTION; default 24 h): a periodic purge deletes older ones (engine/reads.ts).
   */
  idempotencyRetentionMs?: number;
  /**
   * Reminders, escalations and daily digests to staff (engine/notifications/,
   * docs/notifications.md): the checked policy (NOTIFICATION_POLICY_FILE). Its deadline
   * keys are checked against the registered procedures here: an unknown one fails
   * `createEngine` naming it. Absent: no staff mail.
   */
  notificationPolicy?: NotificationPolicy;
  /** The staff and their addresses (AUTH_FILE, UNITS_FILE `email`); without it nobody is mailed. */
  staffDirectory?: StaffDirectory;
  /**
   * How staff mails word links (`base`: STAFF_BASE_URL, e.g. `https://procedures.qazindustry.kz`)
   * and deadline names (the server gives its pages' labels); absent: paths and keys.
   */
  staffMailStyle?: StaffMailStyle;
  /**
   * How often the engine looks for a calendar version installed by another process (the
   * CLI, a second server), ms (CALENDAR_POLL_INTERVAL; default 60 s; 0: only at start).
   * On a newer one it switches to it and runs the re-count (engine/recount.ts).
   */
  calendarPollMs?: number;
  /**
   * The transparency log's signing and publishing (engine/ledger/, docs/audit.md). The log
   * itself is always kept; without `keyPem` no checkpoint is signed.
   */
  ledger?: {
    /**
     * false: no transparency log at all — ONLY the benchmark's baseline (bench/), to measure
     * what the log costs in the same run. Every real engine keeps it (default true).
     */
    enabled?: boolean;
    /** PKCS#8 PEM of the Ed25519 ledger key (LEDGER_KEY_FILE). */
    keyPem?: string;
    /** The log's name in checkpoints (LEDGER_ORIGIN). */
    origin?: string;
    /** Where each checkpoint is also written (LEDGER_CHECKPOINTS). */
    checkpointsDir?: string;
    /** A checkpoint at least this often, ms (LEDGER_CHECKPOINT_INTERVAL; 0: none by time). */
    checkpointEveryMs?: number;
    /** And after this many new entries (LEDGER_CHECKPOINT_ENTRIES). */
    checkpointEveryEntries?: number;
  };
}

/** Where a case belongs, for the server's read matrix (server/read-access.ts). */
export interface CaseScope {
  id: string;
  procedure: string;
  unit: string | null;
  /** The units whose own part the case waits for (CaseRecord.partUnits); empty: none. */
  partUnits: readonly string[];
}

/** One recorded read of a case's personal data. */
export interface CaseReadView {
  caseId: string;
  actor: string;
  role: string;
  route: string;
  readAt: string;
  readAtLocal: string;
}

export interface HistoryEvent {
  seq: number;
  type: string;
  role: string;
  actor: string;
  occurredAt: string;
  recordedAt: string;
  /** The two times in the calendar's zone (Asia/Almaty, `+05:00`). */
  occurredAtLocal: string;
  recordedAtLocal: string;
  payload: Record<string, unknown>;
  /** A staff event recorded more than the tolerance after its occurredAt (engine/backdating.ts). */
  backdated: boolean;
  backdatingReason?: string;
  /** The machine version the event was applied under (the creation's, changed by `procedure_migrated`). */
  machineVersion: string;
  hash: string;
  prevHash: string;
}

export interface MessageView {
  id: string;
  eventSeq: number;
  /** `staff_mail`: a reminder or escalation to staff about the case (engine/notifications/). */
  kind: 'mail' | 'portal_notice' | 'staff_mail';
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
  /** Pass as `after` (or, in the due order, `afterDue`) for the next page; absent on the last page. */
  next?: { createdAt: string; id: string; nextDueAt: string | null };
}

/** Counts per procedure and unit (`GET /stats`): open and overdue now, closed this month on time and late. */
export interface CaseStats {
  /** The instant the counts are for, and the first instant of the month counted (the calendar's zone). */
  now: string;
  monthStart: string;
  rows: CaseStatsRow[];
}

/**
 * `listCases`' filter: the storage's, with `overdue` (due at or before now) instead of an
 * instant. "My queue" is `waitingRoles` (the user's roles) with `unitScope` (a unit user's
 * units and name): a case waits on me when its next step is one of my roles' and, for a
 * unit step, the case is my unit's and taken by nobody or by me.
 */
export type CaseListFilter = CaseFilter & { overdue?: boolean };

export interface Engine {
  /** The storage port (tests and tools; the server never reaches past the engine). */
  readonly storage: Storage;
  readonly clock: Clock;
  readonly deps: MachineDeps;
  readonly registry: ModuleRegistry;
  readonly runner: Runner;
  readonly timers: TimerWorker;
  readonly outbox: OutboxWorker;
  /** The reminder and digest workers, when a notification policy is configured. */
  readonly notifications: Notifications | undefined;
  /** The installed calendar versions (engine/calendar-versions.ts); `deps` is the newest's. */
  readonly calendars: CalendarVersions;
  /**
   * Installs a calendar data file as the newest version (nothing when it is the newest
   * already) and re-counts the open deadlines (engine/recount.ts). Returns the install
   * number (undefined: nothing installed) and the re-count.
   */
  installCalendar(candidate: CalendarCandidate, source: CalendarSourceKind): Promise<{ installNo: number | undefined; recount: RecountSummary }>;
  /** Looks for a newer installed version now; on one, switches and re-counts. */
  checkCalendar(): Promise<RecountSummary | undefined>;
  /** The re-count with the newest version (start-up runs it; idempotent). */
  recount(options?: { maxCases?: number }): Promise<RecountSummary>;
  createCase(procedure: string, input: Record<string, unknown>, options: CreateOptions): Promise<CommandResult>;
  applyEvent(caseId: string, event: EventInput, options: EventOptions): Promise<CommandResult>;
  getCase(caseId: string): Promise<CaseView>;
  listCases(filter?: CaseListFilter): Promise<CasePage>;
  /** The dashboard's counts (storage aggregates over indexes; no case is loaded). */
  caseStats(): Promise<CaseStats>;
  /**
   * The case's history, in seq order; with `page`, only the events with seq > `after`
   * (default 0), at most `limit` of them (HTTP pages it: `/history?after=&limit=`).
   */
  history(caseId: string, page?: { after?: number; limit: number }): Promise<HistoryEvent[]>;
  messages(caseId: string): Promise<MessageView[]>;
  /** The case view as it was after event `seq`. */
  replay(caseId: string, seq?: number): Promise<CaseView>;
  verify(caseId: string): Promise<VerifyResult>;
  /** The procedure and unit of a case (404 `not_found`), without building its view. */
  scope(caseId: string): Promise<CaseScope>;
  /**
   * The procedure of a case (404 `not_found`). A case's procedure never changes (a migration
   * changes its version), so the answer is remembered: the server asks it before every
   * comment, and a read of the case per request was a third of the engine's CPU on PostgreSQL.
   */
  procedureOf(caseId: string): Promise<string>;
  /** Of `caseIds`, those on which the person `actor` recorded an event. */
  actedOn(actor: string, caseIds: readonly string[]): Promise<Set<string>>;
  /**
   * Records reads of personal data (who, role, case, route; now), in the commit queue.
   * Never fails the read: while the database refuses writes the records wait in memory
   * (engine/reads.ts `ReadRecorder`).
   */
  recordReads(reads: readonly CaseRead[]): Promise<void>;
  /** The recorded reads of a case (404 when it does not exist), or of every case, oldest first. */
  reads(caseId?: string): Promise<CaseReadView[]>;
  /** The periodic purge of stored idempotent answers (engine/reads.ts). */
  readonly idempotencyPurge: IdempotencyPurge;
  /** The people's private iCalendar feed tokens (engine/feed-tokens.ts). */
  readonly feedTokens: FeedTokens;
  /** The register of the site's mandatory content, its periodic review and compliance (п. 9). */
  readonly siteContent: SiteContent;
  health(): Promise<{ ok: boolean }>;
  /** Sets (or with `undefined` removes) the observer of committed commands. */
  observe(observer: CommitObserver | undefined): void;
  /** Starts the timer and outbox workers (past-due timers fire at once). */
  start(): Promise<void>;
  /** Waits until no command is queued and the workers are idle (tests). */
  idle(): Promise<void>;
  /** Stops the workers, commits queued commands, closes the database. */
  close(): Promise<void>;
  /** The transparency log: head, checkpoints, proofs (engine/ledger/). */
  readonly ledger: Ledger;
  /** The on-time report (engine/reports.ts): counts per period, procedure, deadline key and unit, from the deadline ledger. */
  deadlineReport(request?: DeadlineReportRequest): Promise<DeadlineReport>;
}

/** The most case procedures `procedureOf` remembers (about 100 bytes each). */
const MAX_REMEMBERED_PROCEDURES = 100_000;

export async function createEngine(o: EngineOptions): Promise<Engine> {
  const logger = o.logger ?? silentLogger;
  const clock = o.clock ?? new SystemClock();
  // A policy naming a deadline no procedure has fails start-up, before anything is opened.
  if (o.notificationPolicy) {
    const keys = new Set<string>();
    for (const m of [...Object.values(o.procedures), ...(o.legacyModules ?? [])]) for (const k of Object.keys(m.deadlinePolicies)) keys.add(k);
    checkPolicyKeys(o.notificationPolicy, keys);
  }
  let storage: Storage;
  try {
    storage = await openStorage({
      path: o.databasePath,
      ...(o.synchronous ? { synchronous: o.synchronous } : {}),
      backgroundCheckpoints:
        o.backgroundCheckpoints === false
          ? false
          : {
              ...(o.backgroundCheckpoints === true || o.backgroundCheckpoints === undefined ? {} : o.backgroundCheckpoints),
              onError: (e: unknown) => logger.warn({ err: e }, 'background checkpoints'),
            },
      ...(o.busyTimeoutMs !== undefined ? { busyTimeoutMs: o.busyTimeoutMs } : {}),
      ...(o.poolSize !== undefined ? { poolSize: o.poolSize } : {}),
    });
  } catch (e) {
    throw new EngineError('storage_unavailable', `cannot open the database: ${e instanceof Error ? e.message : String(e)}`);
  }
  const read = storage.read;
  const calendars = new CalendarVersions(o.calendar, o.readings, o.targets);
  const registry = createModuleRegistry(o.procedures, o.legacyModules, o.migrations);
  // Built after the runner (it needs it); the runner's hook reaches it through this binding.
  let notifications: Notifications | undefined;
  // Every batch's events, messages, attempts and reads go into the log in its transaction.
  const log = new TransparencyLog(clock);
  let key;
  try {
    key = o.ledger?.keyPem !== undefined ? ledgerKey(o.ledger.keyPem, o.ledger.origin) : undefined;
  } catch (e) {
    await storage.close();
    throw new Error(`the ledger key (LEDGER_KEY_FILE): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const runner = new Runner({
    ...(o.ledger?.enabled === false ? {} : { journal: log }),
    storage,
    clock,
    deps: calendars.current,
    calendars,
    registry,
    ...(o.groupCommit !== undefined ? { groupCommit: o.groupCommit } : {}),
    ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
    onError: (e) => logger.error({ err: e }, 'transaction failed'),
    ...(o.observer ? { observer: o.observer } : {}),
    ...(o.liveCases !== undefined ? { liveCases: o.liveCases } : {}),
    ...(o.maxBackdating ? { maxBackdating: o.maxBackdating } : {}),
    ...(o.units ? { units: o.units } : {}),
    ...(o.notificationPolicy ? { onDeadlines: (repos, tx, caseId, deadlines, now) => notifications!.sync(repos, tx, caseId, deadlines, now) } : {}),
  });
  const timers = new TimerWorker({
    storage,
    clock,
    runner,
    logger,
    ...(o.notificationPolicy ? { onMissed: (repos, tx, caseId, key) => notifications!.escalate(repos, tx, caseId, key) } : {}),
  });
  const transport = o.transport ?? (o.smtpUrl ? smtpTransport(o.smtpUrl) : undefined);
  const outbox = new OutboxWorker({
    storage,
    clock,
    runner,
    logger,
    transport,
    ...(o.mailFrom ? { from: o.mailFrom } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  // The workers hear of commits through the runner's listener (constructed after it: no cycle).
  runner.onCommit((n) => {
    if (n.scheduledDueAt) timers.scheduled(n.scheduledDueAt);
    if (n.mailQueued > 0) void outbox.poke();
  });
  // Several processes on one database (PostgreSQL): their commits wake these workers and
  // reach this observer as well (engine/remote-commits.ts). Listening before the first command.
  const remote = storage.commits
    ? new RemoteCommits({ channel: storage.commits, read, observer: () => runner.observer, timers, outbox, reminders: () => notifications?.reminders, logger })
    : undefined;
  // Its own appends, so that a catch-up after lost notices leaves them out.
  if (remote) log.onOwnAppend((from, to) => remote.ownAppended(from, to));
  await remote?.listening();
  if (!transport) logger.warn({}, 'SMTP_URL is not set: e-mails stay queued');
  if (o.notificationPolicy) {
    notifications = new Notifications({
      storage,
      clock,
      calendar: () => runner.deps.calendar,
      runner,
      logger,
      policy: o.notificationPolicy,
      directory: o.staffDirectory ?? EMPTY_DIRECTORY,
      listQueue: (filter) => engine.listCases(filter),
      onMail: () => void outbox.poke(),
      ...(o.staffMailStyle ? { style: o.staffMailStyle } : {}),
    });
  }
  // The calendar versions: a new database starts with the shipped data (install 1, the
  // baseline); a release shipping a changed file installs it as the newest (the re-count
  // runs at start). Then every process computes with the newest installed version.
  const shipped = calendarSource(o.calendar);
  try {
    // A database older than the log: its records are logged once, before anything new.
    const adopted = o.ledger?.enabled === false ? 0 : await runner.queue.submit((repos) => log.adopt(repos));
    if (adopted > 0) logger.info({ entries: adopted }, 'ledger: the existing records were logged (the log starts here)');
    if (shipped) {
      const candidate = candidateOf(shipped.data);
      const install = () =>
        runner.queue.submit((repos) => installVersion(repos.calendarVersions, candidate, 'shipped', clock.now().toISOString(), { unlessInstalled: true }));
      // Two processes starting together with the same new file: the second one's insert
      // meets the first one's install number (the unique key); once more, it finds it installed.
      await install().catch(install);
    }
    calendars.load(await read.calendarVersions.list());
  } catch (e) {
    await runner.queue.close();
    await storage.close();
    throw toEngineError(e);
  }
  /** Reads the installs inside a unit of work: a switch never falls inside another unit. */
  const refreshCalendars = () => runner.queue.submit((repos) => calendars.refresh(repos.calendarVersions));
  let sweeping: Promise<RecountSummary> | undefined;
  const recount = (options: { maxCases?: number } = {}): Promise<RecountSummary> => {
    // One sweep at a time; a sweep asked for during one runs after it (it may have started before the switch).
    const run = async () => {
      const summary = await recountOpenDeadlines({ runner, read, clock, logger, ...options });
      // Timers moved (here or by another process on this database): the worker looks again.
      await timers.poke();
      return summary;
    };
    const next = (sweeping ?? Promise.resolve()).catch(() => undefined).then(run);
    sweeping = next;
    return next;
  };
  const checkCalendar = async (): Promise<RecountSummary | undefined> => ((await refreshCalendars()) ? recount() : undefined);
  let calendarPoll: NodeJS.Timeout | undefined;
  const pollMs = o.calendarPollMs ?? 60_000;
  const readRecorder = new ReadRecorder({ queue: runner.queue, clock, logger });
  const siteContent = new SiteContent({
    queue: runner.queue,
    read,
    clock,
    calendar: () => runner.deps.calendar,
    createCase: (p, input, opts) => runner.createCase(p, input, opts),
    logger,
    ...(o.siteReviewPeriod ? { period: o.siteReviewPeriod } : {}),
    ...(o.units ? { units: o.units } : {}),
    ...(o.siteReviewCheckMs !== undefined ? { everyMs: o.siteReviewCheckMs } : {}),
  });
  const idempotencyPurge = new IdempotencyPurge({
    queue: runner.queue,
    clock,
    logger,
    ...(o.idempotencyRetentionMs !== undefined ? { retentionMs: o.idempotencyRetentionMs } : {}),
  });
  const checkpoints = new CheckpointPublisher({
    read,
    queue: runner.queue,
    clock,
    logger,
    key,
    dir: o.ledger?.checkpointsDir,
    ...(o.ledger?.checkpointEveryMs !== undefined ? { everyMs: o.ledger.checkpointEveryMs } : {}),
    ...(o.ledger?.checkpointEveryEntries !== undefined ? { everyEntries: o.ledger.checkpointEveryEntries } : {}),
  });
  log.onGrow = (head) => checkpoints.grew(head.size);
  let closed = false;
  /** Reads map storage failures to the engine's errors, as commands do. */
  const reading = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toEngineError(e);
    }
  };
  /** `procedureOf`'s memory: case id → procedure (immutable facts). */
  const procedureOfCase = new Map<string, string>();
  const mustExist = async (caseId: string): Promise<void> => {
    if (!(await read.cases.head(caseId))) throw new EngineError('not_found', `case ${caseId} not found`);
  };

  const engine: Engine = {
    storage,
    clock,
    get deps() {
      return runner.deps;
    },
    registry,
    runner,
    timers,
    outbox,
    notifications,
    calendars,
    installCalendar: (candidate, source) =>
      reading(async () => {
        const installNo = await runner.queue.submit((repos) => installVersion(repos.calendarVersions, candidate, source, clock.now().toISOString()));
        await refreshCalendars();
        return { installNo, recount: await recount() };
      }),
    checkCalendar: () => reading(checkCalendar),
    recount: (options) => recount(options),
    createCase: (p, input, opts) => runner.createCase(p, input, opts),
    applyEvent: (id, e, opts) => runner.applyEvent(id, e, opts),
    getCase: (id) => reading(() => runner.getCase(id)),
    listCases: (filter = {}) =>
      reading(async () => {
        const { overdue, ...rest } = filter;
        const limit = Math.min(Math.max(rest.limit ?? 50, 1), 500);
        let dueBefore = rest.dueBefore;
        if (overdue) {
          const now = clock.now().toISOString();
          if (dueBefore === undefined || now < dueBefore) dueBefore = now;
        }
        const records = await read.cases.list({ ...rest, limit: limit + 1, ...(dueBefore !== undefined ? { dueBefore } : {}) });
        const page = records.slice(0, limit);
        const last = page[page.length - 1];
        return {
          cases: page.map((r) => runner.view(r)),
          ...(records.length > limit && last ? { next: { createdAt: last.createdAt, id: last.id, nextDueAt: last.nextDueAt } } : {}),
        };
      }),
    caseStats: () =>
      reading(async () => {
        const now = clock.now();
        // The month of the calendar's zone: its first day starts where the day before it ends.
        const first = `${runner.deps.calendar.dayOf(now).slice(0, 8)}01`;
        const monthStart = runner.deps.calendar.endOfDay(formatDay(parseDay(first) - 1));
        return { now: now.toISOString(), monthStart, rows: await read.cases.stats(now.toISOString(), monthStart) };
      }),
    history: (caseId, page) =>
      reading(async () => {
        const row = await read.cases.find(caseId);
        if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
        const events = page ? await read.events.page(caseId, page.after ?? 0, page.limit) : await read.events.list(caseId);
        // Which version each event was applied under: the case's migrations, those outside the page too.
        const migrations = (await read.events.ofType(caseId, MIGRATED_EVENT)).map(historyItem);
        return events.map((e) => ({
          seq: e.seq,
          type: e.type,
          role: e.role,
          actor: e.actor,
          occurredAt: e.occurredAt,
          recordedAt: e.recordedAt,
          occurredAtLocal: localInstant(e.occurredAt, runner.deps.calendar.zone),
          recordedAtLocal: localInstant(e.recordedAt, runner.deps.calendar.zone),
          payload: JSON.parse(e.payloadJson) as Record<string, unknown>,
          backdated: eventIsBackdated(e),
          ...(e.backdatingReason !== null ? { backdatingReason: e.backdatingReason } : {}),
          machineVersion: versionAt(row.machineVersion, migrations, e.seq),
          hash: e.hash,
          prevHash: e.prevHash,
        }));
      }),
    messages: (caseId) =>
      reading(async () => {
        await mustExist(caseId);
        const out: MessageView[] = [];
        for (const m of await read.outbox.listForCase(caseId)) {
          const p = JSON.parse(m.payloadJson) as { subject?: string; text?: string; data?: Record<string, unknown> };
          const attempts = await read.outbox.listAttempts(m.id);
          out.push({
            id: m.id,
            eventSeq: m.eventSeq,
            kind: m.kind,
            template: m.template,
            recipient: m.recipient,
            language: m.language,
            subject: p.subject ?? null,
            text: p.text ?? null,
            data: p.data ?? {},
            status: m.status,
            attempts: m.attempts,
            nextAttemptAt: m.status === 'queued' ? m.nextAttemptAt : null,
            lastError: m.lastError,
            closesDeadline: m.closesDeadline,
            createdAt: m.createdAt,
            sentAt: m.sentAt,
            deliveryAttempts: attempts.map((a) => ({
              attempt: a.attempt,
              startedAt: a.startedAt,
              finishedAt: a.finishedAt,
              outcome: a.outcome,
              error: a.error,
            })),
          });
        }
        return out;
      }),
    replay: (caseId, seq) =>
      reading(async () => {
        const { row, events, replayed } = await replayCase(read, registry, calendars, caseId, seq);
        // The version the case was on after `seq` (before a later migration: the old one).
        const module = runner.moduleOf({ procedure: row.procedure, machineVersion: replayed.version });
        const context = JSON.parse(JSON.stringify(replayed.context)) as Record<string, unknown>;
        const at = seq === undefined ? row.updatedAt : (events[events.length - 1]?.recordedAt ?? row.updatedAt);
        const asOf = { ...row, machineVersion: replayed.version, seq: replayed.seq, state: replayed.state, status: replayed.status, nextDueAt: null, waitingRoles: [], updatedAt: at,
          backdated: events.some(eventIsBackdated) };
        return buildCaseView(asOf, context, module.allowedEvents(runner.deps, replayed.snapshot), new Date(at), runner.viewEnv(module));
      }),
    verify: (caseId) => reading(() => verifyCase(read, registry, calendars, caseId)),
    scope: (caseId) =>
      reading(async () => {
        const row = await read.cases.find(caseId);
        if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
        return { id: row.id, procedure: row.procedure, unit: row.unit ?? null, partUnits: row.partUnits ?? [] };
      }),
    procedureOf: (caseId) =>
      reading(async () => {
        const known = procedureOfCase.get(caseId);
        if (known !== undefined) return known;
        const row = await read.cases.find(caseId);
        if (!row) throw new EngineError('not_found', `case ${caseId} not found`);
        // Bounded: past the cap it starts again (a miss costs one read).
        if (procedureOfCase.size >= MAX_REMEMBERED_PROCEDURES) procedureOfCase.clear();
        procedureOfCase.set(caseId, row.procedure);
        return row.procedure;
      }),
    actedOn: (actor, caseIds) => reading(() => read.events.actedOn(actor, caseIds)),
    recordReads: (reads) => readRecorder.record(reads),
    reads: (caseId) =>
      reading(async () => {
        if (caseId !== undefined) await mustExist(caseId);
        return (await read.reads.list(caseId)).map((r) => ({ ...r, readAtLocal: localInstant(r.readAt, runner.deps.calendar.zone) }));
      }),
    idempotencyPurge,
    ledger: createLedger(read, log, checkpoints),
    feedTokens: new FeedTokens({ queue: runner.queue, read, clock }),
    siteContent,
    async health() {
      try {
        await storage.health();
        return { ok: true };
      } catch {
        return { ok: false };
      }
    },
    observe(observer) {
      runner.observer = observer;
    },
    async start() {
      // A newer version installed while this process was down, or a re-count cut short by
      // a crash: counted before the timers fire (a deadline that moved later is not missed).
      const switched = await checkCalendar();
      if (!switched && calendars.latestInstallNo > 1) await recount();
      if (pollMs > 0 && !calendarPoll) {
        calendarPoll = setInterval(() => {
          checkCalendar().catch((e: unknown) => logger.error({ err: e }, 'calendar versions: the check failed'));
        }, pollMs);
        calendarPoll.unref();
      }
      await timers.start();
      await outbox.start();
      await notifications?.start();
      await idempotencyPurge.start();
      await siteContent.start();
      await checkpoints.start();
    },
    async idle() {
      // Work begets work (a commit pokes a worker, a worker submits commands): settle until quiet.
      for (let quiet = 0; quiet < 3; ) {
        const busy = runner.queue.busy || timers.busy || outbox.busy || (notifications?.busy ?? false);
        await runner.queue.whenIdle();
        await timers.whenIdle();
        await outbox.whenIdle();
        await notifications?.whenIdle();
        await remote?.whenObserved();
        await new Promise<void>((r) => setImmediate(r));
        quiet = busy ? 0 : quiet + 1;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (calendarPoll) clearInterval(calendarPoll);
      await sweeping?.catch(() => undefined);
      await timers.stop();
      await outbox.stop();
      await notifications?.stop();
      await idempotencyPurge.stop();
      await siteContent.stop();
      await checkpoints.stop();
      await remote?.close();
      await readRecorder.flush();
      await runner.queue.close();
      transport?.close?.();
      runner.live.clear();
      await storage.close();
    },
    deadlineReport: (request = {}) =>
      reading(async () => {
        const now = clock.now();
        const q = reportQuery(request, runner.deps.calendar.dayOf(now), now.toISOString());
        const [counts, late] = await Promise.all([read.deadlineLedger.report(q), read.deadlineLedger.lateness(q)]);
        return buildReport(q, runner.deps.calendar.zone, counts, late);
      }),
  };
  return engine;
}

