/**
 * The parent side of P5, written once for P3 and P4: record the unit's redirect notice,
 * forward `forward`/`cancel_redirect` to the running child, and settle the child's outcome
 * (forwarded → the case ends as redirected; cancelled → back to the unit with the
 * parent's own deadline reopened at its old due date, P5 having dropped `forward`).
 */
import { assign, sendTo } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import { reopen } from '../common/deadlines.js';
import type { Deadlines } from '../common/parent.js';
import type { RedirectionOutput } from './redirection.machine.js';

/** One redirect notice of the unit, with how it ended. */
export interface RedirectRecord {
  reason: string;
  at: Instant;
  outcome?: RedirectionOutput['outcome'];
}

/** What the parent keeps of a completed redirection. */
export type RedirectionRecord = RedirectionOutput & { redirectedAt: Instant };

interface RedirectingContext {
  redirects: RedirectRecord[];
  deadlines: Deadlines;
}

/**
 * `recordRedirect`, `forwardToRedirection` and `redirectionDone` for a parent whose own
 * deadline `reopenKey` (P3 `review`, P4 `unit_answer`) reopens when the redirect is
 * cancelled. Loosely typed for the same reason as `sharedParentActions`: each machine's
 * `setup` checks actions against its own event union.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function redirectionParentActions(reopenKey: string): Record<'recordRedirect' | 'forwardToRedirection' | 'redirectionDone', any> {
  type Ev = { type: string; payload?: { reason?: string }; occurredAt?: Instant; output?: RedirectionOutput };
  return {
    recordRedirect: assign(({ context, event }: { context: RedirectingContext; event: Ev }) =>
      event.type === 'redirect'
        ? { redirects: [...context.redirects, { reason: event.payload?.reason ?? '', at: event.occurredAt as Instant }] }
        : {},
    ),
    forwardToRedirection: sendTo('redirection', ({ event }: { event: Ev }) => event),
    redirectionDone: assign(({ context, event }: { context: RedirectingContext; event: Ev }) => {
      const output = event.output as RedirectionOutput;
      const last = context.redirects[context.redirects.length - 1];
      const redirects = last ? [...context.redirects.slice(0, -1), { ...last, outcome: output.outcome }] : context.redirects;
      if (output.outcome === 'forwarded') {
        return { redirects, redirection: { ...output, redirectedAt: last?.at ?? '' } satisfies RedirectionRecord };
      }
      const own = context.deadlines[reopenKey];
      return { redirects, deadlines: own ? { ...context.deadlines, [reopenKey]: reopen(own) } : context.deadlines };
    }),
  };
}
