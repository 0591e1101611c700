/**
 * The review of one kind of the site's mandatory content (п. 9) for one period: the
 * responsible unit checks the site and either confirms the page (`confirm_present {url}`)
 * or reports the information missing (`report_missing {note}`). Both close the review
 * deadline (10 working days from the opening, policy data) and the case. The register's
 * "last reviewed" and the kind's compliance are read from the latest closed case
 * (engine/site-content.ts): nothing is written twice.
 */
import { assign, setup } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { EventMeta, MachineDeps } from '../contract.js';
import type { EffectEvent } from '../common/effects.js';
import { openAfter } from '../common/deadlines.js';
import { ROOT_HANDLERS, closeKey, sharedParentActions, type DeadlineOpsEvent, type Deadlines } from '../common/parent.js';
import type { UndeliveredMessage } from '../common/record-events.js';
import { claimRefusal, reassignRefusal, takeCase } from '../common/assignee.js';
import type { CreationInput, Validator } from '../runtime.js';
import type { SiteContentKind } from './site-content.kinds.js';
import {
  siteContentReviewDeadlinePolicies as P,
  type SiteContentReviewEvent,
  type SiteContentReviewInput,
} from './site-content-review.events.js';

export const SITE_CONTENT_REVIEW_MACHINE_ID = 'site-content-review';

export interface SiteContentReviewOutcome {
  result: 'present' | 'missing';
  url?: string;
  note?: string;
  at: Instant;
  by: EventMeta['actor'];
}

export interface SiteContentReviewContext {
  kind: SiteContentKind;
  period: string;
  /** The responsible unit (the case lands in its queue); `reassign` may change it. */
  unit: string;
  assignee?: string;
  /** The page the register named at the opening, if any. */
  url?: string;
  openedAt: Instant;
  createdBy: EventMeta['actor'];
  outcome?: SiteContentReviewOutcome;
  deadlines: Deadlines;
  undelivered?: UndeliveredMessage[];
}

type Ev = SiteContentReviewEvent | DeadlineOpsEvent | EffectEvent;

export const siteContentReviewValidators: Record<string, Validator> = {
  claim: (ctx: SiteContentReviewContext, ev: Extract<SiteContentReviewEvent, { type: 'claim' }>) => claimRefusal(ctx, ev),
  reassign: (ctx: SiteContentReviewContext, ev: Extract<SiteContentReviewEvent, { type: 'reassign' }>) => reassignRefusal(ctx, ev),
};

const valid = ({ context, event }: { context: SiteContentReviewContext; event: Ev }) =>
  (siteContentReviewValidators[event.type]?.(context, event) ?? null) === null;

export function createSiteContentReviewMachine(deps: MachineDeps) {
  return setup({
    types: {} as {
      context: SiteContentReviewContext;
      events: Ev;
      input: CreationInput<SiteContentReviewInput>;
      emitted: EffectEvent;
    },
    guards: { valid },
    actions: {
      ...sharedParentActions(deps),
      takeCase: assign(({ context, event }) => {
        const t = takeCase(context, event);
        return { ...(t.assignee !== undefined ? { assignee: t.assignee } : {}), ...(t.unit !== undefined ? { unit: t.unit } : {}) };
      }),
      confirm: assign(({ context, event }) =>
        event.type === 'confirm_present'
          ? {
              outcome: { result: 'present' as const, url: event.payload.url, at: event.occurredAt, by: event.actor },
              deadlines: closeKey(deps, context.deadlines, 'review', event.occurredAt),
            }
          : {},
      ),
      reportMissing: assign(({ context, event }) =>
        event.type === 'report_missing'
          ? {
              outcome: { result: 'missing' as const, note: event.payload.note, at: event.occurredAt, by: event.actor },
              deadlines: closeKey(deps, context.deadlines, 'review', event.occurredAt),
            }
          : {},
      ),
    },
  }).createMachine({
    id: SITE_CONTENT_REVIEW_MACHINE_ID,
    description: 'The periodic review of one kind of the site’s mandatory content (п. 9).',
    context: ({ input: { input, meta } }) => ({
      kind: input.kind,
      period: input.period,
      unit: input.unit,
      ...(input.url !== undefined ? { url: input.url } : {}),
      openedAt: meta.occurredAt,
      createdBy: meta.actor,
      deadlines: { review: openAfter(deps, P.review, meta.occurredAt) },
    }),
    on: { ...ROOT_HANDLERS },
    initial: 'in_review',
    states: {
      in_review: {
        description: 'The responsible unit checks that the site carries the kind of information (п. 9).',
        meta: { deadlines: [P.review] },
        on: {
          claim: { guard: 'valid', actions: 'takeCase' },
          reassign: { guard: 'valid', actions: 'takeCase' },
          confirm_present: { target: 'present', actions: 'confirm' },
          report_missing: { target: 'missing', actions: 'reportMissing' },
        },
      },
      present: { type: 'final', description: 'The unit confirmed the page: the information is on the site.' },
      missing: { type: 'final', description: 'The unit reported the information missing (or out of date).' },
    },
  });
}

export type SiteContentReviewMachine = ReturnType<typeof createSiteContentReviewMachine>;
