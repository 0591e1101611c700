/**
 * A machine's effect as the outbox message stored with its step. Mail is rendered when
 * queued, so the outbox shows exactly what is sent; its id `caseId:seq:index` is stable,
 * and the Message-ID derived from it lets a receiver recognise a resend after a crash.
 * A `resend` effect (staff's `resend_message`) stores no new message: it puts the case's
 * failed one back in the queue, same id and Message-ID, its attempts so far kept, addressed
 * to the case's applicant as they are now (a corrected address).
 */
import type { Effect } from '../machines/contract.js';
import type { OutboxRecord, OutboxRepository } from '../storage/index.js';
import { EngineError } from './errors.js';
import { renderMail } from './mail-templates.js';

/**
 * Stores the outbox side of one effect in the step's unit of work; true when it queued
 * mail for the outbox worker (a new message or a resent one).
 */
export async function queueEffect(outbox: OutboxRepository, caseId: string, seq: number, index: number, effect: Effect, now: string): Promise<boolean> {
  if (effect.kind === 'resend') {
    // The machine checked that the message is undelivered; the row says whether it failed.
    if (!(await outbox.requeue(effect.messageId, caseId, now, effect.to))) {
      throw new EngineError('invalid_request', `message ${effect.messageId} is not a failed message of this case: only a finally failed message can be resent`, {
        field: 'messageId',
      });
    }
    return true;
  }
  await outbox.insert(outboxRecord(caseId, seq, index, effect, now));
  return effect.kind === 'mail';
}

export function outboxRecord(caseId: string, seq: number, index: number, effect: Exclude<Effect, { kind: 'resend' }>, now: string): OutboxRecord {
  const id = `${caseId}:${seq}:${index}`;
  if (effect.kind === 'portal_notice') {
    // P4: the notice is posted on the portal by staff; the engine records it as sent.
    return {
      id,
      caseId,
      eventSeq: seq,
      kind: 'portal_notice',
      template: null,
      recipient: null,
      language: null,
      payloadJson: JSON.stringify({ data: effect.data }),
      status: 'sent',
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      closesDeadline: null,
      createdAt: now,
      sentAt: now,
    };
  }
  const rendered = renderMail(effect.template, effect.language, effect.to, effect.data);
  return {
    id,
    caseId,
    eventSeq: seq,
    kind: 'mail',
    template: effect.template,
    recipient: effect.to.email,
    language: effect.language,
    payloadJson: JSON.stringify({ to: effect.to, data: effect.data, subject: rendered.subject, text: rendered.text }),
    status: 'queued',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    closesDeadline: effect.closesDeadline ?? null,
    createdAt: now,
    sentAt: null,
  };
}
