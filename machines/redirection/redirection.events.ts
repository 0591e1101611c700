/** P5 — redirection (п. 48): event payload schemas, roles and deadline policies. */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import { NonEmpty } from '../common/events.js';
import { Correctable } from '../common/corrections.js';

export const ForwardPayload = Type.Object({
  organization: Correctable(NonEmpty('the competent organisation or state body')),
  reference: Correctable(NonEmpty('the reference of the forwarding on the «Открытый диалог» portal')),
});
export const CancelRedirectPayload = Type.Object({ reason: NonEmpty('why the question stays with the unit') });

/** Events P5 itself handles (the parent forwards them). `redirect` belongs to the parent: it starts P5. */
export const redirectionEventSchemas = {
  forward: ForwardPayload,
  cancel_redirect: CancelRedirectPayload,
} as const;
export type RedirectionEventType = keyof typeof redirectionEventSchemas;
export type ForwardPayload = Static<typeof ForwardPayload>;
export type CancelRedirectPayload = Static<typeof CancelRedirectPayload>;

export const RedirectPayload = Type.Object({ reason: NonEmpty('why the question is outside the Company’s competence') });
export type RedirectPayload = Static<typeof RedirectPayload>;

export const redirectionEventRoles: Record<RedirectionEventType | 'redirect', Role[]> = {
  redirect: ['unit'],
  forward: ['press_secretary'],
  cancel_redirect: ['press_secretary'],
};

export const REDIRECTION_DEADLINE_KEYS = ['redirect_notice', 'forward'] as const;
export type RedirectionDeadlineKey = (typeof REDIRECTION_DEADLINE_KEYS)[number];

export const redirectionDeadlinePolicies: Record<RedirectionDeadlineKey, DeadlinePolicy> = {
  redirect_notice: {
    key: 'redirect_notice',
    rule: 'п. 48',
    amount: 2,
    unit: 'working_days',
    reading: 'working',
    from: 'receipt of the question',
    direction: 'after',
    description: 'The unit notifies the press secretary that the question must be redirected (judged at `redirect`).',
  },
  forward: {
    key: 'forward',
    rule: 'п. 48',
    amount: 3,
    unit: 'working_days',
    reading: 'working',
    from: 'receipt of the question',
    direction: 'after',
    description: 'The press secretary forwards the question on «Открытый диалог» and notifies the applicant.',
  },
};
