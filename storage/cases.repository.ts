import { sql } from 'kysely';
import { directStatement, type Executor } from './connection.js';
import type { CaseRow, CaseUpdate, NewCaseRow } from './database.js';

export async function insertCase(db: Executor, row: NewCaseRow): Promise<void> {
  await db.insertInto('cases').values(row).execute();
}

/** Inserts many cases with multi-row statements (bulk loads: migrations of old data, benchmarks). */
export async function insertCases(db: Executor, rows: NewCaseRow[], rowsPerStatement = 200): Promise<void> {
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    await db.insertInto('cases').values(rows.slice(i, i + rowsPerStatement)).execute();
  }
}

/** The columns `updateCaseIfSeq` may set: the SQL of its direct statement is built from these names only. */
const CASE_UPDATE_COLUMNS: ReadonlySet<string> = new Set<keyof CaseUpdate>([
  'machine_version',
  'snapshot',
  'context',
  'state',
  'status',
  'seq',
  'head_hash',
  'next_due_at',
  'waiting_roles',
  'last_staff_occurred_at',
  'updated_at',
]);

export async function findCase(db: Executor, id: string): Promise<CaseRow | undefined> {
  const direct = directStatement(db, 'select * from "cases" where "id" = ?');
  if (direct) return direct.all(id)[0] as CaseRow | undefined;
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The head of a case (its last event's seq and hash), without the large columns. */
export async function findCaseHead(db: Executor, id: string): Promise<{ seq: number; head_hash: string } | undefined> {
  const direct = directStatement(db, 'select "seq", "head_hash" from "cases" where "id" = ?');
  if (direct) return direct.all(id)[0] as { seq: number; head_hash: string } | undefined;
  return db.selectFrom('cases').select(['seq', 'head_hash']).where('id', '=', id).executeTakeFirst();
}

/**
 * Updates a case only if its `seq` is still `expectedSeq` (optimistic concurrency across
 * processes). Returns false when another writer got there first.
 *
 * With `previous` (the row as read in the same transaction), only the columns whose value
 * changed are written: SQLite rewrites every index whose columns are in the SET list even
 * when the value is the same, so a comment (state, status, deadlines and waiting roles
 * unchanged) then touches no index of `cases` at all.
 */
export async function updateCaseIfSeq(db: Executor, id: string, expectedSeq: number, update: CaseUpdate, previous?: CaseRow): Promise<boolean> {
  let set = update;
  if (previous) {
    set = {};
    for (const [k, v] of Object.entries(update) as [keyof CaseUpdate, unknown][]) {
      if (v !== undefined && v !== previous[k as keyof CaseRow]) (set as Record<string, unknown>)[k] = v;
    }
    // `seq` always moves; keep the statement valid even if a caller passes the same row.
    if (Object.keys(set).length === 0) set = { seq: expectedSeq };
  }
  const columns = Object.keys(set).filter((k) => (set as Record<string, unknown>)[k] !== undefined);
  if (columns.every((c) => CASE_UPDATE_COLUMNS.has(c))) {
    const direct = directStatement(db, `update "cases" set ${columns.map((c) => `"${c}" = ?`).join(', ')} where "id" = ? and "seq" = ?`);
    if (direct) return direct.run(...columns.map((c) => (set as Record<string, unknown>)[c]), id, expectedSeq).changes === 1;
  }
  const r = await db
    .updateTable('cases')
    .set(set)
    .where('id', '=', id)
    .where('seq', '=', expectedSeq)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface CaseFilter {
  procedure?: string;
  state?: string;
  status?: 'active' | 'done';
  /** Only cases with an open deadline due at or before this instant (UTC ISO). */
  overdueAt?: string;
  /** Only cases with an open deadline due at or before this instant (UTC ISO). */
  dueBefore?: string;
  /** Only cases waiting for this role. */
  waitingRole?: string;
  /** Only cases waiting for any of these roles ("my queue"). */
  waitingRoles?: string[];
  /** Keyset pagination: cases created after this (created_at, id). */
  after?: { createdAt: string; id: string };
  limit?: number;
}

/** A page of cases, oldest first. */
export async function listCases(db: Executor, filter: CaseFilter = {}): Promise<CaseRow[]> {
  const q = listCasesQuery(db, filter);
  return q ? q.execute() : [];
}

/** SQLite's plan for `listCases(filter)` (EXPLAIN QUERY PLAN `detail` lines), for benchmarks and tests. */
export async function explainListCases(db: Executor, filter: CaseFilter = {}): Promise<string[]> {
  const q = listCasesQuery(db, filter);
  if (!q) return [];
  const c = q.compile();
  const plan = await db.executeQuery<{ detail: string }>({ ...c, sql: `explain query plan ${c.sql}`, query: c.query });
  return plan.rows.map((row) => row.detail);
}

function listCasesQuery(db: Executor, filter: CaseFilter) {
  let q = db.selectFrom('cases').selectAll();
  if (filter.procedure !== undefined) q = q.where('procedure', '=', filter.procedure);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.overdueAt !== undefined) {
    q = q.where('next_due_at', 'is not', null).where('next_due_at', '<=', filter.overdueAt);
  }
  if (filter.dueBefore !== undefined) {
    q = q.where('next_due_at', 'is not', null).where('next_due_at', '<=', filter.dueBefore);
  }
  const roles = filter.waitingRoles;
  if (roles !== undefined && roles.length === 0) return undefined;
  if (filter.waitingRole !== undefined || roles !== undefined) {
    // Implied by the role test; written as a literal (not a bound parameter) so SQLite can
    // use the partial index `cases_waiting_created` (migration 000200).
    q = q.where(sql<boolean>`waiting_roles <> ',,'`);
  }
  if (filter.waitingRole !== undefined) q = q.where('waiting_roles', 'like', `%,${filter.waitingRole},%`);
  if (roles !== undefined) {
    q = q.where((eb) => eb.or(roles.map((r) => eb('waiting_roles', 'like', `%,${r},%`))));
  }
  const after = filter.after;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  return q
    .orderBy('created_at')
    .orderBy('id')
    .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500));
}

export async function countCases(db: Executor): Promise<number> {
  const r = await db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listCaseIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('cases').select('id').orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}
