import { sql, type RawBuilder } from 'kysely';
import { ledgerFromRow, ledgerToRow } from '../mappers.js';
import { backfillDeadlineLedger } from '../migrations/2026_12_03_001000_deadline_ledger.js';
import type { DeadlineLatenessRow, DeadlineLedgerRepository, DeadlineReportCountsRow, DeadlineReportQuery, ReportPeriod } from '../port.js';
import type { DeadlineLedgerRow } from '../schema.js';
import { columnsOf, insertRows, slotsFor, template, type QuerySession } from '../session.js';

const COLUMNS = columnsOf<DeadlineLedgerRow>({
  case_id: true,
  key: true,
  turn: true,
  procedure: true,
  unit: true,
  rule: true,
  from_at: true,
  last_day: true,
  due_at: true,
  status: true,
  open: true,
  closed_at: true,
  lateness_amount: true,
  lateness_unit: true,
  extensions: true,
  extension_days: true,
  calendar_version: true,
});
const FOR_CASE = template<{ caseId: string }, DeadlineLedgerRow>((db, p) =>
  db.selectFrom('deadline_ledger').selectAll().where('case_id', '=', p.caseId).orderBy('key').orderBy('turn'),
);
const INSERT = template<DeadlineLedgerRow>((db, p) => db.insertInto('deadline_ledger').values(slotsFor(p, COLUMNS)));
const UPDATE = template<DeadlineLedgerRow>((db, p) => {
  const { case_id, key, turn, ...rest } = slotsFor(p, COLUMNS);
  return db.updateTable('deadline_ledger').set(rest).where('case_id', '=', case_id).where('key', '=', key).where('turn', '=', turn);
});
const DELETE = template<{ caseId: string; key: string; turn: number }>((db, p) =>
  db.deleteFrom('deadline_ledger').where('case_id', '=', p.caseId).where('key', '=', p.key).where('turn', '=', p.turn),
);

/** The period a last day (`YYYY-MM-DD`) belongs to, as SQL: `2025-03`, `2025-Q1`, `2025`. One of three constants, never input. */
function periodOf(groupBy: ReportPeriod): RawBuilder<string> {
  if (groupBy === 'month') return sql<string>`substr(last_day, 1, 7)`;
  if (groupBy === 'year') return sql<string>`substr(last_day, 1, 4)`;
  return sql<string>`substr(last_day, 1, 4) || '-Q' || ((cast(substr(last_day, 6, 2) as integer) + 2) / 3)`;
}

export function deadlineLedgerRepository(s: QuerySession): DeadlineLedgerRepository {
  return {
    async listForCase(caseId) {
      return (await s.execute(FOR_CASE.bind(s.builder, { caseId }))).rows.map(ledgerFromRow);
    },
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, ledgerToRow(record)));
    },
    async insertMany(records) {
      await insertRows(s, 'deadline_ledger', records.map(ledgerToRow));
    },
    async update(record) {
      await s.execute(UPDATE.bind(s.builder, ledgerToRow(record)));
    },
    async delete(caseId, key, turn) {
      await s.execute(DELETE.bind(s.builder, { caseId, key, turn }));
    },
    async report(q: DeadlineReportQuery) {
      const period = periodOf(q.groupBy);
      // Counts with FILTER (SQLite and PostgreSQL both; PostgreSQL has no sum of a boolean),
      // the aliases quoted (PostgreSQL folds unquoted names to lower case). Both queries read the index `deadline_ledger_report` alone (it covers them): a range of last days.
      const query = sql<DeadlineReportCountsRow>`
        select procedure, key, unit, ${period} as period,
          count(*) as opened,
          count(*) filter (where open = 0 and status = 'met') as "closedOnTime",
          count(*) filter (where open = 0 and status <> 'met') as "closedLate",
          count(*) filter (where open = 1) as open,
          count(*) filter (where open = 1 and due_at <= ${q.now}) as overdue,
          count(*) filter (where extensions > 0) as extended,
          coalesce(sum(extensions), 0) as extensions,
          coalesce(sum(extension_days), 0) as "extensionDays"
        from deadline_ledger
        where last_day >= ${q.fromDay} and last_day <= ${q.toDay}
        group by procedure, key, unit, period
        order by period, procedure, key, unit`;
      return (await s.execute(query.compile(s.builder))).rows;
    },
    async lateness(q: DeadlineReportQuery) {
      const period = periodOf(q.groupBy);
      const query = sql<DeadlineLatenessRow>`
        select procedure, key, unit, ${period} as period, lateness_amount as amount, lateness_unit as "latenessUnit"
        from deadline_ledger
        where last_day >= ${q.fromDay} and last_day <= ${q.toDay} and open = 0 and status <> 'met'
        order by period, procedure, key, unit, lateness_amount`;
      return (await s.execute(query.compile(s.builder))).rows;
    },
    async all() {
      const q = s.builder.selectFrom('deadline_ledger').selectAll().orderBy('case_id').orderBy('key').orderBy('turn');
      return (await s.execute(q.compile())).rows.map(ledgerFromRow);
    },
    async rebuild() {
      await s.execute(s.builder.deleteFrom('deadline_ledger').compile());
      return backfillDeadlineLedger(s);
    },
  };
}
