/**
 * The registry of procedures. `procedures[id]` is what the engine and the HTTP layer use;
 * the typed helpers below keep event types and deadline keys checked by the compiler.
 */
import type { DeadlinePolicy, ProcedureId, ProcedureModule, Role } from './contract.js';
import { appearance, type AppearanceDeadlineKey, type AppearanceEventType } from './appearance/index.js';
import type { ProcedureMigration } from './common/migration.js';
import {
  blogQuestion,
  blogQuestionLegacy,
  type BlogQuestionDeadlineKey,
  type BlogQuestionEventType,
} from './blog-question/index.js';
import {
  feedbackInquiry,
  type FeedbackInquiryDeadlineKey,
  type FeedbackInquiryEventType,
} from './feedback-inquiry/index.js';
import { publication, type PublicationDeadlineKey, type PublicationEventType } from './publication/index.js';
import {
  siteContentReview,
  type SiteContentReviewDeadlineKey,
  type SiteContentReviewEventType,
} from './site-content-review/index.js';

import { employeePost, type EmployeePostDeadlineKey, type EmployeePostEventType } from './employee-post/index.js';

export { appearance, blogQuestion, employeePost, feedbackInquiry, publication, siteContentReview };
export type { TypedProcedureModule } from './runtime.js';

/** Event types and deadline keys of each procedure. */
export interface ProcedureTypes {
  publication: { event: PublicationEventType; deadline: PublicationDeadlineKey };
  'feedback-inquiry': { event: FeedbackInquiryEventType; deadline: FeedbackInquiryDeadlineKey };
  'blog-question': { event: BlogQuestionEventType; deadline: BlogQuestionDeadlineKey };
  'site-content-review': { event: SiteContentReviewEventType; deadline: SiteContentReviewDeadlineKey };
  appearance: { event: AppearanceEventType; deadline: AppearanceDeadlineKey };
  'employee-post': { event: EmployeePostEventType; deadline: EmployeePostDeadlineKey };
}
export type EventTypeOf<P extends ProcedureId> = ProcedureTypes[P]['event'];
export type DeadlineKeyOf<P extends ProcedureId> = ProcedureTypes[P]['deadline'];

const typed = {
  publication,
  'feedback-inquiry': feedbackInquiry,
  'blog-question': blogQuestion,
  'site-content-review': siteContentReview,
  appearance,
  'employee-post': employeePost,
} as const;

export const procedures: Record<ProcedureId, ProcedureModule> = typed;

/**
 * The older versions still needed by the cases pinned to them: pass as the engine's (and
 * the audit store's) `legacyModules`, or those cases can be neither read nor replayed.
 */
export const legacyProcedures: ProcedureModule[] = [...blogQuestionLegacy];

/**
 * The migrations between versions (machines/common/migration.ts): what `npm run
 * migrate-cases` offers, and what a history that went through one needs to be replayed.
 * Pass as the engine's (and the audit store's) `migrations`. Keep every one that was
 * applied, with both its versions (the old one among `legacyProcedures`). None yet: no
 * amendment of the Rules has been migrated.
 */
export const procedureMigrations: readonly ProcedureMigration[] = [];

/** The module of a procedure id; `undefined` for an id that is not registered (HTTP input). */
export function getProcedure<P extends ProcedureId>(id: P): (typeof typed)[P];
export function getProcedure(id: string): ProcedureModule | undefined;
export function getProcedure(id: string): ProcedureModule | undefined {
  return Object.prototype.hasOwnProperty.call(procedures, id) ? procedures[id as ProcedureId] : undefined;
}

/** The deadline policy of `key` in procedure `p`; an unknown key does not compile. */
export function deadlinePolicy<P extends ProcedureId>(p: P, key: DeadlineKeyOf<P>): DeadlinePolicy {
  return (procedures[p].deadlinePolicies as Record<string, DeadlinePolicy>)[key]!;
}

/** The roles that may send `type` in procedure `p`; an unknown type does not compile. */
export function eventRoles<P extends ProcedureId>(p: P, type: EventTypeOf<P>): Role[] {
  return procedures[p].eventRoles[type]!;
}
