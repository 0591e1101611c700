/**
 * Type tests (not run by vitest; checked by `npx tsc --noEmit -p tsconfig.json`):
 * unknown event types and deadline keys must not compile.
 */
import { deadlinePolicy, eventRoles, getProcedure, type DeadlineKeyOf, type EventTypeOf } from '../../machines/index.js';
import type { FeedbackInquiryDeadlineKey, FeedbackInquiryEventType } from '../../machines/feedback-inquiry/index.js';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { publication } from '../../machines/publication/index.js';

export const okEvent: EventTypeOf<'feedback-inquiry'> = 'extend';
export const okKey: DeadlineKeyOf<'blog-question'> = 'to_chairman';
export const okPolicy = deadlinePolicy('publication', 'translation');
export const okRoles = eventRoles('blog-question', 'return_for_rework');
export const okModuleRoles = feedbackInquiry.eventRoles.message_delivered;
export const okGet = getProcedure('feedback-inquiry').deadlinePolicies.extension_notice;

// @ts-expect-error — not an event of P3
export const badEvent: FeedbackInquiryEventType = 'approve';
// @ts-expect-error — not a deadline key of P3
export const badKey: FeedbackInquiryDeadlineKey = 'posting';
// @ts-expect-error — `posting` is P1's and P4's, not P3's
export const badPolicy = deadlinePolicy('feedback-inquiry', 'posting');
// @ts-expect-error — `extend` is P3 only
export const badRoles = eventRoles('publication', 'extend');
// @ts-expect-error — unknown procedure id
export const badProcedure: EventTypeOf<'press-release'> = 'post';
// @ts-expect-error — P1 has no `review` deadline
export const badModulePolicy = publication.deadlinePolicies.review;
// @ts-expect-error — typo in an event type
export const badModuleRoles = getProcedure('blog-question').eventRoles.aprove;
