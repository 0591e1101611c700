import type { Executor } from './connection.js';
import type { DeliveryAttemptRow, NewOutboxRow, OutboxRow } from './database.js';

export async function insertOutbox(db: Executor, row: NewOutboxRow): Promise<void> {
  await db.insertInto('outbox').values(row).execute();
}

export async function findOutbox(db: Executor, id: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOutboxForCase(db: Executor, caseId: string): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id').execute();
}

/** Queued mail whose next attempt is due, oldest first. */
export async function listDueMail(db: Executor, now: string, limit = 50): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('kind', '=', 'mail')
    .where('status', '=', 'queued')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function nextMailAttemptAt(db: Executor): Promise<string | undefined> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('kind', '=', 'mail')
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return (r?.next as string | null | undefined) ?? undefined;
}

/**
 * Claims a queued message for one attempt: counts the attempt and leases the row until
 * `leaseUntil` (a crash mid-send retries after the lease). Only one caller wins.
 */
export async function claimOutbox(db: Executor, id: string, attempts: number, leaseUntil: string): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set({ attempts: attempts + 1, next_attempt_at: leaseUntil })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('attempts', '=', attempts)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markOutboxSent(db: Executor, id: string, sentAt: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'sent', sent_at: sentAt, last_error: null }).where('id', '=', id).execute();
}

export async function markOutboxRetry(db: Executor, id: string, nextAttemptAt: string, error: string): Promise<void> {
  await db.updateTable('outbox').set({ next_attempt_at: nextAttemptAt, last_error: error }).where('id', '=', id).execute();
}

export async function markOutboxFailed(db: Executor, id: string, error: string): Promise<void> {
  await db.updateTable('outbox').set({ status: 'failed', last_error: error }).where('id', '=', id).execute();
}

export async function insertDeliveryAttempt(db: Executor, row: DeliveryAttemptRow): Promise<void> {
  await db.insertInto('delivery_attempts').values(row).execute();
}

export async function listDeliveryAttempts(db: Executor, outboxId: string): Promise<DeliveryAttemptRow[]> {
  return db.selectFrom('delivery_attempts').selectAll().where('outbox_id', '=', outboxId).orderBy('attempt').execute();
}
