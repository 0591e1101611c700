/**
 * The storage port: everything the engine may ask of a database, in dialect-free terms.
 * The engine imports this file (types) and `storage/index.ts` (`openStorage`) and nothing
 * else of storage/; SQL, drivers and row shapes stay behind it.
 *
 * Shape of a write: the commit queue (engine/commit-queue.ts) opens ONE batch
 * (`beginBatch`: a transaction holding the database's write lock), runs each unit of work
 * inside its own savepoint against `batch.repos`, and commits the batch once. Reads outside
 * a batch go through `storage.read` and never see a batch's uncommitted writes.
 *
 * Adapters: `storage/sqlite/` (better-sqlite3, the default). A PostgreSQL adapter
 * implements the same interface: `beginBatch` is a transaction on one pooled client, the
 * write lock is a row lock per case, and the repositories (storage/repositories/, written
 * once with Kysely) run unchanged on its `QuerySession`.
 */

/** A case as stored, in the engine's terms (JSON columns stay text: the engine parses what it needs). */
export interface CaseRecord {
  id: string;
  procedure: string;
  /** The machine version the case was created with; replay uses it. */
  machineVersion: string;
  /** JSON of the persisted machine snapshot. */
  snapshotJson: string;
  /** JSON of the machine context (deadlines included), for reads without the machine. */
  contextJson: string;
  state: string;
  status: 'active' | 'done';
  /** Seq of the last event (= number of events): the optimistic concurrency token. */
  seq: number;
  /** Hash of the last event: the next event's `prevHash`. */
  headHash: string;
  /** Earliest `dueAt` among open deadlines (UTC ISO); null when none. */
  nextDueAt: string | null;
  /** Roles that may send a non-comment event now (work queues), sorted. */
  waitingRoles: readonly string[];
  /** occurredAt of the last staff (non-system) event: the lower bound for the next one. */
  lastStaffOccurredAt: string | null;
  /** True once an event of the case was back-dated beyond the tolerance (never cleared). */
  backdated: boolean;
  /** The responsible unit (the machine context's `unit`); absent or null: none yet. */
  unit?: string | null;
  /** The person of the unit who took the case (context `assignee`); absent or null: the whole unit's. */
  assignee?: string | null;
  /**
   * The units whose own part of the current step the case waits for (P6's co-units, п. 33:
   * `engine/units.ts` `partUnitsOf`); absent or empty: none. Their users have the case in
   * their queue and read it, as the responsible unit's do.
   */
  partUnits?: readonly string[];
  createdAt: string;
  updatedAt: string;
  /** A message of the case finally failed and is not resent yet (absent: false). */
  undelivered?: boolean;
}

/** The head of a case: its last event's seq and hash. */
export interface CaseHead {
  seq: number;
  headHash: string;
}

export interface EventRecord {
  caseId: string;
  seq: number;
  type: string;
  /** JSON of the payload, exactly as hashed. */
  payloadJson: string;
  role: string;
  actor: string;
  occurredAt: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
  /** Why a staff event was recorded late (engine/backdating.ts); null when not given. Hashed when present. */
  backdatingReason: string | null;
  /**
   * The calendar version the step was computed with, only when it is not the baseline (the
   * first installed: engine/calendar-versions.ts); absent or null otherwise. Hashed when present.
   */
  calendarVersion?: string | null;
  /** The position of the event's entry in the transparency log (engine/ledger/); not hashed. Absent: not logged yet. */
  logPosition?: number | null;
}

