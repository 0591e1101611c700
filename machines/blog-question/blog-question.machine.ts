/**
 * P4 — a question to the Chairman's blog on the "Open Government" portal (п. 41–47), with
 * P5 invoked for a question outside the competence (п. 48).
 */
import { assign, setup } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { CaseDeadline, EventMeta, MachineDeps } from '../contract.js';
import type { EffectEvent } from '../common/effects.js';
import { openAfter } from '../common/deadlines.js';
import {
  ROOT_HANDLERS,
  sharedParentActions,
  closeKey,
  type DeadlineOpsEvent,
  type Deadlines,
} from '../common/parent.js';
import type { UndeliveredMessage } from '../common/record-events.js';
import type { CreationInput, Validator } from '../runtime.js';
import {
  redirectionParentActions,
  redirectionParentGuards,
  redirectionState,
  type RedirectRecord,
  type RedirectionRecord,
} from '../redirection/parent.js';
import { createRedirectionMachine } from '../redirection/redirection.machine.js';
import { claimRefusal, reassignRefusal, takeCase } from '../common/assignee.js';
import {
  blogQuestionDeadlinePolicies as P,
  type BlogQuestionDeadlineKey,
  type BlogQuestionEvent,
  type BlogQuestionInput,
} from './blog-question.events.js';

export const BLOG_QUESTION_MACHINE_ID = 'blog-question';

export interface BlogQuestionContext {
  channel: BlogQuestionInput['channel'];
  author: BlogQuestionInput['author'];
  language: BlogQuestionInput['language'];
  text: string;
  receivedAt: Instant;
  createdBy: EventMeta['actor'];
  registrationNumber?: string;
  /** The responsible unit (`assign`, `reassign`); the engine copies it to the case record. */
  unit?: string;
  /** The person of the unit who took the case (`claim`, `reassign`); absent: the whole unit's. */
  assignee?: string;
  /** The current answer: the unit's draft, then the press secretary's correction. */
  answer?: { text: string; submittedAt: Instant; agreedAt?: Instant; approvedAt?: Instant };
  /** Every turn of the loops, in order (п. 47: each turn is in the history). */
  turns: Array<{ type: 'return_answer' | 'forward_to_chairman' | 'return_for_rework'; at: Instant; comment?: string }>;
  posted?: { url: string; at: Instant };
  redirection?: RedirectionRecord;
  redirects: RedirectRecord[];
  deadlines: Deadlines;
  /** Finally failed messages not yet resent or delivered (common/record-events.ts). */
  undelivered?: UndeliveredMessage[];
  /**
   * The past turns of a repeated deadline (`rework`), oldest first, each with its `turn`
   * and as it stood when the next turn opened (closed, judged). From 1.1.0; absent in the
   * cases of 1.0.0, whose rework deadline was overwritten.
   */
  deadlineHistory?: CaseDeadline[];
}

/** What changed between the machine's versions (see index.ts). */
export interface BlogQuestionOptions {
  /** 1.1.0: number each turn of a repeated deadline and keep the past turns in `deadlineHistory`. */
  deadlineTurns: boolean;
}

type Ev = BlogQuestionEvent | DeadlineOpsEvent | EffectEvent;

/** Messages for refused events; P4's other checks are state checks. */
export const blogQuestionValidators: Record<string, Validator> = {
  claim: (ctx: BlogQuestionContext, ev: Extract<BlogQuestionEvent, { type: 'claim' }>) => claimRefusal(ctx, ev),
  reassign: (ctx: BlogQuestionContext, ev: Extract<BlogQuestionEvent, { type: 'reassign' }>) => reassignRefusal(ctx, ev),
};

const valid = ({ context, event }: { context: BlogQuestionContext; event: Ev }) =>
  (blogQuestionValidators[event.type]?.(context, event) ?? null) === null;

/**
 * Builds P4 with calendar arithmetic bound to `deps`; effects are emitted (common/effects.ts).
 * `options` selects the behaviour of a machine version (1.0.0 without deadline turns).
 */
