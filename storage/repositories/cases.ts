import { sql, type ExpressionBuilder } from 'kysely';
import { CASE_UPDATABLE, caseFromRow, caseToRow, roleLike, type CaseUpdatableColumn } from '../mappers.js';
import type { CaseFilter, CaseHead, CaseRecord, CaseRepository, CaseStatsRow } from '../port.js';
import type { CaseRow, Database } from '../schema.js';
import { closedLateOf, deriveStored, searchWordsOf } from '../postgres/derived.js';
import { affected, columnsOf, insertRows, slotsFor, template, type QuerySession } from '../session.js';

const CASEROW_COLUMNS = columnsOf<CaseRow>({ id: true, procedure: true, machine_version: true, snapshot: true, context: true, state: true, status: true, seq: true, head_hash: true, next_due_at: true, waiting_roles: true, last_staff_occurred_at: true, backdated: true, unit: true, assignee: true, created_at: true, updated_at: true, undelivered: true, part_units: true });
const FIND = template<{ id: string }, CaseRow>((db, p) => db.selectFrom('cases').selectAll().where('id', '=', p.id));
const HEAD = template<{ id: string }, Pick<CaseRow, 'seq' | 'head_hash'>>((db, p) =>
  db.selectFrom('cases').select(['seq', 'head_hash']).where('id', '=', p.id),
);
const INSERT = template<CaseRow>((db, p) => db.insertInto('cases').values(slotsFor(p, CASEROW_COLUMNS)));
/** PostgreSQL: with the two columns computed from the row (storage/postgres/derived.ts). */
const INSERT_PG = template<CaseRow>((db, p) =>
  db.insertInto('cases').values({
    ...slotsFor(p, CASEROW_COLUMNS),
    search_words: searchWordsOf(sql`${p.context}`),
    closed_late: closedLateOf(sql`${p.status}`, sql`${p.context}`),
  } as CaseRow),
);

type UpdateArgs = Partial<Record<CaseUpdatableColumn, unknown>> & { id: string; expectedSeq: number };
/** One template per set of changed columns (a handful occur: comment, step, closing…). */
const updates = new Map<string, ReturnType<typeof template<UpdateArgs>>>();
/**
 * PostgreSQL (`derived`): an update that changes the context or the status computes the two
 * columns derived from them too (storage/postgres/derived.ts); the words only if the context
 * changed.
 */
function updateTemplate(columns: readonly CaseUpdatableColumn[], derived: boolean) {
  const key = `${derived ? 'pg:' : ''}${columns.join(',')}`;
  let t = updates.get(key);
  if (!t) {
    t = template<UpdateArgs>((db, p) => {
      const set: Record<string, unknown> = Object.fromEntries(columns.map((c) => [c, p[c]]));
      if (derived && columns.includes('context')) {
        set.search_words = sql`case when context is distinct from ${p.context} then ${searchWordsOf(sql`${p.context}`)} else search_words end`;
      }
      if (derived && (columns.includes('context') || columns.includes('status'))) {
        set.closed_late = closedLateOf(columns.includes('status') ? sql`${p.status}` : sql`status`, columns.includes('context') ? sql`${p.context}` : sql`context`);
      }
      return db
        .updateTable('cases')
        .set(set as never)
        .where('id', '=', p.id)
        .where('seq', '=', p.expectedSeq);
    });
    updates.set(key, t);
  }
  return t;
}

