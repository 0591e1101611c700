/**
 * P7 — an employee's post about the Company (п. 21, 26–29): the press secretary's prior
 * approval of a post (п. 21) and the Company's demand to remove a post or comment (п. 28),
 * escalated to the employee's manager (п. 26, 29). Two entry paths (`kind`) of one machine;
 * docs/machines/employee-post.md says why.
 */
import { assign, setup } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { CaseDeadline, EventMeta, MachineDeps } from '../contract.js';
import type { EffectEvent } from '../common/effects.js';
import { openAfter } from '../common/deadlines.js';
import { ROOT_HANDLERS, sharedParentActions, closeKey, type DeadlineOpsEvent, type Deadlines } from '../common/parent.js';
import type { UndeliveredMessage } from '../common/record-events.js';
import type { CreationInput, Validator } from '../runtime.js';
import {
  employeePostDeadlinePolicies as P,
  type EmployeePostDeadlineKey,
  type EmployeePostEvent,
  type EmployeePostInput,
  type EmployeePostKind,
} from './employee-post.events.js';

export const EMPLOYEE_POST_MACHINE_ID = 'employee-post';

export interface EmployeePostContext {
  kind: EmployeePostKind;
  /** Personal data (the read matrix hides it from roles taking no part): the employee. */
  employee: EmployeePostInput['employee'];
  platform: string;
  /** The submission (approval) or the demand (removal): the creation's occurredAt. */
  receivedAt: Instant;
  createdBy: EventMeta['actor'];
  /** Approval: the post as last submitted, and the press secretary's answer. */
  post?: { text: string; submittedAt: Instant; approvedAt?: Instant; note?: string };
  /** Every turn of the approval loop, in order: the returns with comments and the resubmissions. */
  turns: Array<{ type: 'return_post' | 'resubmit'; at: Instant; comment?: string }>;
  refusal?: { reason: string; at: Instant };
  withdrawal?: { reason?: string; at: Instant };
  /** Removal: the demand (п. 28), its escalation to the manager (п. 26, 29) and how it ended. */
  demand?: {
    link: string;
    item: 'post' | 'comment';
    reason: string;
    at: Instant;
    escalation?: { comment: string; at: Instant };
    removedAt?: Instant;
    note?: string;
    decision?: { text: string; at: Instant };
  };
  deadlines: Deadlines;
  /** Finally failed messages not yet resent or delivered (common/record-events.ts). */
  undelivered?: UndeliveredMessage[];
  /** The past turns of `post_review` (one per submission), oldest first, closed and judged. */
  deadlineHistory: CaseDeadline[];
}

type Ev = EmployeePostEvent | DeadlineOpsEvent | EffectEvent;

/** The employee's own events: only the employee who submitted the post sends them. */
function ownPost(ctx: EmployeePostContext, ev: { actor?: { name: string } }): string | null {
  return ev.actor?.name === ctx.createdBy.name
    ? null
    : `Only the employee who submitted the post (${ctx.createdBy.name}) may resubmit or withdraw it.`;
}

export const employeePostValidators: Record<string, Validator> = {
  resubmit: ownPost,
  withdraw: ownPost,
};

const valid = ({ context, event }: { context: EmployeePostContext; event: Ev }) =>
  (employeePostValidators[event.type]?.(context, event) ?? null) === null;

/**
 * An internal target opened at `at` when the deployment switched it on
 * (`deps.targets[key]` a number of working days), else nothing.
 */
function target(deps: MachineDeps, key: EmployeePostDeadlineKey, at: Instant): CaseDeadline | undefined {
  const amount = deps.targets?.[key];
  return typeof amount === 'number' ? openAfter(deps, P[key], at, amount) : undefined;
}

