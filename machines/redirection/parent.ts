/**
 * The parent side of P5, written once for P3 and P4: the `redirection` state that invokes
 * it, recording the unit's redirect notice, forwarding `forward`/`cancel_redirect` to the
 * running child, and settling the child's outcome (forwarded → the case ends as
 * `redirected`; cancelled → back to `in_review` with the parent's own deadline reopened at
 * its old due date, P5 having dropped `forward`).
 */
import { assign, sendTo } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import { reopen } from '../common/deadlines.js';
import type { Deadlines } from '../common/parent.js';
import type { RedirectionInput, RedirectionNotice, RedirectionOutput } from './redirection.machine.js';

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

/** `redirectionForwarded`: the guard of `redirectionState`'s first `onDone` branch. */
export const redirectionParentGuards = {
  redirectionForwarded: ({ event }: { event: { type: string } }) =>
    (event as { output?: RedirectionOutput }).output?.outcome === 'forwarded',
};

/**
 * The parent's `redirection` state: invokes P5 (actor `redirection`) when the unit's
 * `redirect` enters it, forwards P5's events to it, and leaves for `redirected` (forwarded)
 * or `in_review` (cancelled). The parent's `setup` provides the `redirection` actor,
 * `redirectionParentGuards` and `redirectionParentActions`; `notice` says how the
 * applicant is told (P3 by e-mail, P4 on the portal).
 */
export function redirectionState<C extends { receivedAt: Instant }>(notice: (context: C) => RedirectionNotice) {
  return {
    description: 'P5: the question is forwarded to the competent body (п. 48).',
    invoke: {
      id: 'redirection',
      src: 'redirection',
      input: ({ context, event }: { context: C; event: { type: string; occurredAt?: Instant; payload?: unknown } }): RedirectionInput => ({
        receivedAt: context.receivedAt,
        // Entered only by `redirect` (an envelope, so `occurredAt` is set).
        redirectedAt: event.occurredAt as Instant,
        reason: event.type === 'redirect' ? (event.payload as { reason: string }).reason : '',
        notice: notice(context),
      }),
      onDone: [
        { guard: 'redirectionForwarded', target: 'redirected', actions: 'redirectionDone' },
        { target: 'in_review', actions: 'redirectionDone' },
      ],
    },
    on: {
      forward: { actions: 'forwardToRedirection' },
      cancel_redirect: { actions: 'forwardToRedirection' },
    },
  } as const;
}
