/**
 * The side effects a procedure machine asks for, typed per template: the data each mail
 * template renders from (engine/mail-templates.ts) is exactly what the machine puts in
 * the effect, and the engine stores that data with the rendered message in the outbox.
 *
 * Machines declare effects with XState's `emit()` of an `EffectEvent`; the runtime
 * (machines/runtime.ts) collects them with `actor.on('effect', …)` during one step.
 * An invoked child's emits reach only listeners on the child actor, so a child reports its
 * effect to the parent (`sendParent`), whose root handler re-emits it (common/parent.ts).
 *
 * Shapes and key order are stored bytes: outbox rows keep `JSON.stringify(data)`. Adding a
 * field changes new rows only; renaming or dropping one breaks nothing stored but must be
 * reflected here, in the renderer and in tests/engine/fixtures/mail-renderings.json.
 *
 * This file imports nothing from the contract (machines/contract.ts re-exports it).
 */
import type { Instant, IsoDate } from '../../calendars/types.js';

/** The applicant's language: of the question, the answer (п. 40) and every mail. */
export type Language = 'ru' | 'kk' | 'en';

/** Who a mail goes to. */
export interface Recipient {
  name: string;
  email: string;
}

/** P3 `acknowledgement` (п. 36), queued when the case is created. */
export interface AcknowledgementData {
  receivedAt: Instant;
  kind: 'question' | 'proposal';
  /** The applicant's question or proposal. */
  text: string;
  /** The review term in calendar days (п. 38). */
  reviewDays: number;
  reviewLastDay: IsoDate;
  reviewDueAt: Instant;
}

/** P3 `extension_notice` (п. 39), queued by each `extend`. */
export interface ExtensionNoticeData {
  /** Absent when the term is extended before registration. */
  registrationNumber?: string;
  /** Days this decision adds. */
  days: number;
  /** All extensions so far, this one included (≤ 30, п. 39). */
  totalExtensionDays: number;
  /**
   * What the applicant is told of the reason, in their language (`extend`'s optional
   * `applicantReason`); absent: the notice says the standard sentence of п. 39 in the
   * applicant's language. `extend`'s own `reason` is internal and never goes into a mail.
   */
  applicantReason?: string;
  decidedAt: Instant;
  /** The review term after the extension. */
  reviewLastDay: IsoDate;
  reviewDueAt: Instant;
}

/** P3 `answer` (п. 39–40), queued when the supervisor approves the answer. */
export interface AnswerData {
  registrationNumber?: string;
  /** The applicant's question. */
  question: string;
  /** The approved answer. */
  text: string;
  /** Cited legislation (п. 40); may be empty for a proposal. */
  citations: string[];
  unit?: string;
}

/** P5 `redirect_notice` (п. 48): the applicant told by e-mail (P3) where the question went. */
export interface RedirectNoticeData {
  organization: string;
  /** The forwarding's reference on the «Открытый диалог» portal. */
  reference: string;
  /** The unit's reason for the redirect. */
  reason: string;
  forwardedAt: Instant;
}

/** What P4 hands P5 for the portal notice: who asked, where. */
export interface PortalNoticeOrigin {
  channel: 'blog' | 'e-otinish';
  author: { name: string; contact?: string };
  language: Language;
  registrationNumber?: string;
}

/** P5 in P4: the author's notice on the portal (п. 48), the origin followed by the forwarding. */
export type PortalNoticeData = PortalNoticeOrigin & RedirectNoticeData;

/** The data of each mail template. */
export interface MailDataByTemplate {
  acknowledgement: AcknowledgementData;
  extension_notice: ExtensionNoticeData;
  answer: AnswerData;
  redirect_notice: RedirectNoticeData;
}
export type MailTemplate = keyof MailDataByTemplate;

/** A mail to the applicant; `template` decides the type of `data`. */
export type MailEffect<T extends MailTemplate = MailTemplate> = {
  [K in T]: {
    kind: 'mail';
    template: K;
    to: Recipient;
    language: Language;
    data: MailDataByTemplate[K];
    /** The deadline this message closes when delivered (e.g. `extension_notice`), if any. */
    closesDeadline?: string;
  };
}[T];

/** P4: the applicant's notice recorded as posted on the portal. */
export interface PortalNoticeEffect {
  kind: 'portal_notice';
  data: PortalNoticeData;
}

/**
 * Staff's `resend_message` (common/record-events.ts): the engine puts the case's finally
 * failed outbox message `messageId` back in the queue (engine/outbox-rows.ts); its delivery
 * attempts so far stay recorded.
 */
export interface ResendEffect {
  kind: 'resend';
  messageId: string;
  /**
   * The applicant as the case has them now (P3 `context.applicant`): a message is resent to
   * the corrected address when staff corrected it (`correct`), not to the one that failed.
   */
  to?: Recipient;
}

/** Side effects a transition asks for; the engine enqueues them in the same transaction. */
export type Effect = MailEffect | PortalNoticeEffect | ResendEffect;

/**
 * The event a machine emits for each effect (its `types.emitted`), and the internal event a
 * child sends its parent to have it emitted. Not in any `eventSchemas`: never accepted from
 * outside.
 */
export interface EffectEvent {
  type: 'effect';
  effect: Effect;
}
