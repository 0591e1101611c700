/**
 * Row types of every table (snake_case, as stored), for Kysely. Timestamps are UTC ISO
 * text; JSON columns are text. Nothing outside storage/ sees these: the port speaks in
 * records (storage/port.ts) and storage/mappers.ts converts.
 */
import type { Generated, Selectable } from 'kysely';
import type { OutboxStatus, TimerStatus } from './port.js';

export interface CasesTable {
  id: string;
  procedure: string;
  /** The machine version the case was created with; replay uses it. */
  machine_version: string;
  /** JSON: the persisted machine snapshot. */
  snapshot: string;
  /** JSON: the machine context (deadlines included), for reads without the machine. */
  context: string;
  state: string;
  status: 'active' | 'done';
  /** Seq of the last event (= number of events). Optimistic concurrency token. */
  seq: number;
  /** Hash of the last event: the next event's `prev_hash`. */
  head_hash: string;
  /** Earliest `dueAt` among open deadlines; null when none. Overdue = `next_due_at <= now`. */
  next_due_at: string | null;
  /** `,role,role,` of roles that may send a non-comment event now (for work queues). */
  waiting_roles: string;
  /** occurredAt of the last staff (non-system) event: the lower bound for the next one. */
  last_staff_occurred_at: string | null;
  /** 1 once an event of the case was back-dated beyond the tolerance (never cleared). */
  backdated: number;
  /** The responsible unit; null: none yet (migration 000300). */
  unit: string | null;
  /** The person of the unit who took the case; null: the whole unit's (migration 000300). */
  assignee: string | null;
  created_at: string;
  updated_at: string;
  /** 1 while the case has a finally failed message not yet resent (migration 000400). */
  undelivered: number;
  /** JSON array of the units whose own part the case waits for; null: none (migration 001800). */
  part_units: string | null;
}

export interface EventsTable {
  case_id: string;
  seq: number;
  type: string;
  payload: string;
  role: string;
  actor: string;
  occurred_at: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
  /** Why a staff event was recorded late (beyond the tolerance); null otherwise. */
  backdating_reason: string | null;
  /** The calendar version the step was computed with when not the baseline; null otherwise (migration 001200). */
  calendar_version: string | null;
  /** The position of the event's entry in the transparency log (migration 001300); not hashed. */
  log_position: number | null;
}

export interface TimersTable {
  case_id: string;
  key: string;
  due_at: string;
  status: TimerStatus;
  fired_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface OutboxTable {
  id: string;
  /** Null for a staff digest (migration 000900). */
  case_id: string | null;
  /** The event whose step asked for this message. */
  event_seq: number;
  kind: 'mail' | 'portal_notice' | 'staff_mail';
  template: string | null;
  /** E-mail address (mail) or null. */
  recipient: string | null;
  language: string | null;
  /** JSON: `{to, data, subject, text}` as rendered when queued. */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  closes_deadline: string | null;
  created_at: string;
  sent_at: string | null;
  /** `attempts` when staff last resent the message; 0: never (migration 000400). */
  resent_at_attempt: number;
}

export interface DeliveryAttemptsTable {
  outbox_id: string;
  attempt: number;
  started_at: string;
  finished_at: string;
  outcome: 'sent' | 'failed';
  error: string | null;
  response: string | null;
}

export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  response_status: number;
  /** JSON of the first answer. */
  response_body: string;
  case_id: string | null;
  created_at: string;
}

/** One read of a case's personal data by a person (migration 000600). */
export interface CaseReadsTable {
  id: Generated<number>;
  case_id: string;
  actor: string;
  role: string;
  /** The route, e.g. `GET /cases/{id}/history`. */
  route: string;
  read_at: string;
}

/** A person's private iCalendar feed token, by its sha-256 (migration 001100). */
/** The register of the site's mandatory content (п. 9): append-only revisions per kind (migration 001700). */
export interface SiteContentRevisionsTable {
  id: Generated<number>;
  kind: string;
  /** 1, 2, … per kind; the highest is the current entry. */
  revision: number;
  url: string | null;
  unit: string | null;
  note: string | null;
  changed_at: string;
  /** The user name of who changed it (`system` for none). */
  changed_by: string;
  role: string;
}

