/**
 * The periodic review of the site's mandatory content (п. 9): one case per kind of
 * information (site-content.kinds.ts) and period, opened by the engine for the kind's
 * responsible unit (engine/site-content.ts). Schemas, roles and the deadline policy.
 */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import { COMMENT_ROLES, CommentPayload, HttpUrlSchema, NonEmpty, deadlineMissedPayload, type EnvelopesOf } from '../common/events.js';
import { recordEventRoles, recordEventSchemas, recountEventRoles, recountEventSchemas } from '../common/record-events.js';
import { SITE_CONTENT_KIND_KEYS, type SiteContentKind } from './site-content.kinds.js';

export const SiteContentReviewInput = Type.Object({
  kind: Type.Unsafe<SiteContentKind>(
    Type.Union(SITE_CONTENT_KIND_KEYS.map((k) => Type.Literal(k)), { description: 'the kind of information of п. 9 reviewed' }),
  ),
  unit: NonEmpty('the unit responsible for the kind (the register’s, when the case was opened)'),
  period: Type.String({
    pattern: '^\\d{4}-(Q[1-4]|(0[1-9]|1[0-2]))$',
    description: 'the review period: a quarter (2026-Q1) or a month (2026-03), SITE_REVIEW_PERIOD',
  }),
  url: Type.Optional(HttpUrlSchema('the page the register names for the kind when the case was opened')),
});
export type SiteContentReviewInput = Static<typeof SiteContentReviewInput>;

export const SITE_REVIEW_DEADLINE_KEYS = ['review'] as const;
export type SiteContentReviewDeadlineKey = (typeof SITE_REVIEW_DEADLINE_KEYS)[number];

export const siteContentReviewEventSchemas = {
  claim: Type.Object({}),
  reassign: Type.Object({
    to: NonEmpty('the user name of the person who takes the review over'),
    unit: Type.Optional(NonEmpty('another responsible unit (press secretary only)')),
  }),
  confirm_present: Type.Object({ url: HttpUrlSchema('the page of the site where the information is, as checked') }),
  report_missing: Type.Object({ note: NonEmpty('what is missing or out of date, and what is being done about it') }),
  comment: CommentPayload,
  ...recordEventSchemas(SITE_REVIEW_DEADLINE_KEYS),
  deadline_missed: deadlineMissedPayload(SITE_REVIEW_DEADLINE_KEYS),
  ...recountEventSchemas(SITE_REVIEW_DEADLINE_KEYS),
} as const;
export type SiteContentReviewEventType = keyof typeof siteContentReviewEventSchemas;
export type SiteContentReviewEvent = EnvelopesOf<typeof siteContentReviewEventSchemas>;

/** Only the engine opens a review (the periodic worker); nobody creates one by hand. */
export const siteContentReviewCreateRoles: Role[] = ['system'];
export const siteContentReviewEventRoles: Record<SiteContentReviewEventType, Role[]> = {
  // The responsible unit checks its page; the press secretary, who controls the site
  // (п. 15), hands a review to another unit or person.
  claim: ['unit'],
  reassign: ['press_secretary', 'unit'],
  confirm_present: ['unit'],
  report_missing: ['unit'],
  comment: COMMENT_ROLES,
  // A review sends no mail; the press secretary would resend one.
  ...recordEventRoles(['press_secretary']),
  deadline_missed: ['system'],
  ...recountEventRoles,
};

/** Possible but never waited for: they queue no case. */
export const siteContentReviewOptionalEvents: SiteContentReviewEventType[] = ['claim', 'reassign'];
/** Events whose `unit` must be a configured unit. */
export const siteContentReviewUnitEvents: SiteContentReviewEventType[] = ['reassign'];

export const siteContentReviewDeadlinePolicies: Record<SiteContentReviewDeadlineKey, DeadlinePolicy> = {
  review: {
    key: 'review',
    // The Rules set no term for the check: an internal one (policy data, PROCEDURES.md "Beyond the card").
    rule: 'п. 9 (internal term)',
    amount: 10,
    unit: 'working_days',
    reading: 'working',
    from: 'the opening of the review',
    direction: 'after',
    description: 'The responsible unit checks that the site carries the kind of information and confirms the page or reports it missing.',
  },
};