export function createBlogQuestionMachine(deps: MachineDeps, options: BlogQuestionOptions = { deadlineTurns: true }) {
  /** Property assigners for `deadlines` (used inside `assign` so XState infers the event type). */
  const opened =
    (key: BlogQuestionDeadlineKey) =>
    ({ context, event }: { context: BlogQuestionContext; event: Ev }): Deadlines =>
      'occurredAt' in event ? { ...context.deadlines, [key]: openAfter(deps, P[key], event.occurredAt) } : context.deadlines;
  /**
   * Opens the next turn of a repeated deadline: the turn before it (if any) moves to
   * `deadlineHistory` as it stands, the new one gets the next `turn` number.
   */
  const nextTurn =
    (key: BlogQuestionDeadlineKey) =>
    ({ context, event }: { context: BlogQuestionContext; event: Ev }): Partial<BlogQuestionContext> => {
      if (!('occurredAt' in event)) return {};
      const previous = context.deadlines[key];
      const next = openAfter(deps, P[key], event.occurredAt);
      return {
        deadlines: { ...context.deadlines, [key]: { ...next, turn: (previous?.turn ?? 0) + 1 } },
        ...(previous ? { deadlineHistory: [...(context.deadlineHistory ?? []), { ...previous, turn: previous.turn ?? 1 }] } : {}),
      };
    };
  const closed =
    (...keys: BlogQuestionDeadlineKey[]) =>
    ({ context, event }: { context: BlogQuestionContext; event: Ev }): Deadlines =>
      'occurredAt' in event
        ? keys.reduce((d, key) => closeKey(deps, d, key, event.occurredAt), context.deadlines)
        : context.deadlines;

  return setup({
    types: {} as {
      context: BlogQuestionContext;
      events: Ev;
      input: CreationInput<BlogQuestionInput>;
      emitted: EffectEvent;
    },
    actors: { redirection: createRedirectionMachine(deps) },
    guards: { valid, ...redirectionParentGuards },
    actions: {
      ...sharedParentActions(deps),
      register: assign({
        registrationNumber: ({ context, event }) =>
          event.type === 'register' ? event.payload.registrationNumber : context.registrationNumber,
      }),
      // A (new) unit's case is nobody's in particular until one of its people takes it.
      assignUnit: assign(({ context, event }) => (event.type === 'assign' ? { unit: event.payload.unit, assignee: undefined } : { unit: context.unit })),
      takeCase: assign(({ context, event }) => takeCase(context, event)),
      recordDraft: assign({
        answer: ({ context, event }) =>
          event.type === 'submit_answer' ? { text: event.payload.text, submittedAt: event.occurredAt } : context.answer,
      }),
      recordTurn: assign({
        turns: ({ context, event }) => {
          if (event.type !== 'return_answer' && event.type !== 'forward_to_chairman' && event.type !== 'return_for_rework') {
            return context.turns;
          }
          const comment = 'comment' in event.payload ? event.payload.comment : undefined;
          return [...context.turns, { type: event.type, at: event.occurredAt, ...(comment ? { comment } : {}) }];
        },
      }),
      agreeAnswer: assign({
        answer: ({ context, event }) =>
          context.answer && event.type === 'agree_answer' ? { ...context.answer, agreedAt: event.occurredAt } : context.answer,
      }),
      correctAnswer: assign({
        answer: ({ context, event }) =>
          context.answer && event.type === 'forward_to_chairman' && event.payload.text
            ? { ...context.answer, text: event.payload.text }
            : context.answer,
      }),
      approveAnswer: assign({
        answer: ({ context, event }) =>
          context.answer && event.type === 'approve' ? { ...context.answer, approvedAt: event.occurredAt } : context.answer,
      }),
      recordPost: assign({
        posted: ({ context, event }) => (event.type === 'post' ? { url: event.payload.url, at: event.occurredAt } : context.posted),
      }),
      openToChairman: assign({ deadlines: opened('to_chairman') }),
      openRework: assign(options.deadlineTurns ? nextTurn('rework') : (args) => ({ deadlines: opened('rework')(args) })),
      openPosting: assign({ deadlines: opened('posting') }),
      closeUnitAnswer: assign({ deadlines: closed('unit_answer') }),
      closeForwarded: assign({ deadlines: closed('to_chairman', 'rework') }),
      closePosting: assign({ deadlines: closed('posting') }),
      ...redirectionParentActions('unit_answer'),
    },
  }).createMachine({
    id: BLOG_QUESTION_MACHINE_ID,
    description: 'P4 — a question to the Chairman’s blog on the “Open Government” portal (п. 41–47).',
    context: ({ input: { input, meta } }) => {
      const receivedAt = input.receivedAt ?? meta.occurredAt;
      return {
        channel: input.channel,
        author: input.author,
        language: input.language,
        text: input.text,
        receivedAt,
        createdBy: meta.actor,
        turns: [],
        redirects: [],
        deadlines: { unit_answer: openAfter(deps, P.unit_answer, receivedAt) },
        ...(options.deadlineTurns ? { deadlineHistory: [] } : {}),
      };
    },
    on: { ...ROOT_HANDLERS },
    initial: 'received',
    states: {
      received: {
        description: 'Accepted by the press secretary from the blog platform; ЦАР registers it (п. 41, 44).',
        meta: { deadlines: [P.unit_answer] },
        on: { register: { target: 'registered', actions: 'register' } },
      },
      registered: {
        description: 'Registered in the EDMS; the press secretary passes it to the unit.',
        meta: { deadlines: [P.unit_answer] },
        on: { assign: { target: 'in_review', actions: 'assignUnit' } },
      },
      in_review: {
        description: 'The unit considers it (п. 45) or finds it outside the competence (п. 48).',
        meta: { deadlines: [P.unit_answer] },
        on: {
          submit_answer: { target: 'answer_review', actions: 'recordDraft' },
          redirect: { target: 'redirection', actions: ['recordRedirect', 'closeUnitAnswer'] },
          claim: { guard: 'valid', actions: 'takeCase' },
          reassign: { guard: 'valid', actions: 'takeCase' },
        },
      },
      answer_review: {
        description: 'The supervising deputy chairman pre-agrees the answer (п. 45).',
        meta: { deadlines: [P.unit_answer] },
        on: {
          return_answer: { target: 'in_review', actions: 'recordTurn' },
          agree_answer: { target: 'with_press_secretary', actions: ['agreeAnswer', 'closeUnitAnswer', 'openToChairman'] },
          claim: { guard: 'valid', actions: 'takeCase' },
          reassign: { guard: 'valid', actions: 'takeCase' },
        },
      },
      with_press_secretary: {
        description: 'The press secretary corrects the answer if needed and passes it to the Chairman (п. 46).',
        meta: { deadlines: [P.to_chairman] },
        on: {
          forward_to_chairman: { target: 'with_chairman', actions: ['correctAnswer', 'recordTurn', 'closeForwarded'] },
        },
      },
      with_chairman: {
        description: 'The Chairman approves the answer or returns it for rework (п. 47).',
        on: {
          approve: { target: 'approved', actions: ['approveAnswer', 'openPosting'] },
          return_for_rework: { target: 'rework', actions: ['recordTurn', 'openRework'] },
        },
      },
      rework: {
        description: 'The press secretary reworks the answer, alone or with the unit, and passes it back (п. 47).',
        meta: { deadlines: [P.rework] },
        on: {
          forward_to_chairman: { target: 'with_chairman', actions: ['correctAnswer', 'recordTurn', 'closeForwarded'] },
        },
      },
      approved: {
        description: 'Approved; to be posted on the blog platform (п. 47).',
        meta: { deadlines: [P.posting] },
        on: { post: { target: 'posted', actions: ['recordPost', 'closePosting'] } },
      },
      redirection: redirectionState((context: BlogQuestionContext) => ({
        kind: 'portal',
        data: { channel: context.channel, author: context.author, language: context.language, registrationNumber: context.registrationNumber },
      })),
      posted: { type: 'final', description: 'The approved answer is on the blog platform.' },
      redirected: { type: 'final', description: 'Forwarded to the competent body; the author is notified on the portal (п. 48).' },
    },
  });
}

export type BlogQuestionMachine = ReturnType<typeof createBlogQuestionMachine>;
