import { attemptFromRow, attemptToRow, outboxFromRow, outboxToRow } from '../mappers.js';
import type { OutboxRepository } from '../port.js';
import type { OutboxRow } from '../schema.js';
import { affected, columnsOf, slotsFor, template, type QuerySession } from '../session.js';

const OUTBOXROW_COLUMNS = columnsOf<OutboxRow>({ id: true, case_id: true, event_seq: true, kind: true, template: true, recipient: true, language: true, payload: true, status: true, attempts: true, next_attempt_at: true, last_error: true, closes_deadline: true, created_at: true, sent_at: true });
const INSERT = template<OutboxRow>((db, p) => db.insertInto('outbox').values(slotsFor(p, OUTBOXROW_COLUMNS)));

export function outboxRepository(s: QuerySession): OutboxRepository {
  return {
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, outboxToRow(record)));
    },
    async listForCase(caseId) {
      const q = s.builder.selectFrom('outbox').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id');
      return (await s.execute(q.compile())).rows.map(outboxFromRow);
    },
    async listDueMail(now, limit = 50) {
      const q = s.builder
        .selectFrom('outbox')
        .selectAll()
        .where('kind', '=', 'mail')
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
      return (await s.execute(q.compile())).rows.map(outboxFromRow);
    },
    async nextMailAttemptAt() {
      const q = s.builder
        .selectFrom('outbox')
        .select((eb) => eb.fn.min('next_attempt_at').as('next'))
        .where('kind', '=', 'mail')
        .where('status', '=', 'queued');
      return ((await s.execute(q.compile())).rows[0]?.next as string | null | undefined) ?? undefined;
    },
    async claim(id, attempts, leaseUntil) {
      const q = s.builder
        .updateTable('outbox')
        .set({ attempts: attempts + 1, next_attempt_at: leaseUntil })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .where('attempts', '=', attempts);
      return affected(await s.execute(q.compile())) === 1;
    },
    async markSent(id, sentAt) {
      await s.execute(s.builder.updateTable('outbox').set({ status: 'sent', sent_at: sentAt, last_error: null }).where('id', '=', id).compile());
    },
    async markRetry(id, nextAttemptAt, error) {
      await s.execute(s.builder.updateTable('outbox').set({ next_attempt_at: nextAttemptAt, last_error: error }).where('id', '=', id).compile());
    },
    async markFailed(id, error) {
      await s.execute(s.builder.updateTable('outbox').set({ status: 'failed', last_error: error }).where('id', '=', id).compile());
    },
    async insertAttempt(record) {
      await s.execute(s.builder.insertInto('delivery_attempts').values(attemptToRow(record)).compile());
    },
    async listAttempts(outboxId) {
      const q = s.builder.selectFrom('delivery_attempts').selectAll().where('outbox_id', '=', outboxId).orderBy('attempt');
      return (await s.execute(q.compile())).rows.map(attemptFromRow);
    },
  };
}
