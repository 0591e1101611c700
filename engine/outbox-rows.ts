/**
 * A machine's effect as the outbox message stored with its step. Mail is rendered when
 * queued, so the outbox shows exactly what is sent; its id `caseId:seq:index` is stable,
 * and the Message-ID derived from it lets a receiver recognise a resend after a crash.
 */
import type { Effect } from '../machines/contract.js';
import type { OutboxRecord } from '../storage/index.js';
import { renderMail } from './mail-templates.js';

export function outboxRecord(caseId: string, seq: number, index: number, effect: Effect, now: string): OutboxRecord {
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
