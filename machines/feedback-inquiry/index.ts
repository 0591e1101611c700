/** P3 — `feedback-inquiry`: the procedure module. */
import { defineProcedure } from '../runtime.js';
import {
  FeedbackInquiryInput,
  feedbackInquiryCreateRoles,
  feedbackInquiryDeadlinePolicies,
  feedbackInquiryEventRoles,
  feedbackInquiryEventSchemas,
  feedbackInquiryOptionalEvents,
  feedbackInquiryUnitEvents,
  type FeedbackInquiryDeadlineKey,
  type FeedbackInquiryEventType,
} from './feedback-inquiry.events.js';
import { createFeedbackInquiryMachine, feedbackInquiryValidators, type FeedbackInquiryContext } from './feedback-inquiry.machine.js';

export * from './feedback-inquiry.events.js';
export * from './feedback-inquiry.machine.js';

export const id = 'feedback-inquiry' as const;
/** Bump on every behavioural change (P5 included); cases stay on the version they were created with. */
export const VERSION = '1.0.0';

export const feedbackInquiry = defineProcedure<FeedbackInquiryEventType, FeedbackInquiryDeadlineKey>({
  id,
  version: VERSION,
  title: 'P3 — a question through the feedback form on the site (п. 35–40)',
  inputSchema: FeedbackInquiryInput,
  createRoles: feedbackInquiryCreateRoles,
  eventSchemas: feedbackInquiryEventSchemas,
  eventRoles: feedbackInquiryEventRoles,
  deadlinePolicies: feedbackInquiryDeadlinePolicies,
  /** Corrects any correctable field besides the sender of the original: the supervisor, who routes and approves the case (п. 37, 39). */
  correctRoles: ['supervisor'],
  build: createFeedbackInquiryMachine,
  validators: feedbackInquiryValidators,
  optional: feedbackInquiryOptionalEvents,
  unitEvents: feedbackInquiryUnitEvents,
  unavailable: (ctx: FeedbackInquiryContext) => (ctx.kind === 'question' ? ['note_proposal'] : []),
});