export function caseRepository(s: QuerySession): CaseRepository {
  return {
    async find(id) {
      const row = (await s.execute(FIND.bind(s.builder, { id }))).rows[0];
      return row ? caseFromRow(row) : undefined;
    },
    async findMany(ids) {
      if (ids.length === 0) return [];
      // One statement text for any number of ids on PostgreSQL (prepared once per connection).
      const q =
        s.dialect === 'postgres'
          ? s.builder.selectFrom('cases').selectAll().where(sql<boolean>`id = any(${[...ids]}::text[])`)
          : s.builder.selectFrom('cases').selectAll().where('id', 'in', [...ids]);
      return (await s.execute(q.compile())).rows.map(caseFromRow);
    },
    async head(id): Promise<CaseHead | undefined> {
      const row = (await s.execute(HEAD.bind(s.builder, { id }))).rows[0];
      return row ? { seq: row.seq, headHash: row.head_hash } : undefined;
    },
    async insert(record) {
      await s.execute((s.dialect === 'postgres' ? INSERT_PG : INSERT).bind(s.builder, caseToRow(record)));
    },
    async insertMany(records) {
      await insertRows(s, 'cases', records.map(caseToRow));
      if (s.dialect === 'postgres' && records.length > 0) await s.execute(deriveStored(records.map((r) => r.id)).compile(s.builder));
    },
    async updateIfSeq(expectedSeq, next, previous) {
      const row = caseToRow(next);
      const before = previous ? caseToRow(previous) : undefined;
      // SQLite rewrites every index whose columns are in the SET list even when the value is
      // the same: writing only what changed means a comment touches no index of `cases`.
      let columns = CASE_UPDATABLE.filter((c) => before === undefined || row[c] !== before[c]);
      // `seq` always moves; keep the statement valid even if a caller passes the same record.
      if (columns.length === 0) columns = ['seq'];
      const args: UpdateArgs = { id: next.id, expectedSeq };
      for (const c of columns) args[c] = row[c];
      return affected(await s.execute(updateTemplate(columns, s.dialect === 'postgres').bind(s.builder, args))) === 1;
    },
    async list(filter = {}) {
      if (isUnitQueue(filter)) {
        // Each branch on its index, the pages merged in the list's order (a case in both once).
        const pages: CaseRecord[][] = [];
        for (const branch of ['units', 'parts'] as const) {
          const q = listQuery(s, filter, branch);
          pages.push(q ? (await s.execute(q.compile())).rows.map(caseFromRow) : []);
        }
        const seen = new Set<string>();
        const merged = [...pages[0]!, ...pages[1]!].filter((c) => !seen.has(c.id) && seen.add(c.id)).sort(orderOf(filter));
        return merged.slice(0, Math.min(Math.max(filter.limit ?? 50, 1), 500));
      }
      const q = listQuery(s, filter);
      return q ? (await s.execute(q.compile())).rows.map(caseFromRow) : [];
    },
    async count() {
      const q = s.builder.selectFrom('cases').select((eb) => eb.fn.countAll<number>().as('n'));
      return Number((await s.execute(q.compile())).rows[0]?.n ?? 0);
    },
    stats: (now, since) => caseStats(s, now, since),
    async ids() {
      const q = s.builder.selectFrom('cases').select('id').orderBy('created_at').orderBy('id');
      return (await s.execute(q.compile())).rows.map((r) => r.id);
    },
  };
}

/** The query of `list` (undefined: it matches nothing), also for the plans the bench explains. */
/**
 * A unit user's own queue (`waitingRoles` only `unit`, with `unitScope`) has two ways in:
 * its units' cases (`cases_unit_queue`) and the cases awaiting its part (`part_units`,
 * `cases_part_units_queue`). SQLite plans an OR of the two as a walk of every case in
 * order, so `list` runs each branch on its own index and merges the pages; `both` is the one
 * query (PostgreSQL plans it by its statistics, and the plan tests look at each branch).
 */
export type UnitQueueBranch = 'both' | 'units' | 'parts';

/** Whether `filter` is a unit user's own queue (two branches, above). */
export function isUnitQueue(filter: CaseFilter): boolean {
  const roles = filter.waitingRoles;
  return roles !== undefined && roles.length > 0 && roles.every((r) => r === 'unit') && (filter.unitScope?.units.length ?? 0) > 0;
}