export type TimerStatus = 'scheduled' | 'fired' | 'cancelled';
export interface TimerRecord {
  caseId: string;
  key: string;
  dueAt: string;
  status: TimerStatus;
  firedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type OutboxStatus = 'queued' | 'sent' | 'failed';
export interface OutboxRecord {
  id: string;
  /** The case the message is about; null for a staff digest (migration 000900), which is a person's. */
  caseId: string | null;
  /** The event whose step asked for this message. */
  eventSeq: number;
  /** `staff_mail`: a reminder, escalation or digest to staff (engine/notifications/), sent in no case order. */
  kind: 'mail' | 'portal_notice' | 'staff_mail';
  template: string | null;
  /** E-mail address (mail) or null. */
  recipient: string | null;
  language: string | null;
  /** JSON `{to, data, subject, text}` as rendered when queued. */
  payloadJson: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  closesDeadline: string | null;
  createdAt: string;
  sentAt: string | null;
  /** `attempts` when staff last resent it (absent: 0, never): the current round counts from there. */
  resentAtAttempt?: number;
}

export interface DeliveryAttemptRecord {
  outboxId: string;
  attempt: number;
  startedAt: string;
  finishedAt: string;
  outcome: 'sent' | 'failed';
  error: string | null;
  response: string | null;
}

export interface IdempotencyRecord {
  key: string;
  requestHash: string;
  responseStatus: number;
  /** JSON of the first answer. */
  responseBodyJson: string;
  caseId: string | null;
  createdAt: string;
}

/** One read of a case's personal data by a person (engine/reads.ts). */
export interface CaseReadRecord {
  caseId: string;
  /** The person (user name) and the role they read under. */
  actor: string;
  role: string;
  /** The route, e.g. `GET /cases/{id}/history`. */
  route: string;
  readAt: string;
}

export interface CaseFilter {
  procedure?: string;
  state?: string;
  status?: 'active' | 'done';
  /** Only cases with an open deadline due at or before this instant (UTC ISO). */
  dueBefore?: string;
  /** Only cases with (true) or without (false) an undelivered message. */
  undelivered?: boolean;
  /** Only cases waiting for any of these roles ("my queue"); an empty list matches none. */
  waitingRoles?: readonly string[];
  /** Only cases with an event back-dated beyond the tolerance. */
  backdated?: boolean;
  /**
   * With `waitingRoles` holding `unit`: a case waiting on `unit` counts only if it is
   * assigned to one of `units` and taken by nobody or by `person` (a unit user's queue).
   */
  unitScope?: { units: readonly string[]; person: string };
  /** Only the cases of this responsible unit. */
  unit?: string;
  /** Only the cases whose words (registration number, names, title, text) contain this text. */
  search?: CaseSearch;
  /**
   * The order: `created` (default): (createdAt, id); `due`: the nearest open deadline's
   * due instant (`nextDueAt`), then id, the cases without an open deadline last.
   */
  sort?: 'created' | 'due';
  /** Keyset pagination: cases created after this (createdAt, id). */
  after?: { createdAt: string; id: string };
  /** Keyset pagination of `sort: 'due'`: cases after this (nextDueAt, null: among those without; id). */
  afterDue?: { nextDueAt: string | null; id: string };
  /** 1–500, default 50. */
  limit?: number;
}

/**
 * A search of the cases' words (substring, case folded; at least 3 characters). Names and
 * texts are personal data: `readable` limits the search to the cases whose personal data
 * the caller reads (server/read-access.ts), so that a case shown redacted cannot be found
 * by an applicant's name. Absent: every case (the auditor).
 */
export interface CaseSearch {
  text: string;
  readable?: {
    /** Procedures whose cases the caller reads in full. */
    procedures: readonly string[];
    /** Procedures whose cases the caller reads in full only when the case is one of `units`' (a unit user). */
    unitProcedures: readonly string[];
    units: readonly string[];
  };
}

/** Counts per procedure and unit (the dashboard): no case, no personal data. */
export interface CaseStatsRow {
  procedure: string;
  unit: string | null;
  open: number;
  /** Open with a deadline due at or before `now`. */
  overdue: number;
  /** Closed since `since`, every deadline met in time. */
  closedOnTime: number;
  /** Closed since `since` with a deadline met late or missed. */
  closedLate: number;
}

export interface CaseRepository {
  find(id: string): Promise<CaseRecord | undefined>;
  /** The cases of `ids` that exist, in no order (one statement: a batch's reads at once). */
  findMany(ids: readonly string[]): Promise<CaseRecord[]>;
  /** The head alone, without the large columns (validating a live case). */
  head(id: string): Promise<CaseHead | undefined>;
  insert(record: CaseRecord): Promise<void>;
  /** Bulk loads (benchmarks, data moves): multi-row statements. */
  insertMany(records: readonly CaseRecord[]): Promise<void>;
  /**
   * Writes `next` only if the case's seq is still `expectedSeq` (optimistic concurrency
   * across processes); false when another writer got there first. With `previous` (the
   * record as read in the same transaction) only the changed fields are written, so indexes
   * on unchanged columns are left alone.
   */
  updateIfSeq(expectedSeq: number, next: CaseRecord, previous?: CaseRecord): Promise<boolean>;
  /** A page of cases, oldest first (createdAt, id). */
  list(filter?: CaseFilter): Promise<CaseRecord[]>;
  count(): Promise<number>;
  /** Open / overdue (due at or before `now`) and closed since `since` (on time, late) per procedure and unit, from indexes. */
  stats(now: string, since: string): Promise<CaseStatsRow[]>;
  /** Every case id, oldest first. */
  ids(): Promise<string[]>;
}

export interface EventRepository {
  /** Appends one event; a second event with the same (caseId, seq) is refused by the key. */
  append(record: EventRecord): Promise<void>;
  /** The events of a case in order, optionally only up to `uptoSeq`. */
  list(caseId: string, uptoSeq?: number): Promise<EventRecord[]>;
  /** Of `caseIds`, those on which `actor` (a person's name) recorded an event. */
  actedOn(actor: string, caseIds: readonly string[]): Promise<Set<string>>;
  /** The events of a case of one type, in order (e.g. its `procedure_migrated`: which version each event was applied under). */
  ofType(caseId: string, type: string): Promise<EventRecord[]>;
  /**
   * A page of a case's events in order: seq > `after`, at most `limit` (the primary key
   * (case_id, seq) serves it), and none past `uptoSeq` if given.
   */
  page(caseId: string, after: number, limit: number, uptoSeq?: number): Promise<EventRecord[]>;
  /** Every case's events by (caseId, seq), those after `after`, at most `limit` (the log's adoption and verification). */
  pageAll(after: { caseId: string; seq: number } | undefined, limit: number): Promise<EventRecord[]>;
  /** Gives an event logged after it was stored (a database older than the log) its log position, once. */
  setLogPosition(caseId: string, seq: number, position: number): Promise<void>;
}

export interface TimerRepository {
  listForCase(caseId: string): Promise<TimerRecord[]>;
  insert(record: TimerRecord): Promise<void>;
  insertMany(records: readonly TimerRecord[]): Promise<void>;
  update(caseId: string, key: string, patch: { dueAt?: string; status: TimerStatus; firedAt?: string | null; updatedAt: string }): Promise<void>;
  /** Scheduled timers due at or before `now`, earliest first. */
  listDue(now: string, limit?: number): Promise<TimerRecord[]>;
  /** The earliest dueAt of a scheduled timer, if any. */
  nextDueAt(): Promise<string | undefined>;
  /** Flips a timer to fired only if it is still scheduled at `dueAt`: exactly one caller wins. */
  claim(caseId: string, key: string, dueAt: string, firedAt: string): Promise<boolean>;
}

export interface OutboxRepository {
  insert(record: OutboxRecord): Promise<void>;
  /** Inserts unless a message with its id exists; true when inserted (a digest's id is its person and day: exactly once). */
  insertOnce(record: OutboxRecord): Promise<boolean>;
  listForCase(caseId: string): Promise<OutboxRecord[]>;
  /**
   * Queued mail whose next attempt is due, oldest first, at most one per case: a message
   * waits while an earlier-queued message of its case (by event seq, then id) is still
   * queued, so a case's mail goes out in the order it was queued. A failed or sent one
   * does not hold the next back. Staff mail (`staff_mail`) is listed too, in no case
   * order: it neither waits for a case's mail nor holds it back.
   */
  listDueMail(now: string, limit?: number): Promise<OutboxRecord[]>;
  /** The earliest next attempt among the messages `listDueMail` could return (the first queued of each case). */
  nextMailAttemptAt(): Promise<string | undefined>;
  /** Counts one attempt and leases the message until `leaseUntil`; only one caller wins. */
  claim(id: string, attempts: number, leaseUntil: string): Promise<boolean>;
  markSent(id: string, sentAt: string): Promise<void>;
  markRetry(id: string, nextAttemptAt: string, error: string): Promise<void>;
  markFailed(id: string, error: string): Promise<void>;
  /**
   * Puts a failed message of `caseId` back in the queue, due at `now`, for a new round of
   * attempts (its attempts so far stay recorded); with `to`, addressed to it (the recipient
   * and the payload's `to`: a corrected address). False when it is not a failed message of that case.
   */
  requeue(id: string, caseId: string, now: string, to?: { name: string; email: string }): Promise<boolean>;
  /** One message by id. */
  find(id: string): Promise<OutboxRecord | undefined>;
  insertAttempt(record: DeliveryAttemptRecord): Promise<void>;
  listAttempts(outboxId: string): Promise<DeliveryAttemptRecord[]>;
  /** Every message by id, those after `afterId` ('' for the first page), at most `limit`. */
  pageAll(afterId: string, limit: number): Promise<OutboxRecord[]>;
  /** Every delivery attempt by (outboxId, attempt), those after `after`, at most `limit`. */
  attemptsPage(after: { outboxId: string; attempt: number } | undefined, limit: number): Promise<DeliveryAttemptRecord[]>;
}

export interface IdempotencyRepository {
  find(key: string): Promise<IdempotencyRecord | undefined>;
  insert(record: IdempotencyRecord): Promise<void>;
  /** Inserts, or replaces the row of the same key (a stored answer that no longer counts: engine/idempotency.ts `within`). */
  replace(record: IdempotencyRecord): Promise<void>;
  /** Deletes the stored answers created before `before` (UTC ISO); returns how many. */
  purgeBefore(before: string): Promise<number>;
}

export interface CaseReadRepository {
  /** Appends reads (one multi-row statement per few hundred). */
  insertMany(records: readonly CaseReadRecord[]): Promise<void>;
  /** The reads of one case (or of every case), oldest first. */
  list(caseId?: string): Promise<CaseReadRecord[]>;
  /** Every read in the order recorded, those after row `afterId` (0 for the first page), at most `limit`, with their row ids. */
  pageAll(afterId: number, limit: number): Promise<(CaseReadRecord & { id: number })[]>;
}

/** A person's private iCalendar feed token (engine/feed-tokens.ts); the token itself is never stored. */
export interface FeedTokenRecord {
  /** The person, by user name (AUTH_FILE). */
  userName: string;
  /** sha256Hex of the token. */
  tokenSha256: string;
  createdAt: string;
  /** Null while active. */
  revokedAt: string | null;
}

export interface FeedTokenRepository {
  /** The person's active token, if any. */
  activeOf(userName: string): Promise<FeedTokenRecord | undefined>;
  /** The active token with this hash, if any (a revoked one is not found). */
  activeByHash(tokenSha256: string): Promise<FeedTokenRecord | undefined>;
  /** Revokes the person's active token at `at`; false when there was none. */
  revoke(userName: string, at: string): Promise<boolean>;
  /** A new token; a second active token of the same person is refused (unique index). */
  insert(record: FeedTokenRecord): Promise<void>;
}

/** A scheduled staff reminder of one deadline (migration 000900, engine/notifications/schedule.ts). */
export type ReminderStatus = 'scheduled' | 'sent' | 'skipped' | 'cancelled';
export interface ReminderRecord {
  caseId: string;
  key: string;
  /** The policy's reminder, e.g. `1wd@09:00`. */
  slot: string;
  dueAt: string;
  /** The deadline's dueAt this reminder was computed for. */
  deadlineDueAt: string;
  status: ReminderStatus;
  createdAt: string;
  updatedAt: string;
}

export interface ReminderRepository {
  listForCase(caseId: string): Promise<ReminderRecord[]>;
  insert(record: ReminderRecord): Promise<void>;
  update(caseId: string, key: string, slot: string, patch: { dueAt?: string; deadlineDueAt?: string; status: ReminderStatus; updatedAt: string }): Promise<void>;
  /** Scheduled reminders due at or before `now`, earliest first. */
  listDue(now: string, limit?: number): Promise<ReminderRecord[]>;
  /** The earliest dueAt of a scheduled reminder, if any. */
  nextDueAt(): Promise<string | undefined>;
  /** Flips a reminder scheduled at `dueAt` to `status` (sent / skipped); exactly one caller wins. */
  claim(caseId: string, key: string, slot: string, dueAt: string, status: 'sent' | 'skipped', now: string): Promise<boolean>;
}

/** One revision of a kind's entry in the register of the site's mandatory content (п. 9). */
export interface SiteContentRevisionRecord {
  kind: string;
  /** 1, 2, … per kind. */
  revision: number;
  /** The page of the site carrying the kind; null: none named. */
  url: string | null;
  /** The responsible unit; null: none named (no review is opened for the kind). */
  unit: string | null;
  /** Why it changed, in the writer's words. */
  note: string | null;
  changedAt: string;
  changedBy: string;
  role: string;
}

export interface SiteContentRepository {
  /** The current entry of every kind that has one (its highest revision). */
  current(): Promise<SiteContentRevisionRecord[]>;
  /** Every revision of one kind, oldest first. */
  history(kind: string): Promise<SiteContentRevisionRecord[]>;
  /** Every revision of every kind, by kind and revision (ledger verify). */
  all(): Promise<SiteContentRevisionRecord[]>;
  /** A new revision; one whose (kind, revision) exists is refused (unique index). */
  insert(record: SiteContentRevisionRecord): Promise<void>;
}

export interface Repositories {
  readonly cases: CaseRepository;
  readonly events: EventRepository;
  readonly timers: TimerRepository;
  readonly outbox: OutboxRepository;
  readonly idempotency: IdempotencyRepository;
  readonly reads: CaseReadRepository;
  readonly feedTokens: FeedTokenRepository;
  readonly siteContent: SiteContentRepository;
  readonly reminders: ReminderRepository;
  readonly deadlineLedger: DeadlineLedgerRepository;
  readonly calendarVersions: CalendarVersionRepository;
  readonly ledger: LedgerRepository;
}

/**
 * One write transaction holding the database's write lock, as the commit queue uses it:
 * units inside savepoints, then one commit (or rollback). Names of savepoints are the
 * caller's identifiers (`[a-z][a-z0-9_]*`), never user input.
 */
export interface Batch {
  readonly repos: Repositories;
  savepoint(name: string): Promise<void>;
  /** Keeps the writes since the savepoint in the transaction. */
  releaseSavepoint(name: string): Promise<void>;
  /** Undoes the writes since the savepoint (the savepoint stays; release it after). */
  rollbackToSavepoint(name: string): Promise<void>;
  commit(): Promise<void>;
  /** Never throws: a batch whose transaction is already gone is simply over. */
  rollback(): Promise<void>;
  /**
   * Optional (a storage with `commits`): tells the other processes on this database what
   * this batch committed, in its transaction, so the notice is delivered only if and when
   * the batch commits (PostgreSQL: `pg_notify`). Call it once, after the last unit.
   */
  announce?(commit: CommitAnnouncement): Promise<void>;
  /**
   * Optional (a storage several processes write: PostgreSQL): this batch's number among all
   * the writing batches the database has committed, every process's — if it commits.
   * Consecutive and without gaps (a batch that rolls back gives its number to the next), so
   * a process whose batch is n and whose previous committed batch was n − 1 knows nobody
   * else committed in between. Every transaction that changes a case must be such a batch.
   * Absent where one process writes the database (SQLite).
   */
  readonly serial?: number;
  /**
   * Optional (a storage where a savepoint costs a round trip: PostgreSQL): how many
   * statements the batch has sent so far, and the rows inserted, updated or deleted by
   * those sent since `statement` (of the ones answered), or undefined while the
   * transaction is failed (a statement failed and no rollback to a savepoint recovered it).
   * The commit queue then runs units without savepoints: a unit that fails having changed
   * nothing leaves the transaction as it was; any other failure rolls the batch back and
   * runs its units again, each in a transaction of its own (engine/commit-queue.ts).
   */
  statements?(): number;
  rowsChangedSince?(statement: number): number | undefined;
}

/**
 * What a batch committed, for the other processes on the database (their timer and outbox
 * workers and their commit observers). Ids, seqs and instants only: never personal data.
 */
export interface CommitAnnouncement {
  /** The cases the batch wrote events of: the first and the last seq it appended to each. */
  cases: readonly { id: string; fromSeq: number; toSeq: number }[];
  /** The earliest dueAt among the timers the batch (re)scheduled (UTC ISO). */
  scheduledDueAt?: string;
  /** Messages the batch queued. */
  mailQueued: number;
  /**
   * The transparency log's size after the batch (its entries end there): a listener that
   * lost notices reads the log from the last size it heard to learn what it missed.
   */
  logSize?: number;
}

/**
 * A commit of another process, as this process hears of it. `resync`: notices may have been
 * lost (the listening connection was down and is back): look at the database again.
 */
export type RemoteCommit = (CommitAnnouncement & { resync?: false }) | { resync: true };

/** Commits of the other processes on the same database (PostgreSQL LISTEN/NOTIFY). */
export interface CommitChannel {
  /** Calls `listener` for every commit of another process, in commit order; returns the unsubscribe. */
  subscribe(listener: (commit: RemoteCommit) => void): () => void;
  /** Resolves once this process listens (or its first attempt failed: it keeps trying, then says `resync`). */
  listening(): Promise<void>;
}

export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the data is (a file path or `:memory:`), for messages. */
  readonly location: string;
  readonly readOnly: boolean;
  /** Repositories outside any batch: reads wait for a batch in flight and never see its writes. */
  readonly read: Repositories;
  /** Opens a batch (throws `StorageError` when the database cannot take writes). */
  beginBatch(): Promise<Batch>;
  /**
   * Optional: true when a batch may be begun while another is committing (each on its own
   * connection, the second waiting in the database for the first's write lock): the commit
   * queue then begins its next batch as it sends a COMMIT, so the lock's round trip is not
   * on the next batch's path. Absent (SQLite: one connection): one batch at a time.
   */
  readonly overlapsBatches?: boolean;
  /** Resolves when the database answers AND can take writes; throws `StorageUnavailable` otherwise. */
  health(): Promise<void>;
  /** Closes the database (waits for nothing: the caller drains its batches first). */
  close(): Promise<void>;
  /**
   * Optional: the commits of other processes on this database (absent on SQLite: one
   * process writes a file, and its own commits reach it directly).
   */
  readonly commits?: CommitChannel;
}

