import { attemptFromRow, attemptToRow, outboxFromRow, outboxToRow } from '../mappers.js';
import type { OutboxRepository } from '../port.js';
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, OutboxRow } from '../schema.js';
import { affected, columnsOf, slotsFor, template, type QuerySession } from '../session.js';

const OUTBOXROW_COLUMNS = columnsOf<OutboxRow>({ id: true, case_id: true, event_seq: true, kind: true, template: true, recipient: true, language: true, payload: true, status: true, attempts: true, next_attempt_at: true, last_error: true, closes_deadline: true, created_at: true, sent_at: true, resent_at_attempt: true });
const INSERT = template<OutboxRow>((db, p) => db.insertInto('outbox').values(slotsFor(p, OUTBOXROW_COLUMNS)));

/**
 * No earlier-queued mail of the same case is still queued (earlier: a lower event seq, or
 * the same seq and a lower id `caseId:seq:index`). Uses the `outbox_case` index.
 */
const firstQueuedOfItsCase = (eb: ExpressionBuilder<Database, 'outbox'>) =>
  eb.not(
    eb.exists(
      eb
        .selectFrom('outbox as earlier')
        .select(sql<number>`1`.as('one'))
        .whereRef('earlier.case_id', '=', 'outbox.case_id')
        .where('earlier.kind', '=', 'mail')
        .where('earlier.status', '=', 'queued')
        .where((e) =>
          e.or([
            e('earlier.event_seq', '<', e.ref('outbox.event_seq')),
            e.and([e('earlier.event_seq', '=', e.ref('outbox.event_seq')), e('earlier.id', '<', e.ref('outbox.id'))]),
          ]),
        ),
    ),
  );

/** Staff mail at any time; a case's mail to the applicant in its turn. */
const mailInItsTurn = (eb: ExpressionBuilder<Database, 'outbox'>) =>
  eb.or([eb('kind', '=', 'staff_mail'), eb.and([eb('kind', '=', 'mail'), firstQueuedOfItsCase(eb)])]);

export function outboxRepository(s: QuerySession): OutboxRepository {
  return {
    async insert(record) {
      await s.execute(INSERT.bind(s.builder, outboxToRow(record)));
    },
    async insertOnce(record) {
      const q = s.builder.insertInto('outbox').values(outboxToRow(record)).onConflict((oc) => oc.column('id').doNothing());
      return affected(await s.execute(q.compile())) === 1;
    },
    async listForCase(caseId) {
      const q = s.builder.selectFrom('outbox').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id');
      return (await s.execute(q.compile())).rows.map(outboxFromRow);
    },
    async listDueMail(now, limit = 50) {
      const q = s.builder
        .selectFrom('outbox')
        .selectAll()
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', now)
        .where(mailInItsTurn)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
      return (await s.execute(q.compile())).rows.map(outboxFromRow);
    },
    async nextMailAttemptAt() {
      // Over the first queued message of each case only: a later one's past-due
      // next_attempt_at must not wake the worker while it waits behind an earlier one.
      const q = s.builder
        .selectFrom('outbox')
        .select((eb) => eb.fn.min('next_attempt_at').as('next'))
        .where('status', '=', 'queued')
        .where(mailInItsTurn);
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
    async requeue(id, caseId, now, to) {
      let readdressed: { recipient: string; payload: string } | undefined;
      if (to) {
        const row = (await s.execute(s.builder.selectFrom('outbox').select('payload').where('id', '=', id).where('case_id', '=', caseId).compile())).rows[0];
        if (!row) return false;
        readdressed = { recipient: to.email, payload: JSON.stringify({ ...(JSON.parse(row.payload) as Record<string, unknown>), to }) };
      }
      const q = s.builder
        .updateTable('outbox')
        .set((eb) => ({ status: 'queued', next_attempt_at: now, resent_at_attempt: eb.ref('attempts'), ...(readdressed ?? {}) }))
        .where('id', '=', id)
        .where('case_id', '=', caseId)
        .where('kind', '=', 'mail')
        .where('status', '=', 'failed');
      return affected(await s.execute(q.compile())) === 1;
    },
    async markFailed(id, error) {
      await s.execute(s.builder.updateTable('outbox').set({ status: 'failed', last_error: error }).where('id', '=', id).compile());
    },
    async find(id) {
      const row = (await s.execute(s.builder.selectFrom('outbox').selectAll().where('id', '=', id).compile())).rows[0];
      return row ? outboxFromRow(row) : undefined;
    },
    async insertAttempt(record) {
      await s.execute(s.builder.insertInto('delivery_attempts').values(attemptToRow(record)).compile());
    },
    async pageAll(afterId, limit) {
      const q = s.builder.selectFrom('outbox').selectAll().where('id', '>', afterId).orderBy('id').limit(limit);
      return (await s.execute(q.compile())).rows.map(outboxFromRow);
    },
    async attemptsPage(after, limit) {
      let q = s.builder.selectFrom('delivery_attempts').selectAll();
      if (after) q = q.where((eb) => eb.or([eb('outbox_id', '>', after.outboxId), eb.and([eb('outbox_id', '=', after.outboxId), eb('attempt', '>', after.attempt)])]));
      return (await s.execute(q.orderBy('outbox_id').orderBy('attempt').limit(limit).compile())).rows.map(attemptFromRow);
    },
    async listAttempts(outboxId) {
      const q = s.builder.selectFrom('delivery_attempts').selectAll().where('outbox_id', '=', outboxId).orderBy('attempt');
      return (await s.execute(q.compile())).rows.map(attemptFromRow);
    },
  };
}
