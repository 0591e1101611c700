import type { Executor } from './connection.js';
import type { CaseRow, CaseUpdate, NewCaseRow } from './database.js';

export async function insertCase(db: Executor, row: NewCaseRow): Promise<void> {
  await db.insertInto('cases').values(row).execute();
}

export async function findCase(db: Executor, id: string): Promise<CaseRow | undefined> {
  return db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Updates a case only if its `seq` is still `expectedSeq` (optimistic concurrency across
 * processes). Returns false when another writer got there first.
 */
export async function updateCaseIfSeq(db: Executor, id: string, expectedSeq: number, update: CaseUpdate): Promise<boolean> {
  const r = await db
    .updateTable('cases')
    .set(update)
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
  if (filter.waitingRole !== undefined) q = q.where('waiting_roles', 'like', `%,${filter.waitingRole},%`);
  const roles = filter.waitingRoles;
  if (roles !== undefined) {
    if (roles.length === 0) return [];
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
    .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500))
    .execute();
}

export async function countCases(db: Executor): Promise<number> {
  const r = await db.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listCaseIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('cases').select('id').orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}