/** What a driver failure means for the caller; the one classification of every adapter. */
export type StorageErrorCode =
  /** The disk or the file refuses writes, the database is closed or corrupt: not a bug, retry later. */
  | 'storage_unavailable'
  /** Another process holds a lock longer than the busy timeout: retry soon. */
  | 'storage_busy';

/** A driver failure, classified by the adapter (its `cause` is the driver's error). */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** The driver's code (e.g. `SQLITE_FULL`), for logs and the client's `details`. */
    readonly driverCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why `health` finds the database unable to take writes. */
export class StorageUnavailable extends Error {
  override readonly name = 'StorageUnavailable';
  constructor(
    readonly reason: 'read_only' | 'full' | 'write_failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * One deadline of one case (one turn of a repeated deadline), as the on-time report counts
 * it (issue 15 §2; storage/ledger-rows.ts derives it from the case's context).
 */
export interface DeadlineLedgerRecord {
  caseId: string;
  key: string;
  /** 1, 2, … for the turns of a repeated deadline (P4 `rework`); 1 for every other deadline. */
  turn: number;
  procedure: string;
  /** The case's responsible unit; null: none (yet). */
  unit: string | null;
  /** The Rules' item, e.g. "п. 38, 39". */
  rule: string;
  /** The instant (or date, for a lead time) the deadline is counted from. */
  from: string;
  /** The last day (YYYY-MM-DD, the calendar's zone). */
  lastDay: string;
  /** The instant the deadline ends (UTC ISO). */
  dueAt: string;
  status: 'pending' | 'met' | 'missed' | 'met_late';
  open: boolean;
  /** When its closing act happened (UTC ISO); null while open. */
  closedAt: string | null;
  /** How late a deadline closed late was (the deadline's shortfall); null otherwise. */
  latenessAmount: number | null;
  latenessUnit: 'working' | 'calendar' | null;
  /** Extension decisions applied to it (P3 `extend`) and their days in total. */
  extensions: number;
  extensionDays: number;
  /** The calendar version it was computed with. */
  calendarVersion: string;
}

export type ReportPeriod = 'month' | 'quarter' | 'year';

/** The deadlines whose last day is in [fromDay, toDay], grouped by procedure, key, unit and period. */
export interface DeadlineReportQuery {
  fromDay: string;
  toDay: string;
  groupBy: ReportPeriod;
  /** Overdue = open with `dueAt` at or before this instant (UTC ISO). */
  now: string;
}

/** The counts of one group (engine/reports.ts states what each means). */
export interface DeadlineReportCountsRow {
  procedure: string;
  key: string;
  unit: string | null;
  /** `2025-03`, `2025-Q1` or `2025`. */
  period: string;
  opened: number;
  closedOnTime: number;
  closedLate: number;
  open: number;
  overdue: number;
  extended: number;
  extensions: number;
  extensionDays: number;
}

/** One deadline closed late, for the medians and maxima of a group. */
export interface DeadlineLatenessRow {
  procedure: string;
  key: string;
  unit: string | null;
  period: string;
  amount: number | null;
  latenessUnit: 'working' | 'calendar' | null;
}

export interface DeadlineLedgerRepository {
  /** The rows of a case, by (key, turn). */
  listForCase(caseId: string): Promise<DeadlineLedgerRecord[]>;
  insert(record: DeadlineLedgerRecord): Promise<void>;
  insertMany(records: readonly DeadlineLedgerRecord[]): Promise<void>;
  /** Replaces the row of the same (case, key, turn). */
  update(record: DeadlineLedgerRecord): Promise<void>;
  delete(caseId: string, key: string, turn: number): Promise<void>;
  /** Counts per (procedure, key, unit, period), from the index `deadline_ledger_report`. */
  report(q: DeadlineReportQuery): Promise<DeadlineReportCountsRow[]>;
  /** The deadlines of the range closed late, with their lateness. */
  lateness(q: DeadlineReportQuery): Promise<DeadlineLatenessRow[]>;
  /** Every row, by (case, key, turn) (tests and tools). */
  all(): Promise<DeadlineLedgerRecord[]>;
  /** Empties the ledger and derives it again from every case's context (migration 001000's backfill). */
  rebuild(): Promise<number>;
}

/** An installed business-calendar version (engine/calendar-versions.ts). */
export interface CalendarVersionRecord {
  id: string;
  /** 1, 2, …: the order of installation; the highest is the newest, 1 the baseline. */
  installNo: number;
  calendarId: string;
  version: string;
  /** JSON of the validated calendar data. */
  dataJson: string;
  source: string;
  installedAt: string;
}

export interface CalendarVersionRepository {
  /** Every installed version, in install order (none on a database not yet migrated to 001200). */
  list(): Promise<CalendarVersionRecord[]>;
  /** The highest install number (0: none installed). */
  latestInstallNo(): Promise<number>;
  /** Appends one; `installNo` must be the next (the unique key refuses a concurrent second one). */
  insert(record: CalendarVersionRecord): Promise<void>;
}

/** One entry of the transparency log (migration 001300, engine/ledger/). */
export interface LedgerEntryRecord {
  /** The leaf index: 0, 1, 2, … without gaps, from the shared head. */
  position: number;
  /** `event`, `message`, `message_requeued`, `message_given_up`, `delivery_attempt`, `read`, `calendar_installed`. */
  kind: string;
  caseId: string | null;
  /** What the entry is of within its kind (an event's seq, a message's id, …). */
  ref: string;
  /** The canonical JSON the leaf hash is computed from. */
  entry: string;
  /** Hex SHA-256(0x00 || entry). */
  leafHash: string;
}

/** The tree after the last appending commit. */
export interface LedgerHeadRecord {
  size: number;
  rootHash: string;
  /** JSON of the right edge (lib/merkle.ts `Frontier.toJSON`). */
  frontierJson: string;
  updatedAt: string;
}

export interface LedgerCheckpointRecord {
  size: number;
  rootHash: string;
  signedAt: string;
  /** The signed note. */
  note: string;
}

export interface LedgerNodeRecord {
  level: number;
  index: number;
  hash: string;
}

/** What one append writes to the log's tables (`LedgerRepository.append`). */
export interface LedgerAppend {
  entries: readonly LedgerEntryRecord[];
  nodes: readonly LedgerNodeRecord[];
  /** The head's size before the append. */
  from: number;
  /** The head after it; its size and root are also the stored tree head, dated `updatedAt`. */
  next: LedgerHeadRecord;
}

export interface LedgerRepository {
  /**
   * The head. Inside a batch it is the row the batch advances: on SQLite the batch holds the
   * database's write lock already; a PostgreSQL adapter reads it `FOR UPDATE`, so appending
   * transactions of every process take their positions from it one after the other.
   */
  head(): Promise<LedgerHeadRecord>;
  /**
   * Appends a batch's entries, the subtree roots they complete and the tree head after them,
   * and advances the head from `from` to `next`, all or nothing within the open transaction.
   * False when the head is no longer at `from` (another writer): then the caller must fail
   * its transaction, as the inserts may have been made. On PostgreSQL this is one statement
   * (a round trip each cost the batch four); on SQLite, four.
   */
  append(p: LedgerAppend): Promise<boolean>;
  /** Entries with position >= `from`, in order, at most `limit`. */
  entries(from: number, limit: number): Promise<LedgerEntryRecord[]>;
  /** The cases (ids, each once, in no order) of the entries with `start` <= position < `end`. */
  casesBetween(start: number, end: number): Promise<string[]>;
  /**
   * The entries of one case, in order: those of its stored events (by `events.log_position`)
   * and its other entries (messages, attempts). An entry of an event whose row is gone is not
   * found here: the full scan of `ledger verify` finds it.
   */
  entriesOfCase(caseId: string): Promise<LedgerEntryRecord[]>;
  /** Leaf hashes of positions [start, end), in order. */
  leafHashes(start: number, end: number): Promise<string[]>;
  /** Stored subtree roots of `level`, indices [start, end), in order. */
  nodes(level: number, start: number, end: number): Promise<string[]>;
  /** The stored root after the batch that ended at `size`, if one did. */
  treeHead(size: number): Promise<string | undefined>;
  /** Stored roots of sizes in (`afterSize`, …], in order, at most `limit`. */
  treeHeads(afterSize: number, limit: number): Promise<{ size: number; rootHash: string }[]>;
  /** Records a checkpoint; returns its id (the issue order). */
  insertCheckpoint(record: LedgerCheckpointRecord): Promise<number>;
  /** Checkpoints in issue order, those with id after `afterId`, at most `limit`, with their ids. */
  checkpoints(afterId: number, limit: number): Promise<(LedgerCheckpointRecord & { id: number })[]>;
  latestCheckpoint(): Promise<(LedgerCheckpointRecord & { id: number }) | undefined>;
}
