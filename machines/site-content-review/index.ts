/** The periodic review of the site's mandatory content (п. 9) — `site-content-review`: the procedure module. */
import { defineProcedure } from '../runtime.js';
import {
  SiteContentReviewInput,
  siteContentReviewCreateRoles,
  siteContentReviewDeadlinePolicies,
  siteContentReviewEventRoles,
  siteContentReviewEventSchemas,
  siteContentReviewOptionalEvents,
  siteContentReviewUnitEvents,
  type SiteContentReviewDeadlineKey,
  type SiteContentReviewEventType,
} from './site-content-review.events.js';
import { createSiteContentReviewMachine, siteContentReviewValidators } from './site-content-review.machine.js';

export * from './site-content.kinds.js';
export * from './site-content-review.events.js';
export * from './site-content-review.machine.js';
export * from './site-content-review.context.js';

export const id = 'site-content-review' as const;
/** Bump on every behavioural change; cases stay on the version they were created with. */
export const VERSION = '1.0.0';

export const siteContentReview = defineProcedure<SiteContentReviewEventType, SiteContentReviewDeadlineKey>({
  id,
  version: VERSION,
  title: 'The review of the site’s mandatory content (п. 9)',
  inputSchema: SiteContentReviewInput,
  createRoles: siteContentReviewCreateRoles,
  eventSchemas: siteContentReviewEventSchemas,
  eventRoles: siteContentReviewEventRoles,
  deadlinePolicies: siteContentReviewDeadlinePolicies,
  /** The press secretary, who controls the site (п. 15), corrects a correctable field besides its sender. */
  correctRoles: ['press_secretary'],
  build: createSiteContentReviewMachine,
  validators: siteContentReviewValidators,
  optional: siteContentReviewOptionalEvents,
  unitEvents: siteContentReviewUnitEvents,
});
