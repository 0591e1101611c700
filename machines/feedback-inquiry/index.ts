/** P3 — `feedback-inquiry`: the procedure module. */
import { defineProcedure, type ProcedureDefinition } from '../runtime.js';
import {
  FeedbackInquiryInput,
  MAX_EXTENSION_DAYS,
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
export * from './feedback-inquiry.context.js';

export const id = 'feedback-inquiry' as const;
/** Bump on every behavioural change (P5 included); cases stay on the version they were created with. */
export const VERSION = '1.0.0';

/**
 * The definition the module is made of: an amended edition (another version, other deadline
 * policies, `build` counting with them) is made from it (machines/common/migration.ts).
 */
export const feedbackInquiryDefinition: ProcedureDefinition<FeedbackInquiryEventType, FeedbackInquiryDeadlineKey> = {
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
  build: (deps) => createFeedbackInquiryMachine(deps),
  validators: feedbackInquiryValidators,
  optional: feedbackInquiryOptionalEvents,
  unitEvents: feedbackInquiryUnitEvents,
  // `extend` stays in the states' transitions (a request is refused with the reason); it is
  // not offered once the 30 days of п. 39 are used, so no one is waiting on the chairman.
  // Listing only: the machine's steps are unchanged, so no version bump.
  unavailable: (ctx: FeedbackInquiryContext) => [
    ...(ctx.kind === 'question' ? (['note_proposal'] as const) : []),
    ...(ctx.extensionDays >= MAX_EXTENSION_DAYS ? (['extend'] as const) : []),
  ],
};

export const feedbackInquiry = defineProcedure(feedbackInquiryDefinition);
