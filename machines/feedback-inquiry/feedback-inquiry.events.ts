/** P3 — a question through the feedback form (п. 35–40): schemas, roles, deadline policies. */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import {
  COMMENT_ROLES,
  CommentPayload,
  InstantSchema,
  LanguageSchema,
  NonEmpty,
  deadlineMissedPayload,
  type EnvelopesOf,
} from '../common/events.js';
import { Correctable } from '../common/corrections.js';
import { NOTICE_DEADLINES, recordEventRoles, recordEventSchemas, recordNoticeSchemas, recountEventRoles, recountEventSchemas } from '../common/record-events.js';
import {
  REDIRECTION_DEADLINE_KEYS,
  RedirectPayload,
  redirectionDeadlinePolicies,
  redirectionEventRoles,
  redirectionEventSchemas,
} from '../redirection/redirection.events.js';

export const FeedbackInquiryInput = Type.Object({
  applicant: Type.Object({
    name: Correctable(NonEmpty('applicant name')),
    email: Correctable(Type.String({ format: 'email', minLength: 3 })),
  }),
  language: LanguageSchema,
  kind: Type.Union([Type.Literal('question'), Type.Literal('proposal')]),
  text: NonEmpty('the question or proposal'),
  receivedAt: Type.Optional(InstantSchema),
});
export type FeedbackInquiryInput = Static<typeof FeedbackInquiryInput>;

export const FEEDBACK_DEADLINE_KEYS = ['review', 'extension_notice', ...REDIRECTION_DEADLINE_KEYS] as const;
export type FeedbackInquiryDeadlineKey = (typeof FEEDBACK_DEADLINE_KEYS)[number];

export const feedbackInquiryEventSchemas = {
  register: Type.Object({ registrationNumber: Correctable(NonEmpty('EDMS registration number')) }),
  assign: Type.Object({ unit: Correctable(NonEmpty('the responsible unit (one of the configured units)')) }),
  claim: Type.Object({}),
  reassign: Type.Object({
    to: NonEmpty('the user name of the person who takes the case over'),
    unit: Type.Optional(NonEmpty('another responsible unit (supervisor only)')),
  }),
  extend: Type.Object({
    days: Type.Integer({ minimum: 1, maximum: 30, description: 'calendar days added to the review term' }),
    reason: NonEmpty('why extra study or checking is needed (internal: never sent to the applicant)'),
    applicantReason: Type.Optional(
      NonEmpty('the reason as the applicant is told it, in their language; absent: the standard sentence of п. 39'),
    ),
  }),
  submit_answer: Type.Object({
    text: NonEmpty('the answer'),
    citations: Type.Array(NonEmpty('a cited act'), { description: 'cited legislation (п. 40)' }),
    language: LanguageSchema,
  }),
  return_answer: Type.Object({ comment: NonEmpty('what to change') }),
  approve_answer: Type.Object({}),
  note_proposal: Type.Object({ comment: Type.Optional(Type.String()) }),
  redirect: RedirectPayload,
  ...redirectionEventSchemas,
  comment: CommentPayload,
  ...recordEventSchemas(FEEDBACK_DEADLINE_KEYS),
  ...recordNoticeSchemas(NOTICE_DEADLINES),
  deadline_missed: deadlineMissedPayload(FEEDBACK_DEADLINE_KEYS),
  ...recountEventSchemas(FEEDBACK_DEADLINE_KEYS),
} as const;
export type FeedbackInquiryEventType = keyof typeof feedbackInquiryEventSchemas;
export type FeedbackInquiryEvent = EnvelopesOf<typeof feedbackInquiryEventSchemas>;
export type FeedbackInquiryPayload<T extends FeedbackInquiryEventType> = Static<(typeof feedbackInquiryEventSchemas)[T]>;

export const feedbackInquiryCreateRoles: Role[] = ['car', 'system'];
export const feedbackInquiryEventRoles: Record<FeedbackInquiryEventType, Role[]> = {
  register: ['car'],
  assign: ['supervisor'],
  // A person of the unit takes the case; the supervisor (who names the unit, п. 37) or the
  // person who took it hands it over.
  claim: ['unit'],
  reassign: ['supervisor', 'unit'],
  extend: ['chairman'],
  submit_answer: ['unit'],
  return_answer: ['supervisor'],
  approve_answer: ['supervisor'],
  note_proposal: ['supervisor'],
  ...redirectionEventRoles,
  comment: COMMENT_ROLES,
  // ЦАР answers the applicant's mail (п. 36–37): it resends what failed.
  ...recordEventRoles(['car']),
  // ЦАР answers the applicant (п. 37, 39); the press secretary gives P5's notice (п. 48).
  record_notice: ['car', 'press_secretary'],
  deadline_missed: ['system'],
  ...recountEventRoles,
};

/** Possible at any time of the review but never waited for: they queue no case (an extension, taking a case). */
export const feedbackInquiryOptionalEvents: FeedbackInquiryEventType[] = ['extend', 'claim', 'reassign', 'record_notice'];
/** Events whose `unit` must be a configured unit. */
export const feedbackInquiryUnitEvents: FeedbackInquiryEventType[] = ['assign', 'reassign'];

/** The most the review term may be extended in total (п. 39). */
export const MAX_EXTENSION_DAYS = 30;

export const feedbackInquiryDeadlinePolicies: Record<FeedbackInquiryDeadlineKey, DeadlinePolicy> = {
  review: {
    key: 'review',
    rule: 'п. 38, 39',
    amount: 15,
    unit: 'calendar_days',
    reading: 'calendar',
    from: 'receipt of the question',
    direction: 'after',
    description:
      'The unit considers the question; an extension (≤ 30 calendar days in total) lengthens the period counted from receipt.',
  },
  extension_notice: {
    key: 'extension_notice',
    rule: 'п. 39',
    amount: 3,
    unit: 'calendar_days',
    reading: 'calendar',
    from: 'the decision to extend',
    direction: 'after',
    description: 'The applicant is told of the extension; met when the notice e-mail is delivered.',
  },
  ...redirectionDeadlinePolicies,
};
