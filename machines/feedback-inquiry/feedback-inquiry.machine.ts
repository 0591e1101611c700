/**
 * P3 — a question through the feedback form on the site (п. 35–40), with P5 invoked for
 * a question outside the competence (п. 48).
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { DeadlinePolicy, EventMeta, MachineDeps } from '../contract.js';
import type { EffectEvent } from '../common/effects.js';
import { openAfter } from '../common/deadlines.js';
import {
  ROOT_HANDLERS,
  sharedParentActions,
  closeKey,
  type DeadlineOpsEvent,
  type Deadlines,
} from '../common/parent.js';
import type { UndeliveredMessage } from '../common/record-events.js';
import type { CreationInput, Validator } from '../runtime.js';
import {
  redirectionParentActions,
  redirectionParentGuards,
  redirectionState,
  type RedirectRecord,
  type RedirectionRecord,
} from '../redirection/parent.js';
import { createRedirectionMachine } from '../redirection/redirection.machine.js';
import { claimRefusal, reassignRefusal, takeCase } from '../common/assignee.js';
import {
  MAX_EXTENSION_DAYS,
  feedbackInquiryDeadlinePolicies,
  type FeedbackInquiryDeadlineKey,
  type FeedbackInquiryEvent,
  type FeedbackInquiryInput,
  type FeedbackInquiryPayload,
} from './feedback-inquiry.events.js';

export const FEEDBACK_INQUIRY_MACHINE_ID = 'feedback-inquiry';

export interface FeedbackInquiryContext {
  applicant: FeedbackInquiryInput['applicant'];
  language: FeedbackInquiryInput['language'];
  kind: FeedbackInquiryInput['kind'];
  text: string;
  receivedAt: Instant;
  createdBy: EventMeta['actor'];
  registrationNumber?: string;
  /** The responsible unit (`assign`, `reassign`); the engine copies it to the case record. */
  unit?: string;
  /** The person of the unit who took the case (`claim`, `reassign`); absent: the whole unit's. */
  assignee?: string;
  extensions: Array<{ days: number; reason: string; applicantReason?: string; at: Instant }>;
  /** Sum of all extensions, ≤ 30 (п. 39). */
  extensionDays: number;
  answer?: FeedbackInquiryPayload<'submit_answer'> & { submittedAt: Instant; approvedAt?: Instant };
  returns: Array<{ comment: string; at: Instant }>;
  noted?: { comment?: string; at: Instant };
  redirection?: RedirectionRecord;
  redirects: RedirectRecord[];
  deadlines: Deadlines;
  /** Finally failed messages not yet resent or delivered (common/record-events.ts). */
  undelivered?: UndeliveredMessage[];
}

type Ev = FeedbackInquiryEvent | DeadlineOpsEvent | EffectEvent;

/** Messages for refused events (the same checks as the guard `valid`). */
export const feedbackInquiryValidators: Record<string, Validator> = {
  extend: (ctx: FeedbackInquiryContext, ev: Extract<FeedbackInquiryEvent, { type: 'extend' }>) => {
    const left = MAX_EXTENSION_DAYS - ctx.extensionDays;
    if (ev.payload.days > left) {
      return left === 0
        ? `The review term has already been extended by ${ctx.extensionDays} days, the most п. 39 allows (${MAX_EXTENSION_DAYS} in total); no days remain. Answer within the current term.`
        : `An extension of ${ev.payload.days} days exceeds the limit of п. 39: the term has been extended by ${ctx.extensionDays} of ${MAX_EXTENSION_DAYS} days, ${left} days remain. Send "days" ≤ ${left}.`;
    }
    const review = ctx.deadlines.review;
    if (review && Date.parse(ev.occurredAt) >= Date.parse(review.dueAt)) {
      return `The review term ended at ${review.dueAt} (last day ${review.lastDay}); п. 39 extends a term that is still running; a term that has ended cannot be extended.`;
    }
    return null;
  },
  submit_answer: (ctx: FeedbackInquiryContext, ev: Extract<FeedbackInquiryEvent, { type: 'submit_answer' }>) => {
    if (ctx.kind === 'question' && ev.payload.citations.length === 0) {
      return 'An answer to a question must cite the legislation of the Republic of Kazakhstan (п. 40): add at least one entry to "citations".';
    }
    if (ev.payload.language !== ctx.language) {
      return `The answer must be in the language of the question (п. 40): "${ctx.language}", not "${ev.payload.language}".`;
    }
    return null;
  },
  claim: (ctx: FeedbackInquiryContext, ev: Extract<FeedbackInquiryEvent, { type: 'claim' }>) => claimRefusal(ctx, ev),
  reassign: (ctx: FeedbackInquiryContext, ev: Extract<FeedbackInquiryEvent, { type: 'reassign' }>) => reassignRefusal(ctx, ev),
  note_proposal: (ctx: FeedbackInquiryContext) =>
    ctx.kind === 'proposal'
      ? null
      : 'Only a proposal may be noted (п. 40: «принимаются к сведению»); a question needs a reasoned answer: use submit_answer.',
};

