/**
 * A staff mail as an outbox row (`kind: 'staff_mail'`), rendered when queued like the
 * applicant's mail (engine/outbox-rows.ts), so the outbox shows exactly what is sent.
 * Delivered by the same outbox worker, in no case order: it neither waits for a case's
 * mail to the applicant nor holds it back. Its failure is the outbox's, not the case's
 * (no `message_failed`).
 */
import type { OutboxRecord } from '../../storage/index.js';
import type { StaffRecipient } from './directory.js';
import { PLAIN_STYLE, renderStaffMail, type StaffMail, type StaffMailStyle } from './staff-templates.js';

/** `style`: the deployment's links and deadline names (staff-templates.ts). */
export function staffOutboxRecord(id: string, caseId: string | null, seq: number, to: StaffRecipient, mail: StaffMail, now: string, style: StaffMailStyle = PLAIN_STYLE): OutboxRecord {
  const rendered = renderStaffMail(mail, to.language, style);
  return {
    id,
    caseId,
    eventSeq: seq,
    kind: 'staff_mail',
    template: mail.template,
    recipient: to.email,
    language: to.language,
    payloadJson: JSON.stringify({ to: { name: to.name, email: to.email }, data: mail.data, subject: rendered.subject, text: rendered.text }),
    status: 'queued',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    closesDeadline: null,
    createdAt: now,
    sentAt: null,
  };
}
