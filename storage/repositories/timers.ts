import { timerFromRow, timerToRow } from '../mappers.js';
import type { TimerRepository } from '../port.js';
import type { TimerRow } from '../schema.js';
import { affected, columnsOf, insertRows, slotsFor, template, type QuerySession } from '../session.js';

const TIMERROW_COLUMNS = columnsOf<TimerRow>({ case_id: true, key: true, due_at: true, status: true, fired_at: true, created_at: true, updated_at: true });
const FOR_CASE = template<{ caseId: string }, TimerRow>((db, p) =>
  db.selectFrom('timers').selectAll().where('case_id', '=', p.caseId).orderBy('key'),
);
const INSERT = template<TimerRow>((db, p) => db.insertInto('timers').values(slotsFor(p, TIMERROW_COLUMNS)));

export function timerRepository(s: QuerySession): TimerRepository {
  return {
    async listForCase(caseId) {
      return (await s.execute(FOR_CASE.bind(s.builder, { caseId }))).rows.map(timerFromRow);
    },
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, timerToRow(record)));
    },
    async insertMany(records) {
      await insertRows(s, 'timers', records.map(timerToRow));
    },
    async update(caseId, key, patch) {
      const set: Partial<TimerRow> = { status: patch.status, updated_at: patch.updatedAt };
      if (patch.dueAt !== undefined) set.due_at = patch.dueAt;
      if (patch.firedAt !== undefined) set.fired_at = patch.firedAt;
      await s.execute(s.builder.updateTable('timers').set(set).where('case_id', '=', caseId).where('key', '=', key).compile());
    },
    async listDue(now, limit = 100) {
      const q = s.builder
        .selectFrom('timers')
        .selectAll()
        .where('status', '=', 'scheduled')
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .orderBy('case_id')
        .orderBy('key')
        .limit(limit);
      return (await s.execute(q.compile())).rows.map(timerFromRow);
    },
    async nextDueAt() {
      const q = s.builder
        .selectFrom('timers')
        .select((eb) => eb.fn.min('due_at').as('due'))
        .where('status', '=', 'scheduled');
      return ((await s.execute(q.compile())).rows[0]?.due as string | null | undefined) ?? undefined;
    },
    async claim(caseId, key, dueAt, firedAt) {
      const q = s.builder
        .updateTable('timers')
        .set({ status: 'fired', fired_at: firedAt, updated_at: firedAt })
        .where('case_id', '=', caseId)
        .where('key', '=', key)
        .where('status', '=', 'scheduled')
        .where('due_at', '=', dueAt);
      return affected(await s.execute(q.compile())) === 1;
    },
  };
}
