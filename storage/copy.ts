/**
 * Moving a deployment (issue 17 §4): a whole SQLite database of this engine copied into an
 * EMPTY PostgreSQL one (`npm run db -- copy`, cli/db.ts).
 *
 * - The source is opened read-only and read in one read transaction (one snapshot, even if
 *   a server still wrote to it; stop it first all the same, or its later commits stay behind).
 *   Every migration this code knows must be applied to it, and none it does not know.
 * - The target is opened with PostgresStorage (its migrations create the schema: the same
 *   tables as a fresh PostgreSQL deployment), refused when it holds any row (its log's head
 *   included) — checked BEFORE migrating, so a non-empty target is left as it was, and again
 *   inside the copy's transaction, under the write lock every server process takes first.
 * - Every table of `Database` (storage/schema.ts) is copied in ONE target transaction (all or
 *   nothing), in pages keyset by SQLite's rowid (insertion order), every column as stored:
 *   the same text, the same ids, the same positions. The hash chains, the log's leaves and
 *   its signed checkpoints therefore hold on the copy as they did on the source.
 *   Not copied: Kysely's migration tables (the target has its own), SQLite-only tables (the
 *   FTS index `cases_search` and its shadow tables, `sqlite_sequence`) and generated columns
 *   (`closed_late`, PostgreSQL's `search_words`, which its statements compute since
 *   migration 001900): the target computes them, for all the copied cases at once.
 * - The log's head row exists in the target (migration 001300 inserts the empty tree): it is
 *   UPDATEd to the source's (the only change its tripwire allows: it grows). The bigserial
 *   sequences are set past the copied ids.
 * - The column lists are checked against both databases before anything is written: a
 *   column or table added by a later migration and not taught to this copy refuses the copy
 *   instead of silently leaving data behind.
 */
import { existsSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { migrations } from './migrations/index.js';
import { closedLateOf, searchWordsOf } from './postgres/derived.js';
import { isPostgresUrl, PostgresStorage, WRITE_LOCK } from './postgres/postgres-storage.js';
import type {
  CalendarVersionsTable,
  CaseReadsTable,
  CasesTable,
  Database,
  DeadlineLedgerTable,
  DeliveryAttemptsTable,
  EventsTable,
  FeedTokensTable,
  SiteContentRevisionsTable,
  IdempotencyKeysTable,
  LedgerCheckpointsTable,
  LedgerEntriesTable,
  LedgerHeadTable,
  LedgerNodesTable,
  LedgerTreeHeadsTable,
  OutboxTable,
  RemindersTable,
  TimersTable,
} from './schema.js';
import { storedIdempotencyKey } from './repositories/idempotency.js';
import { columnsOf, insertRows, type QuerySession } from './session.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';

export interface CopyDatabaseOptions {
  /** The SQLite file (never written). */
  from: string;
  /** The PostgreSQL URL of an empty database (created by `createdb --locale=C.UTF-8`). */
  to: string;
  /** Rows per page read from the source (default 1000). */
  pageSize?: number;
  /** After each page written (inside the transaction): a throw aborts the copy, the target stays empty. */
  onProgress?: (p: CopyProgress) => void | Promise<void>;
}

export interface CopyProgress {
  table: string;
  /** Rows of `table` written so far. */
  copied: number;
  /** Rows of `table` in the source. */
  total: number;
}

export interface CopyResult {
  /** Rows copied per table, in copy order (`ledger_head`: its one row, updated). */
  tables: Record<string, number>;
  rows: number;
  ms: number;
}

/** The copy was refused before anything was written (a source or target it must not take); the message says why and what to do. */
export class CopyRefused extends Error {}

type Table = keyof Database & string;
interface TableSpec {
  table: Table;
  columns: string[];
  /** A bigserial `id` whose sequence is set past the copied ids. */
  serialId?: boolean;
  /** A column stored in another form on PostgreSQL (written as the PostgreSQL repository writes it). */
  convert?: Record<string, (v: unknown) => unknown>;
}

/**
 * Every table copied, parents before children (the foreign keys: cases ← events, timers,
 * outbox, reminders; outbox ← delivery_attempts). The lists are checked complete against
 * schema.ts by the compiler (`columnsOf`) and against both databases at run time.
 */
const TABLES: TableSpec[] = [
  {
    table: 'cases',
    columns: columnsOf<CasesTable>({
      id: true, procedure: true, machine_version: true, snapshot: true, context: true, state: true, status: true, seq: true, head_hash: true,
      next_due_at: true, waiting_roles: true, last_staff_occurred_at: true, backdated: true, unit: true, assignee: true, created_at: true,
      updated_at: true, undelivered: true, part_units: true,
    }),
  },
  {
    table: 'events',
    columns: columnsOf<EventsTable>({
      case_id: true, seq: true, type: true, payload: true, role: true, actor: true, occurred_at: true, recorded_at: true, prev_hash: true,
      hash: true, backdating_reason: true, calendar_version: true, log_position: true,
    }),
  },
  { table: 'timers', columns: columnsOf<TimersTable>({ case_id: true, key: true, due_at: true, status: true, fired_at: true, created_at: true, updated_at: true }) },
  {
    table: 'outbox',
    columns: columnsOf<OutboxTable>({
      id: true, case_id: true, event_seq: true, kind: true, template: true, recipient: true, language: true, payload: true, status: true,
      attempts: true, next_attempt_at: true, last_error: true, closes_deadline: true, created_at: true, sent_at: true, resent_at_attempt: true,
    }),
  },
  {
    table: 'delivery_attempts',
    columns: columnsOf<DeliveryAttemptsTable>({ outbox_id: true, attempt: true, started_at: true, finished_at: true, outcome: true, error: true, response: true }),
  },
  {
    table: 'idempotency_keys',
    columns: columnsOf<IdempotencyKeysTable>({ key: true, request_hash: true, response_status: true, response_body: true, case_id: true, created_at: true }),
    // The server's per-user keys hold U+0000, which PostgreSQL's text cannot: stored escaped there.
    convert: { key: (v) => storedIdempotencyKey('postgres', String(v)) },
  },
  { table: 'case_reads', serialId: true, columns: columnsOf<CaseReadsTable>({ id: true, case_id: true, actor: true, role: true, route: true, read_at: true }) },
  { table: 'feed_tokens', serialId: true, columns: columnsOf<FeedTokensTable>({ id: true, user_name: true, token_sha256: true, created_at: true, revoked_at: true }) },
  {
    table: 'site_content_revisions',
    serialId: true,
    columns: columnsOf<SiteContentRevisionsTable>({ id: true, kind: true, revision: true, url: true, unit: true, note: true, changed_at: true, changed_by: true, role: true }),
  },
  {
    table: 'reminders',
    columns: columnsOf<RemindersTable>({ case_id: true, key: true, slot: true, due_at: true, deadline_due_at: true, status: true, created_at: true, updated_at: true }),
  },
  {
    table: 'deadline_ledger',
    columns: columnsOf<DeadlineLedgerTable>({
      case_id: true, key: true, turn: true, procedure: true, unit: true, rule: true, from_at: true, last_day: true, due_at: true, status: true,
      open: true, closed_at: true, lateness_amount: true, lateness_unit: true, extensions: true, extension_days: true, calendar_version: true,
    }),
  },
  {
    table: 'calendar_versions',
    columns: columnsOf<CalendarVersionsTable>({ id: true, install_no: true, calendar_id: true, version: true, data: true, source: true, installed_at: true }),
  },
  { table: 'ledger_entries', columns: columnsOf<LedgerEntriesTable>({ position: true, kind: true, case_id: true, ref: true, entry: true, leaf_hash: true }) },
  { table: 'ledger_tree_heads', columns: columnsOf<LedgerTreeHeadsTable>({ size: true, root_hash: true, at: true }) },
  { table: 'ledger_nodes', columns: columnsOf<LedgerNodesTable>({ level: true, idx: true, hash: true }) },
  { table: 'ledger_checkpoints', serialId: true, columns: columnsOf<LedgerCheckpointsTable>({ id: true, size: true, root_hash: true, signed_at: true, note: true }) },
];
/** `batches` is checked but not copied: it counts the commits of the database it is in (the target's own, its write lock included). */
const HEAD_COLUMNS = columnsOf<LedgerHeadTable>({ id: true, size: true, root_hash: true, frontier: true, updated_at: true, batches: true });

/** Tables a SQLite database of this engine has that are not copied (see the file's comment). */
const SQLITE_ONLY = /^(kysely_migration|kysely_migration_lock|sqlite_sequence|cases_search|cases_search_(config|content|data|docsize|idx))$/;
/** The empty tree's head, as migration 001300 inserts it. */
const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const list = (names: readonly string[]) => names.join(', ');
const countsText = (counts: [string, number][]) => counts.map(([t, n]) => `${n} ${t}`).join(', ');

/** Copies the SQLite database `from` into the empty PostgreSQL database `to` (see the file's comment). */
export async function copyDatabase(options: CopyDatabaseOptions): Promise<CopyResult> {
  const started = performance.now();
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 1000));
  if (!isPostgresUrl(options.to)) throw new CopyRefused('the target must be a PostgreSQL URL (postgres://user@host:port/database)');
  if (!existsSync(options.from)) throw new CopyRefused(`the source ${options.from} does not exist (give the SQLite file of the deployment, DATABASE)`);
  const source = await SqliteStorage.open({ path: options.from, readOnly: true });
  try {
    const src = source.builder;
    await checkSource(src, options.from);
    await refuseNonEmpty(options.to);
    const target = await PostgresStorage.open({ url: options.to, poolSize: 1 });
    try {
      const tables: Record<string, number> = {};
      let rows = 0;
      // One snapshot of the source (a read transaction), written in one target transaction.
      await src.transaction().execute(async (s) => {
        await target.builder.transaction().execute(async (t) => {
          const session: QuerySession = { builder: t, dialect: 'postgres', execute: (q) => t.executeQuery(q) };
          await sql`set local lock_timeout = 5000`.execute(t);
          // The write lock of every server process (storage/postgres/): none writes while we copy.
          await sql.raw(WRITE_LOCK).execute(t);
          const counts = await targetCounts(t);
          if (counts.length > 0) throw new CopyRefused(`the target database ${target.location} is not empty: ${countsText(counts)} (copy into a new, empty database)`);
          await checkColumns(s, t);
          for (const spec of TABLES) {
            let n: number;
            try {
              n = await copyTable(s, session, spec, pageSize, options.onProgress);
            } catch (e) {
              // Which table the target refused (a row it cannot take) or the copy stopped in.
              throw new Error(`copying ${spec.table} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
            }
            tables[spec.table] = n;
            rows += n;
            // The columns PostgreSQL's statements compute from a case's row (storage/postgres/derived.ts), for every case copied.
            if (spec.table === 'cases' && n > 0) await sql`update cases set search_words = ${searchWordsOf(sql`context`)}, closed_late = ${closedLateOf(sql`status`, sql`context`)}`.execute(t);
            if (spec.serialId) {
              await sql`select setval(pg_get_serial_sequence(${spec.table}, 'id'), coalesce((select max(id) from ${sql.table(spec.table)}), 0) + 1, false)`.execute(t);
            }
          }
          const head = (await sql<LedgerHeadTable>`select ${sql.join(HEAD_COLUMNS.map((c) => sql.ref(c)))} from ledger_head`.execute(s)).rows;
          if (head.length !== 1 || head[0]!.id !== 1) throw new Error(`the source's ledger_head has ${head.length} row(s), expected the one row id 1`);
          const h = head[0]!;
          await sql`update ledger_head set size = ${h.size}, root_hash = ${h.root_hash}, frontier = ${h.frontier}, updated_at = ${h.updated_at} where id = 1`.execute(t);
          tables.ledger_head = 1;
          rows += 1;
        });
      });
      return { tables, rows, ms: performance.now() - started };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Every migration known here applied to the source, and none other; every table known. */
async function checkSource(src: Kysely<Database>, file: string): Promise<void> {
  const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(src)).rows.map((r) => r.name);
  if (!names.includes('kysely_migration')) {
    throw new CopyRefused(`${file} is not a database of this engine (it has no kysely_migration table)`);
  }
  const applied = new Set((await sql<{ name: string }>`select name from kysely_migration`.execute(src)).rows.map((r) => r.name));
  const missing = Object.keys(migrations).filter((m) => !applied.has(m));
  if (missing.length > 0) {
    throw new CopyRefused(
      `the source ${file} lacks migrations ${list(missing)}: start the server on it once (DATABASE=${file} npm start), which runs them, then copy again`,
    );
  }
  const unknown = [...applied].filter((m) => !Object.hasOwn(migrations, m));
  if (unknown.length > 0) throw new CopyRefused(`the source ${file} has migrations this version does not know (${list(unknown)}): copy with the version that wrote it`);
  const known = new Set<string>([...TABLES.map((t) => t.table), 'ledger_head']);
  const extra = names.filter((n) => !known.has(n) && !SQLITE_ONLY.test(n));
  if (extra.length > 0) throw new CopyRefused(`the source ${file} has tables the copy does not know: ${list(extra)}`);
}

/**
 * Rows of the target's tables (and a log that is not the empty tree), by table, only the
 * non-empty ones; a database without our tables counts as empty.
 */
async function targetCounts(db: Kysely<Database>): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for (const { table } of TABLES) {
    const exists = (await sql<{ r: string | null }>`select to_regclass(${table}) as r`.execute(db)).rows[0]?.r;
    if (!exists) continue;
    const n = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0);
    if (n > 0) out.push([table, n]);
  }
  if ((await sql<{ r: string | null }>`select to_regclass('ledger_head') as r`.execute(db)).rows[0]?.r) {
    const head = (await sql<{ size: number; root_hash: string }>`select size, root_hash from ledger_head`.execute(db)).rows;
    if (head.some((h) => Number(h.size) !== 0 || h.root_hash !== EMPTY_ROOT)) out.push(['log entries (ledger_head)', Number(head[0]?.size ?? 0)]);
  }
  return out;
}

/** Refuses a target with rows, without migrating it (a non-empty target is left exactly as it was). */
async function refuseNonEmpty(url: string): Promise<void> {
  const target = await PostgresStorage.open({ url, poolSize: 1, readOnly: true });
  try {
    const counts = await targetCounts(target.builder);
    if (counts.length > 0) throw new CopyRefused(`the target database ${target.location} is not empty: ${countsText(counts)} (copy into a new, empty database)`);
  } finally {
    await target.close();
  }
}

/** The target's columns computed from the row (storage/postgres/derived.ts, migration 001900): never copied, like generated ones. */
const DERIVED: Partial<Record<string, readonly string[]>> = { cases: ['search_words', 'closed_late'] };

/** The columns copied are exactly the source's stored columns and the target's non-generated, non-derived ones. */
async function checkColumns(src: Kysely<Database>, dst: Kysely<Database>): Promise<void> {
  for (const { table, columns } of [...TABLES, { table: 'ledger_head' as const, columns: HEAD_COLUMNS }]) {
    // table_info omits generated columns (closed_late); table_xinfo would list them.
    const s = (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(src)).rows.map((r) => r.name);
    const d = (
      await sql<{ name: string }>`select column_name as name from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} and is_generated = 'NEVER'`.execute(dst)
    )
      .rows.map((r) => r.name)
      .filter((n) => !DERIVED[table]?.includes(n));
    for (const [where, names] of [['source', s], ['target', d]] as const) {
      const notCopied = names.filter((n) => !columns.includes(n));
      const absent = columns.filter((c) => !names.includes(c));
      if (notCopied.length > 0 || absent.length > 0) {
        throw new CopyRefused(
          `the ${where}'s table ${table} does not have the columns the copy expects` +
            `${notCopied.length > 0 ? `: it has ${list(notCopied)}, which the copy does not know` : ''}` +
            `${absent.length > 0 ? `: it lacks ${list(absent)}` : ''}`,
        );
      }
    }
  }
}

/** One table, in pages keyset by rowid; returns the rows written. */
async function copyTable(
  src: Kysely<Database>,
  dst: QuerySession,
  spec: TableSpec,
  pageSize: number,
  onProgress: CopyDatabaseOptions['onProgress'],
): Promise<number> {
  const { table, columns } = spec;
  const total = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(src)).rows[0]?.n ?? 0);
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  let after = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  for (;;) {
    const page = (
      await sql<Record<string, unknown> & { _rowid_: number }>`select rowid as _rowid_, ${cols} from ${sql.table(table)}
        where rowid > ${after} order by rowid limit ${pageSize}`.execute(src)
    ).rows;
    if (page.length === 0) break;
    after = page[page.length - 1]!._rowid_;
    const convert = spec.convert ?? {};
    const rows = page.map((r) => Object.fromEntries(columns.map((c) => [c, convert[c] ? convert[c](r[c]) : r[c]])));
    await insertRows(dst, table, rows as never);
    copied += rows.length;
    await onProgress?.({ table, copied, total });
  }
  if (copied !== total) throw new Error(`the source's ${table} changed during the copy: ${total} rows counted, ${copied} read`);
  return copied;
}