export function listQuery(s: QuerySession, filter: CaseFilter, branch: UnitQueueBranch = 'both') {
  let q = s.builder.selectFrom('cases').selectAll();
  if (filter.procedure !== undefined) q = q.where('procedure', '=', filter.procedure);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  // In the due order, `dueBefore` is a bound on the order's key (below) instead.
  if (filter.dueBefore !== undefined && filter.sort !== 'due') {
    q = q.where('next_due_at', 'is not', null).where('next_due_at', '<=', filter.dueBefore);
  }
  if (filter.undelivered === true) {
    // A literal, for the partial index `cases_undelivered` (migration 000400).
    q = q.where(sql<boolean>`undelivered = 1`);
  } else if (filter.undelivered === false) {
    q = q.where(sql<boolean>`undelivered = 0`);
  }
  const scope = filter.unitScope;
  let roles = filter.waitingRoles;
  // A unit user's queue: `unit` steps count only for their units' cases not taken by another.
  const scoped = roles !== undefined && scope !== undefined && roles.includes('unit');
  if (scoped && scope.units.length === 0) roles = roles!.filter((r) => r !== 'unit');
  if (roles !== undefined) {
    if (roles.length === 0) return undefined;
    // A unit step of one of my units' cases, not taken by another; or a case that waits for
    // my unit's own part (P6's co-units, `part_units`: taking the case is the responsible unit's).
    const ownUnits = (eb: ExpressionBuilder<Database, 'cases'>) =>
      eb.and([eb('unit', 'in', [...scope!.units]), eb.or([eb('assignee', 'is', null), eb('assignee', '=', scope!.person)])]);
    const awaitingPart = (eb: ExpressionBuilder<Database, 'cases'>) => eb.or(scope!.units.map((u) => hasPartUnit(s, u)));
    const unitSteps = (eb: ExpressionBuilder<Database, 'cases'>) =>
      branch === 'units' ? ownUnits(eb) : branch === 'parts' ? awaitingPart(eb) : eb.or([ownUnits(eb), awaitingPart(eb)]);
    const others = scoped ? roles.filter((r) => r !== 'unit') : roles;
    if (scoped && others.length === 0) {
      // Written as a literal so SQLite can use the partial index `cases_unit_queue` (migration 000300).
      q = q.where(sql<boolean>`waiting_roles like '%,unit,%'`).where(unitSteps);
    } else {
      // Implied by the role test; written as a literal (not a bound parameter) so SQLite can
      // use the partial index `cases_waiting_created` (migration 000200).
      q = q.where(sql<boolean>`waiting_roles <> ',,'`);
      q = q.where((eb) =>
        eb.or([
          ...others.map((r) => eb('waiting_roles', 'like', roleLike(r))),
          ...(scoped && roles.includes('unit') ? [eb.and([eb('waiting_roles', 'like', roleLike('unit')), unitSteps(eb)])] : []),
        ]),
      );
    }
  }
  // Written as a literal so SQLite can use the partial index `cases_backdated_created`.
  if (filter.backdated === true) q = q.where(sql<boolean>`backdated = 1`);
  if (filter.unit !== undefined) {
    // The due order finds the unit's cases by `cases_unit_due`; the created order walks the
    // partial `cases_unit_created` (`unit is not null` written out for it, and `+unit`: not
    // by `cases_unit_due`, whose rows would then need a sort).
    q =
      filter.sort === 'due'
        ? q.where('unit', '=', filter.unit)
        : q.where(sql<boolean>`${noIndex(s)}unit = ${filter.unit}`).where(sql<boolean>`unit is not null`);
  }
  const search = filter.search;
  if (search !== undefined) {
    const r = search.readable;
    if (r !== undefined) {
      const unitProcedures = r.units.length > 0 ? r.unitProcedures : [];
      if (r.procedures.length === 0 && unitProcedures.length === 0) return undefined;
      // A test of each row (`+`: not a way in, which would lose the list's order).
      const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`));
      const plus = noIndex(s);
      const parts = [
        ...(r.procedures.length > 0 ? [sql`${plus}procedure in (${list(r.procedures)})`] : []),
        ...(unitProcedures.length > 0 ? [sql`(${plus}procedure in (${list(unitProcedures)}) and ${plus}unit in (${list(r.units)}))`] : []),
        ...(unitProcedures.length > 0 ? [sql`(${plus}procedure in (${list(unitProcedures)}) and (${sql.join(r.units.map((u) => hasPartUnit(s, u)), sql` or `)}))`] : []),
      ];
      q = q.where(sql<boolean>`(${sql.join(parts, sql` or `)})`);
    }
    // The matches are a set to test each row of the walk against (`+rowid`: never the way
    // in), so the list keeps its index order and stops at the end of the page, however
    // many cases match; the FTS table finds them by its trigram index (migration 000800).
    // PostgreSQL: a substring of the lower-cased words (migration 000800's `search_words`,
    // its pg_trgm index), the pattern's own % _ \\ escaped.
    q =
      s.dialect === 'postgres'
        ? q.where(sql<boolean>`search_words like ${likePattern(search.text.toLowerCase())}`)
        : q.where(sql<boolean>`+cases.rowid in (select rowid from cases_search where cases_search match ${phrase(search.text)})`);
  }
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  if (filter.sort === 'due') {
    const afterDue = filter.afterDue;
    if (afterDue !== undefined) {
      const key = afterDue.nextDueAt ?? NO_DUE;
      // A row value: one range on the index (an OR of two would be planned as two lookups and a sort).
      q = q.where(sql<boolean>`(${DUE_KEY}, id) > (${key}, ${afterDue.id})`);
    }
    // Also on the key: the walk of the due order then stops past `dueBefore`.
    if (filter.dueBefore !== undefined) q = q.where(DUE_KEY, '<=', filter.dueBefore);
    return q.orderBy(DUE_KEY).orderBy('id').limit(limit);
  }
  const after = filter.after;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
    );
  }
  return q.orderBy('created_at').orderBy('id').limit(limit);
}

/** The list's order as a comparison of records: (createdAt, id), or (nextDueAt, the cases without one last; id). */
function orderOf(filter: CaseFilter): (a: CaseRecord, b: CaseRecord) => number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  if (filter.sort === 'due') return (a, b) => cmp(a.nextDueAt ?? NO_DUE, b.nextDueAt ?? NO_DUE) || cmp(a.id, b.id);
  return (a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id);
}

/** The due order's key, spelled exactly as the indexes of migration 000800 spell it. */
const NO_DUE = '~';
const DUE_KEY = sql<string>`coalesce(next_due_at, '~')`;

/**
 * SQLite's unary `+` keeps a column test from being taken as the way into an index (the
 * planner notes above); PostgreSQL has no `+` on text and plans by its statistics.
 */
function noIndex(s: QuerySession) {
  return sql.raw(s.dialect === 'sqlite' ? '+' : '');
}

/** `%text%` for LIKE, the text's own wildcards and the escape character (`\\`, PostgreSQL's default) escaped. */
/**
 * `part_units` (a JSON array) holds the unit `u`: a substring test of its JSON string, quotes
 * included (so "A" never matches "AB"), case-sensitive and without wildcards on both dialects.
 */
function hasPartUnit(s: QuerySession, u: string) {
  const needle = JSON.stringify(u);
  // `part_units is not null` written out for the partial index `cases_part_units_queue` (migration 001800).
  return s.dialect === 'postgres'
    ? sql<boolean>`(part_units is not null and strpos(part_units, ${needle}) > 0)`
    : sql<boolean>`(part_units is not null and instr(part_units, ${needle}) > 0)`;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The search text as one FTS5 phrase (a substring for the trigram tokenizer): quotes doubled. */
function phrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The counts of the dashboard, each from an index alone (migration 000800). */
export async function caseStats(s: QuerySession, now: string, since: string): Promise<CaseStatsRow[]> {
  const open = s.builder
    .selectFrom('cases')
    .select(['procedure', 'unit'])
    .select(sql<number>`count(*)`.as('open'))
    .select(sql<number>`count(*) filter (where next_due_at <= ${now})`.as('overdue'))
    .where('status', '=', 'active')
    .groupBy(['procedure', 'unit']);
  const closed = s.builder
    .selectFrom('cases')
    .select(['procedure', 'unit'])
    .select(sql<number>`count(*) filter (where closed_late = 0)`.as('on_time'))
    .select(sql<number>`coalesce(sum(closed_late), 0)`.as('late'))
    .where('status', '=', 'done')
    .where('updated_at', '>=', since)
    .groupBy(['procedure', 'unit']);
  const rows = new Map<string, CaseStatsRow>();
  const row = (procedure: string, unit: string | null) => {
    const k = `${procedure}\u0000${unit ?? ''}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { procedure, unit, open: 0, overdue: 0, closedOnTime: 0, closedLate: 0 }));
    return r;
  };
  for (const o of (await s.execute(open.compile())).rows) Object.assign(row(o.procedure, o.unit), { open: Number(o.open), overdue: Number(o.overdue) });
  for (const c of (await s.execute(closed.compile())).rows) Object.assign(row(c.procedure, c.unit), { closedOnTime: Number(c.on_time), closedLate: Number(c.late) });
  return [...rows.values()].sort((a, b) => a.procedure.localeCompare(b.procedure) || (a.unit ?? '').localeCompare(b.unit ?? ''));
}