/** Builds P7 with calendar arithmetic and the deployment's internal targets bound to `deps`. */
export function createEmployeePostMachine(deps: MachineDeps) {
  /**
   * Opens the next turn of `post_review` (a resubmission): the turn before it moves to
   * `deadlineHistory` as it stands, the new one gets the next `turn` number. Targets off:
   * nothing opens and nothing moves.
   */
  const nextReview = ({ context, event }: { context: EmployeePostContext; event: Ev }): Partial<EmployeePostContext> => {
    if (!('occurredAt' in event)) return {};
    const next = target(deps, 'post_review', event.occurredAt);
    if (!next) return {};
    const previous = context.deadlines.post_review;
    return {
      deadlines: { ...context.deadlines, post_review: { ...next, turn: (previous?.turn ?? 0) + 1 } },
      ...(previous ? { deadlineHistory: [...context.deadlineHistory, previous] } : {}),
    };
  };
  const closed =
    (key: EmployeePostDeadlineKey) =>
    ({ context, event }: { context: EmployeePostContext; event: Ev }): Deadlines =>
      'occurredAt' in event ? closeKey(deps, context.deadlines, key, event.occurredAt) : context.deadlines;
  /** The demand with `patch` applied (removal path only). */
  const demand =
    (patch: (d: NonNullable<EmployeePostContext['demand']>, event: Ev) => Partial<NonNullable<EmployeePostContext['demand']>>) =>
    ({ context, event }: { context: EmployeePostContext; event: Ev }) =>
      context.demand ? { ...context.demand, ...patch(context.demand, event) } : context.demand;

  return setup({
    types: {} as {
      context: EmployeePostContext;
      events: Ev;
      input: CreationInput<EmployeePostInput>;
      emitted: EffectEvent;
    },
    guards: {
      valid,
      isRemoval: ({ context }) => context.kind === 'removal',
    },
    actions: {
      ...sharedParentActions(deps),
      approvePost: assign({
        post: ({ context, event }) =>
          context.post && event.type === 'approve'
            ? { ...context.post, approvedAt: event.occurredAt, ...(event.payload.note ? { note: event.payload.note } : {}) }
            : context.post,
      }),
      recordTurn: assign({
        turns: ({ context, event }) => {
          if (event.type === 'return_post') return [...context.turns, { type: 'return_post' as const, at: event.occurredAt, comment: event.payload.comment }];
          if (event.type === 'resubmit') return [...context.turns, { type: 'resubmit' as const, at: event.occurredAt }];
          return context.turns;
        },
      }),
      resubmitPost: assign({
        post: ({ context, event }) => (event.type === 'resubmit' ? { text: event.payload.text, submittedAt: event.occurredAt } : context.post),
      }),
      recordRefusal: assign({
        refusal: ({ context, event }) => (event.type === 'refuse' ? { reason: event.payload.reason, at: event.occurredAt } : context.refusal),
      }),
      recordWithdrawal: assign({
        withdrawal: ({ context, event }) =>
          event.type === 'withdraw'
            ? { at: event.occurredAt, ...(event.payload.reason ? { reason: event.payload.reason } : {}) }
            : context.withdrawal,
      }),
      recordRemoval: assign({
        demand: demand((_d, event) =>
          event.type === 'confirm_removal' ? { removedAt: event.occurredAt, ...(event.payload.note ? { note: event.payload.note } : {}) } : {},
        ),
      }),
      recordEscalation: assign({
        demand: demand((_d, event) => (event.type === 'escalate' ? { escalation: { comment: event.payload.comment, at: event.occurredAt } } : {})),
      }),
      recordDecision: assign({
        demand: demand((_d, event) => (event.type === 'record_decision' ? { decision: { text: event.payload.decision, at: event.occurredAt } } : {})),
      }),
      openReview: assign(nextReview),
      closeReview: assign({ deadlines: closed('post_review') }),
      closeRemoval: assign({ deadlines: closed('post_removal') }),
    },
  }).createMachine({
    id: EMPLOYEE_POST_MACHINE_ID,
    description: 'P7 — an employee’s post about the Company (п. 21, 26–29).',
    context: ({ input: { input, meta } }) => {
      const at = meta.occurredAt;
      const first = input.kind === 'approval' ? target(deps, 'post_review', at) : target(deps, 'post_removal', at);
      return {
        kind: input.kind,
        employee: input.employee,
        platform: input.platform,
        receivedAt: at,
        createdBy: meta.actor,
        // validateEmployeePostInput has made sure each path has its fields.
        ...(input.kind === 'approval' ? { post: { text: input.text ?? '', submittedAt: at } } : {}),
        ...(input.kind === 'removal'
          ? { demand: { link: input.link ?? '', item: input.item ?? 'post', reason: input.reason ?? '', at } }
          : {}),
        turns: [],
        deadlines: first ? { [first.key]: input.kind === 'approval' ? { ...first, turn: 1 } : first } : {},
        deadlineHistory: [],
      };
    },
    on: { ...ROOT_HANDLERS },
    initial: 'submitted',
    states: {
      submitted: {
        description:
          'Approval (п. 21): the post awaits the press secretary’s approval before publication. A removal demand (п. 28) passes straight on to removal_demanded.',
        meta: { deadlines: [P.post_review] },
        always: { guard: 'isRemoval', target: 'removal_demanded' },
        on: {
          approve: { target: 'approved', actions: ['approvePost', 'closeReview'] },
          return_post: { target: 'returned', actions: ['recordTurn', 'closeReview'] },
          refuse: { target: 'refused', actions: ['recordRefusal', 'closeReview'] },
          withdraw: { guard: 'valid', target: 'withdrawn', actions: ['recordWithdrawal', 'closeReview'] },
        },
      },
      returned: {
        description: 'Returned with the press secretary’s comments: the employee changes the post and submits it again.',
        on: {
          resubmit: { guard: 'valid', target: 'submitted', actions: ['resubmitPost', 'recordTurn', 'openReview'] },
          withdraw: { guard: 'valid', target: 'withdrawn', actions: 'recordWithdrawal' },
        },
      },
      removal_demanded: {
        description: 'The Company demands that the employee remove the post or comment (п. 28); the press secretary checks the removal or escalates.',
        meta: { deadlines: [P.post_removal] },
        on: {
          confirm_removal: { target: 'removed', actions: ['recordRemoval', 'closeRemoval'] },
          escalate: { target: 'escalated', actions: 'recordEscalation' },
        },
      },
      escalated: {
        description: 'The demand is not met: the employee’s direct manager is told (п. 26); a breach is one of labour discipline (п. 29).',
        meta: { deadlines: [P.post_removal] },
        on: {
          confirm_removal: { target: 'removed', actions: ['recordRemoval', 'closeRemoval'] },
          record_decision: { target: 'decided', actions: ['recordDecision', 'closeRemoval'] },
        },
      },
      approved: { type: 'final', description: 'Approved by the press secretary: the employee may publish the post (п. 21).' },
      refused: { type: 'final', description: 'The press secretary does not approve the post: it is not to be published.' },
      withdrawn: { type: 'final', description: 'The employee withdrew the post.' },
      removed: { type: 'final', description: 'The press secretary confirmed that the post or comment is removed (п. 28).' },
      decided: { type: 'final', description: 'The employee’s manager decided on the demand (п. 29).' },
    },
  });
}

export type EmployeePostMachine = ReturnType<typeof createEmployeePostMachine>;
