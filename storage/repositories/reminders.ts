import { reminderFromRow, reminderToRow } from '../mappers.js';
import type { ReminderRepository } from '../port.js';
import type { ReminderRow } from '../schema.js';
import { affected, columnsOf, slotsFor, template, type QuerySession } from '../session.js';

const REMINDERROW_COLUMNS = columnsOf<ReminderRow>({ case_id: true, key: true, slot: true, due_at: true, deadline_due_at: true, status: true, created_at: true, updated_at: true });
const FOR_CASE = template<{ caseId: string }, ReminderRow>((db, p) =>
  db.selectFrom('reminders').selectAll().where('case_id', '=', p.caseId).orderBy('key').orderBy('slot'),
);
const INSERT = template<ReminderRow>((db, p) => db.insertInto('reminders').values(slotsFor(p, REMINDERROW_COLUMNS)));

/** The staff reminders' schedule (migration 000900); walks `reminders_due (status, due_at)`. */
export function reminderRepository(s: QuerySession): ReminderRepository {
  return {
    async listForCase(caseId) {
      return (await s.execute(FOR_CASE.bind(s.builder, { caseId }))).rows.map(reminderFromRow);
    },
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, reminderToRow(record)));
    },
    async update(caseId, key, slot, patch) {
      const set: Partial<ReminderRow> = { status: patch.status, updated_at: patch.updatedAt };
      if (patch.dueAt !== undefined) set.due_at = patch.dueAt;
      if (patch.deadlineDueAt !== undefined) set.deadline_due_at = patch.deadlineDueAt;
      await s.execute(s.builder.updateTable('reminders').set(set).where('case_id', '=', caseId).where('key', '=', key).where('slot', '=', slot).compile());
    },
    async listDue(now, limit = 100) {
      const q = s.builder
        .selectFrom('reminders')
        .selectAll()
        .where('status', '=', 'scheduled')
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .orderBy('case_id')
        .orderBy('key')
        .orderBy('slot')
        .limit(limit);
      return (await s.execute(q.compile())).rows.map(reminderFromRow);
    },
    async nextDueAt() {
      const q = s.builder
        .selectFrom('reminders')
        .select((eb) => eb.fn.min('due_at').as('due'))
        .where('status', '=', 'scheduled');
      return ((await s.execute(q.compile())).rows[0]?.due as string | null | undefined) ?? undefined;
    },
    async claim(caseId, key, slot, dueAt, status, now) {
      const q = s.builder
        .updateTable('reminders')
        .set({ status, updated_at: now })
        .where('case_id', '=', caseId)
        .where('key', '=', key)
        .where('slot', '=', slot)
        .where('status', '=', 'scheduled')
        .where('due_at', '=', dueAt);
      return affected(await s.execute(q.compile())) === 1;
    },
  };
}
