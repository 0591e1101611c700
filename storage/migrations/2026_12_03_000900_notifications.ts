import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * Reminders, escalations and digests to staff (issue 15 §1). Frozen: never edit, add a new file.
 *
 * - `reminders`: the schedule of staff reminders, a function of the open deadlines and the
 *   notification policy (engine/notifications/schedule.ts), written in the unit of work
 *   that changed the deadlines. One row per (case, deadline key, policy slot): `due_at`
 *   the instant to remind, `deadline_due_at` the deadline's dueAt it was computed for;
 *   `status` scheduled → sent (claimed in the transaction that queues the mail and records
 *   `reminder_queued`) or skipped (the deadline closed or passed first, or a later slot
 *   superseded it) or cancelled (the deadline closed or moved). The worker walks
 *   `reminders_due (status, due_at)`.
 * - `outbox` rebuilt with a nullable `case_id`: a daily digest belongs to a person, not to
 *   a case. SQLite cannot drop a NOT NULL in place; the table is copied (rows, ids and
 *   order kept) and so is `delivery_attempts`, whose foreign key names `outbox` (with
 *   foreign keys on, the old `outbox` cannot be dropped while rows refer to it): the new
 *   attempts table refers to `outbox_new`, which the rename to `outbox` carries along. Staff mail
 *   has `kind = 'staff_mail'`: it never waits behind, nor holds back, a case's mail to the
 *   applicant (storage/repositories/outbox.ts). PostgreSQL: `ALTER COLUMN case_id DROP NOT NULL`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reminders')
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('deadline_due_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('scheduled', 'sent', 'skipped', 'cancelled')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reminders_pk', ['case_id', 'key', 'slot'])
    .execute();
  await db.schema.createIndex('reminders_due').on('reminders').columns(['status', 'due_at']).execute();
  if (isPostgres(db)) {
    await db.schema.alterTable('outbox').alterColumn('case_id', (c) => c.dropNotNull()).execute();
    return;
  }

  await db.schema
    .createTable('outbox_new')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.references('cases.id'))
    .addColumn('event_seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('template', 'text')
    .addColumn('recipient', 'text')
    .addColumn('language', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'sent', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('closes_deadline', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('resent_at_attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into outbox_new (id, case_id, event_seq, kind, template, recipient, language, payload, status, attempts, next_attempt_at, last_error, closes_deadline, created_at, sent_at, resent_at_attempt)
    select id, case_id, event_seq, kind, template, recipient, language, payload, status, attempts, next_attempt_at, last_error, closes_deadline, created_at, sent_at, resent_at_attempt from outbox order by rowid`.execute(db);
  // It refers to the new table: renaming `outbox_new` to `outbox` renames the reference too,
  // and the old `outbox` is referred to by nothing once the old attempts are dropped.
  await db.schema
    .createTable('delivery_attempts_new')
    .addColumn('outbox_id', 'text', (c) => c.notNull().references('outbox_new.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('sent', 'failed')`))
    .addColumn('error', 'text')
    .addColumn('response', 'text')
    .addPrimaryKeyConstraint('delivery_attempts_pk', ['outbox_id', 'attempt'])
    .execute();
  await sql`insert into delivery_attempts_new select outbox_id, attempt, started_at, finished_at, outcome, error, response from delivery_attempts order by rowid`.execute(db);
  await db.schema.dropTable('delivery_attempts').execute();
  await db.schema.dropTable('outbox').execute();
  await db.schema.alterTable('outbox_new').renameTo('outbox').execute();
  await db.schema.alterTable('delivery_attempts_new').renameTo('delivery_attempts').execute();
  await db.schema.createIndex('outbox_status_next').on('outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('outbox_case').on('outbox').columns(['case_id']).execute();
}