export interface FeedTokensTable {
  id: Generated<number>;
  user_name: string;
  token_sha256: string;
  created_at: string;
  /** Null while the token is active. */
  revoked_at: string | null;
}

export interface Database {
  cases: CasesTable;
  events: EventsTable;
  timers: TimersTable;
  outbox: OutboxTable;
  delivery_attempts: DeliveryAttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  case_reads: CaseReadsTable;
  feed_tokens: FeedTokensTable;
  site_content_revisions: SiteContentRevisionsTable;
  reminders: RemindersTable;
  deadline_ledger: DeadlineLedgerTable;
  calendar_versions: CalendarVersionsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_head: LedgerHeadTable;
  ledger_tree_heads: LedgerTreeHeadsTable;
  ledger_nodes: LedgerNodesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
}

export type CaseRow = Selectable<CasesTable>;
export type EventRow = Selectable<EventsTable>;
export type TimerRow = Selectable<TimersTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptsTable>;
export type IdempotencyRow = Selectable<IdempotencyKeysTable>;
export type CaseReadRow = Selectable<CaseReadsTable>;
export type FeedTokenRow = Selectable<FeedTokensTable>;
export type SiteContentRevisionRow = Selectable<SiteContentRevisionsTable>;

/** The staff reminders' schedule (migration 000900). */
export interface RemindersTable {
  case_id: string;
  key: string;
  slot: string;
  due_at: string;
  deadline_due_at: string;
  status: 'scheduled' | 'sent' | 'skipped' | 'cancelled';
  created_at: string;
  updated_at: string;
}
export type ReminderRow = Selectable<RemindersTable>;

/** One deadline (one turn) of one case, as the on-time report counts it (migration 001000). */
export interface DeadlineLedgerTable {
  case_id: string;
  key: string;
  /** 1, 2, … for the turns of a repeated deadline; 1 otherwise. */
  turn: number;
  procedure: string;
  /** The case's responsible unit; null: none (yet). */
  unit: string | null;
  rule: string;
  /** The instant (or, for a lead time, the date) counted from. */
  from_at: string;
  /** YYYY-MM-DD in the calendar's zone. */
  last_day: string;
  due_at: string;
  status: 'pending' | 'met' | 'missed' | 'met_late';
  /** 1 while open. */
  open: number;
  closed_at: string | null;
  lateness_amount: number | null;
  lateness_unit: 'working' | 'calendar' | null;
  extensions: number;
  extension_days: number;
  calendar_version: string;
}
export type DeadlineLedgerRow = Selectable<DeadlineLedgerTable>;

/** An installed business-calendar version (migration 001200). */
export interface CalendarVersionsTable {
  id: string;
  /** 1, 2, …: the order of installation; the highest is the newest. */
  install_no: number;
  calendar_id: string;
  /** calendars/index.ts `calendarDataVersion` of `data`. */
  version: string;
  /** JSON: the validated calendar data. */
  data: string;
  /** `shipped` (the repository's data file at start-up) or `cli`. */
  source: string;
  installed_at: string;
}
export type CalendarVersionRow = Selectable<CalendarVersionsTable>;

/** One entry of the transparency log, at its leaf position (migration 001300). */
export interface LedgerEntriesTable {
  position: number;
  kind: string;
  case_id: string | null;
  ref: string;
  /** The canonical JSON the leaf hash is computed from. */
  entry: string;
  /** Hex SHA-256(0x00 || entry). */
  leaf_hash: string;
}
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;

/** The one row (id 1): the tree after the last appending commit. */
export interface LedgerHeadTable {
  id: number;
  size: number;
  root_hash: string;
  /** JSON `{size, hashes}` of the tree's right edge (lib/merkle.ts `Frontier`). */
  frontier: string;
  updated_at: string;
  /** Writing batches committed (migration 001500; PostgreSQL counts them, SQLite leaves 0). */
  batches: Generated<number>;
}

export interface LedgerTreeHeadsTable {
  size: number;
  root_hash: string;
  at: string;
}

/** The root of a complete aligned subtree of 2^level leaves (levels 8 and 16). */
export interface LedgerNodesTable {
  level: number;
  idx: number;
  hash: string;
}

export interface LedgerCheckpointsTable {
  id: Generated<number>;
  size: number;
  root_hash: string;
  signed_at: string;
  /** The C2SP signed note as published. */
  note: string;
}
