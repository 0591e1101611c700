/**
 * P5 — redirection of a question outside the Company's competence (п. 48), written once and
 * invoked from P3 (`feedback-inquiry`) and P4 (`blog-question`).
 *
 * The parent owns `context.deadlines`; P5 computes its two deadlines and reports them with
 * `deadline.ops` events (`sendParent`). Both count from the receipt of the question. The
 * applicant's notice is an `effect` event: sent to the parent, which emits it (an invoked
 * child's emits do not reach the runtime, which listens on the root actor), or emitted
 * directly when P5 runs on its own.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { MachineDeps } from '../contract.js';
import { close, openAfter } from '../common/deadlines.js';
import { hasParent, type DeadlineOp } from '../common/parent.js';
import type { Envelope } from '../common/events.js';
import type { Effect, EffectEvent, Language, PortalNoticeOrigin, Recipient } from '../common/effects.js';
import {
  redirectionDeadlinePolicies as P,
  type CancelRedirectPayload,
  type ForwardPayload,
} from './redirection.events.js';

export const REDIRECTION_MACHINE_ID = 'redirection';

/** How the applicant is told of the forwarding: P3 by e-mail, P4 on the portal. */
export type RedirectionNotice =
  | { kind: 'mail'; to: Recipient; language: Language }
  | { kind: 'portal'; data: PortalNoticeOrigin };

export interface RedirectionInput {
  /** Receipt of the question: both deadlines count from it. */
  receivedAt: Instant;
  /** `occurredAt` of the unit's `redirect` notice. */
  redirectedAt: Instant;
  reason: string;
  notice: RedirectionNotice;
}

export interface RedirectionContext extends RedirectionInput {
  forward?: ForwardPayload & { at: Instant };
  cancel?: CancelRedirectPayload & { at: Instant };
}

export type RedirectionEvent =
  | Envelope<'forward', ForwardPayload>
  | Envelope<'cancel_redirect', CancelRedirectPayload>;

export interface RedirectionOutput {
  outcome: 'forwarded' | 'cancelled';
  reason: string;
  forward?: RedirectionContext['forward'];
  cancel?: RedirectionContext['cancel'];
}

/** Builds P5 with its deadline arithmetic bound to `deps`. */
export function createRedirectionMachine(deps: MachineDeps) {
  return setup({
    types: {} as {
      context: RedirectionContext;
      events: RedirectionEvent;
      input: RedirectionInput;
      output: RedirectionOutput;
      emitted: EffectEvent;
    },
    actions: {
      /** Judges `redirect_notice` at once (closed by the `redirect` itself) and opens `forward`. */
      reportOpened: enqueueActions(({ context, self, enqueue }) => {
        if (!hasParent(self)) return;
        const notice = close(deps, openAfter(deps, P.redirect_notice, context.receivedAt), context.redirectedAt);
        const ops: DeadlineOp[] = [
          { op: 'set', deadline: notice },
          { op: 'set', deadline: openAfter(deps, P.forward, context.receivedAt) },
        ];
        enqueue.sendParent({ type: 'deadline.ops', ops });
      }),
      recordForward: assign({
        forward: ({ event }) =>
          event.type === 'forward' ? { ...event.payload, at: event.occurredAt } : undefined,
      }),
      queueApplicantNotice: enqueueActions(({ context, event, self, enqueue }) => {
        if (event.type !== 'forward') return;
        const data = {
          organization: event.payload.organization,
          reference: event.payload.reference,
          reason: context.reason,
          forwardedAt: event.occurredAt,
        };
        const effect: Effect =
          context.notice.kind === 'mail'
            ? { kind: 'mail', template: 'redirect_notice', to: context.notice.to, language: context.notice.language, data }
            : { kind: 'portal_notice', data: { ...context.notice.data, ...data } };
        const emitted: EffectEvent = { type: 'effect', effect };
        if (hasParent(self)) enqueue.sendParent(emitted);
        else enqueue.emit(emitted);
      }),
      reportForwarded: enqueueActions(({ event, self, enqueue }) => {
        if (hasParent(self)) enqueue.sendParent({ type: 'deadline.ops', ops: [{ op: 'close', key: 'forward', at: event.occurredAt }] });
      }),
      recordCancel: assign({
        cancel: ({ event }) =>
          event.type === 'cancel_redirect' ? { ...event.payload, at: event.occurredAt } : undefined,
      }),
      reportCancelled: enqueueActions(({ self, enqueue }) => {
        if (hasParent(self)) enqueue.sendParent({ type: 'deadline.ops', ops: [{ op: 'drop', key: 'forward' }] });
      }),
    },
  }).createMachine({
    id: REDIRECTION_MACHINE_ID,
    description: 'P5 — redirection of a question outside the competence (п. 48).',
    context: ({ input }) => ({ ...input }),
    initial: 'awaiting_forward',
    states: {
      awaiting_forward: {
        description: 'The unit has notified the press secretary; the question is to be forwarded.',
        meta: { deadlines: [P.redirect_notice, P.forward] },
        entry: 'reportOpened',
        on: {
          forward: {
            target: 'forwarded',
            actions: ['recordForward', 'queueApplicantNotice', 'reportForwarded'],
          },
          cancel_redirect: { target: 'cancelled', actions: ['recordCancel', 'reportCancelled'] },
        },
      },
      forwarded: { type: 'final', description: 'Forwarded on «Открытый диалог»; the applicant is notified.' },
      cancelled: { type: 'final', description: 'Back to the unit.' },
    },
    output: ({ context }) => ({
      outcome: context.forward ? 'forwarded' : 'cancelled',
      reason: context.reason,
      ...(context.forward ? { forward: context.forward } : {}),
      ...(context.cancel ? { cancel: context.cancel } : {}),
    }),
  });
}

export type RedirectionMachine = ReturnType<typeof createRedirectionMachine>;