const valid = ({ context, event }: { context: FeedbackInquiryContext; event: Ev }) =>
  (feedbackInquiryValidators[event.type]?.(context, event) ?? null) === null;

/**
 * Builds P3 with calendar arithmetic bound to `deps`; effects are emitted (common/effects.ts).
 * `P`: the deadline policies it counts with (the Rules' by default; an amended edition of the
 * procedure passes its own, with its own version: machines/common/migration.ts).
 */
export function createFeedbackInquiryMachine(
  deps: MachineDeps,
  P: Record<FeedbackInquiryDeadlineKey, DeadlinePolicy> = feedbackInquiryDeadlinePolicies,
) {
  const reviewTerm = (receivedAt: Instant, extensionDays: number) =>
    openAfter(deps, P.review, receivedAt, P.review.amount + extensionDays);

  return setup({
    types: {} as {
      context: FeedbackInquiryContext;
      events: Ev;
      input: CreationInput<FeedbackInquiryInput>;
      emitted: EffectEvent;
    },
    actors: { redirection: createRedirectionMachine(deps) },
    guards: { valid, ...redirectionParentGuards },
    actions: {
      ...sharedParentActions(deps),
      queueAcknowledgement: emit(({ context }): EffectEvent => {
        const review = context.deadlines.review!;
        return {
          type: 'effect',
          effect: {
            kind: 'mail',
            template: 'acknowledgement',
            to: context.applicant,
            language: context.language,
            data: {
              receivedAt: context.receivedAt,
              kind: context.kind,
              text: context.text,
              reviewDays: P.review.amount,
              reviewLastDay: review.lastDay,
              reviewDueAt: review.dueAt,
            },
          },
        };
      }),
      register: assign({
        registrationNumber: ({ context, event }) =>
          event.type === 'register' ? event.payload.registrationNumber : context.registrationNumber,
      }),
      // A (new) unit's case is nobody's in particular until one of its people takes it.
      assignUnit: assign(({ context, event }) => (event.type === 'assign' ? { unit: event.payload.unit, assignee: undefined } : { unit: context.unit })),
      takeCase: assign(({ context, event }) => takeCase(context, event)),
      extend: assign(({ context, event }) => {
        if (event.type !== 'extend') return {};
        const extensionDays = context.extensionDays + event.payload.days;
        const old = context.deadlines.review!;
        const review = {
          ...reviewTerm(context.receivedAt, extensionDays),
          ...(old.observedMissedAt ? { observedMissedAt: old.observedMissedAt } : {}),
        };
        // A notice still owed for an earlier extension keeps its (earlier) due date: the next
        // notice delivered states the current term and so answers both decisions, and
        // moving the due date later would hide a late first notice (п. 39: 3 days from
        // each decision).
        const owed = context.deadlines.extension_notice;
        return {
          extensionDays,
          extensions: [...context.extensions, { ...event.payload, at: event.occurredAt }],
          deadlines: {
            ...context.deadlines,
            review,
            extension_notice: owed?.open ? owed : openAfter(deps, P.extension_notice, event.occurredAt),
          },
        };
      }),
      queueExtensionNotice: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'extend') return;
        const review = context.deadlines.review!;
        enqueue.emit({
          type: 'effect',
          effect: {
            kind: 'mail',
            template: 'extension_notice',
            to: context.applicant,
            language: context.language,
            data: {
              registrationNumber: context.registrationNumber,
              days: event.payload.days,
              totalExtensionDays: context.extensionDays,
              // `reason` is the chairman's internal one: only `applicantReason` reaches the mail.
              ...(event.payload.applicantReason ? { applicantReason: event.payload.applicantReason } : {}),
              decidedAt: event.occurredAt,
              reviewLastDay: review.lastDay,
              reviewDueAt: review.dueAt,
            },
            closesDeadline: 'extension_notice',
          },
        });
      }),
      recordAnswer: assign({
        answer: ({ context, event }) =>
          event.type === 'submit_answer' ? { ...event.payload, submittedAt: event.occurredAt } : context.answer,
      }),
      recordReturn: assign({
        returns: ({ context, event }) =>
          event.type === 'return_answer'
            ? [...context.returns, { comment: event.payload.comment, at: event.occurredAt }]
            : context.returns,
      }),
      closeReview: assign({
        deadlines: ({ context, event }) =>
          'occurredAt' in event ? closeKey(deps, context.deadlines, 'review', event.occurredAt) : context.deadlines,
      }),
      approveAnswer: assign({
        answer: ({ context, event }) => (context.answer ? { ...context.answer, approvedAt: (event as FeedbackInquiryEvent).occurredAt } : undefined),
      }),
      queueAnswer: emit(({ context }): EffectEvent => {
        // Entered from `answer_review`, which only `submit_answer` (recording the answer) leads to.
        const answer = context.answer!;
        return {
          type: 'effect',
          effect: {
            kind: 'mail',
            template: 'answer',
            to: context.applicant,
            language: context.language,
            data: {
              registrationNumber: context.registrationNumber,
              question: context.text,
              text: answer.text,
              citations: answer.citations,
              unit: context.unit,
            },
          },
        };
      }),
      noteProposal: assign({
        noted: ({ context, event }) =>
          event.type === 'note_proposal'
            ? { ...(event.payload.comment ? { comment: event.payload.comment } : {}), at: event.occurredAt }
            : context.noted,
      }),
      ...redirectionParentActions('review'),
    },
  }).createMachine({
    id: FEEDBACK_INQUIRY_MACHINE_ID,
    description: 'P3 — a question through the feedback form on the site (п. 35–40).',
    context: ({ input: { input, meta } }) => {
      const receivedAt = input.receivedAt ?? meta.occurredAt;
      return {
        applicant: input.applicant,
        language: input.language,
        kind: input.kind,
        text: input.text,
        receivedAt,
        createdBy: meta.actor,
        extensions: [],
        extensionDays: 0,
        returns: [],
        redirects: [],
        deadlines: { review: reviewTerm(receivedAt, 0) },
      };
    },
    entry: 'queueAcknowledgement',
    // `message_delivered` closes the extension notice here as in every procedure, in any
    // state (common/record-events.ts), with the deadline the outbox row names.
    on: { ...ROOT_HANDLERS },
    initial: 'received',
    states: {
      received: {
        description: 'Received from the site; the acknowledgement is queued (п. 36). ЦАР registers it (п. 37).',
        meta: { deadlines: [P.review, P.extension_notice] },
        on: {
          register: { target: 'registered', actions: 'register' },
          extend: { guard: 'valid', actions: ['extend', 'queueExtensionNotice'] },
        },
      },
      registered: {
        description: 'Registered in the EDMS; the supervisor’s resolution names the unit (п. 37).',
        meta: { deadlines: [P.review, P.extension_notice] },
        on: {
          assign: { target: 'in_review', actions: 'assignUnit' },
          extend: { guard: 'valid', actions: ['extend', 'queueExtensionNotice'] },
          note_proposal: { guard: 'valid', target: 'noted', actions: ['noteProposal', 'closeReview'] },
        },
      },
      in_review: {
        description: 'The unit considers it (п. 38) and drafts the answer, or finds it outside the competence (п. 48).',
        meta: { deadlines: [P.review, P.extension_notice] },
        on: {
          submit_answer: { guard: 'valid', target: 'answer_review', actions: 'recordAnswer' },
          redirect: { target: 'redirection', actions: ['recordRedirect', 'closeReview'] },
          claim: { guard: 'valid', actions: 'takeCase' },
          reassign: { guard: 'valid', actions: 'takeCase' },
          extend: { guard: 'valid', actions: ['extend', 'queueExtensionNotice'] },
          note_proposal: { guard: 'valid', target: 'noted', actions: ['noteProposal', 'closeReview'] },
        },
      },
      answer_review: {
        description: 'The supervisor approves the answer (п. 39) or returns it to the unit.',
        meta: { deadlines: [P.review, P.extension_notice] },
        on: {
          return_answer: { target: 'in_review', actions: 'recordReturn' },
          approve_answer: { target: 'answered', actions: ['approveAnswer', 'closeReview', 'queueAnswer'] },
          claim: { guard: 'valid', actions: 'takeCase' },
          reassign: { guard: 'valid', actions: 'takeCase' },
          extend: { guard: 'valid', actions: ['extend', 'queueExtensionNotice'] },
          note_proposal: { guard: 'valid', target: 'noted', actions: ['noteProposal', 'closeReview'] },
        },
      },
      redirection: redirectionState((context: FeedbackInquiryContext) => ({
        kind: 'mail',
        to: context.applicant,
        language: context.language,
      })),
      answered: { type: 'final', description: 'The approved answer is sent to the applicant (п. 39–40).' },
      noted: { type: 'final', description: 'The proposal is taken into account (п. 40).' },
      redirected: { type: 'final', description: 'Forwarded to the competent body; the applicant is notified (п. 48).' },
    },
  });
}

export type FeedbackInquiryMachine = ReturnType<typeof createFeedbackInquiryMachine>;
