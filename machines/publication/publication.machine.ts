/**
 * P1 — publication of an information material (п. 8–16), with P2 (translation, п. 13)
 * invoked as a child machine.
 */
import { and, assign, sendTo, setup } from 'xstate';
import type { Instant, IsoDate } from '../../calendars/types.js';
import type { CaseDeadline, EventMeta, MachineDeps } from '../contract.js';
import type { EffectEvent } from '../common/effects.js';
import { close, fromComputed, openAfter } from '../common/deadlines.js';
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
  publicationDeadlinePolicies as P,
  submissionPolicies,
  type Channel,
  type MaterialKind,
  type PublicationEvent,
  type PublicationInput,
  type TranslationLanguage,
} from './publication.events.js';
import { createTranslationMachine, type TranslationInput, type TranslationOutput, type Translations } from './translation.machine.js';

export const PUBLICATION_MACHINE_ID = 'publication';

export interface PublicationContext {
  title: string;
  body?: string;
  kind: MaterialKind;
  channels: Channel[];
  plannedFor?: IsoDate;
  announcementPublishedAt?: Instant;
  submittedAt: Instant;
  createdBy: EventMeta['actor'];
  /** Press secretary's decisions on the planned date (accept for P / reschedule), in order. */
  schedule: Array<{ decision: 'accepted' | 'rescheduled'; plannedFor?: IsoDate; previous?: IsoDate; note?: string; at: Instant }>;
  changeRequests: Array<{ comment: string; at: Instant; resubmittedAt?: Instant }>;
  rejection?: { reason: string; at: Instant };
  translationRequest?: { languages: TranslationLanguage[]; at: Instant };
  translations: Translations;
  sentToAdministratorAt?: Instant;
  posts: Partial<Record<Channel, { url: string; at: Instant }>>;
  deadlines: Deadlines;
  /** Finally failed messages not yet resent or delivered (common/record-events.ts). */
  undelivered?: UndeliveredMessage[];
}

type Ev = PublicationEvent | DeadlineOpsEvent | EffectEvent;

/**
 * The `submission` deadline (п. 11), judged at creation. Lead times (`before` P) count the
 * N-th working day before P; the shortfall is how many of the N working days the material
 * did not leave (working days d with submissionDay ≤ d < P, compared with N). Procurement
 * counts 1 working day after the announcement; the shortfall is the working days past the
 * last day. A late submission is at least 1 short.
 */
export function judgeSubmission(
  deps: MachineDeps,
  input: Pick<PublicationInput, 'kind' | 'plannedFor' | 'announcementPublishedAt'>,
  submittedAt: Instant,
): CaseDeadline {
  const policy = submissionPolicies[input.kind];
  if (input.kind === 'procurement') {
    return close(deps, openAfter(deps, policy, input.announcementPublishedAt!), submittedAt);
  }
  const cal = deps.calendar;
  const p = input.plannedFor!;
  const open = fromComputed(policy, cal.workingDayBefore(p, policy.amount), 'working', p);
  if (Date.parse(submittedAt) < Date.parse(open.dueAt)) return { ...open, open: false, status: 'met', closedAt: submittedAt };
  const day = cal.dayOf(submittedAt);
  const left = cal.workingDaysBetween(day, p) - (cal.isWorkingDay(p) ? 1 : 0) + (cal.isWorkingDay(day) ? 1 : 0);
  return {
    ...open,
    open: false,
    status: 'met_late',
    closedAt: submittedAt,
    shortfall: { amount: Math.max(1, policy.amount - left), unit: 'working' },
  };
}

export const publicationValidators: Record<string, Validator> = {
  send_for_translation: (_ctx: PublicationContext, ev: Extract<PublicationEvent, { type: 'send_for_translation' }>) =>
    new Set(ev.payload.languages).size === ev.payload.languages.length
      ? null
      : `"languages" lists a language twice (${ev.payload.languages.join(', ')}); name each of kk, en at most once.`,
  post: (ctx: PublicationContext, ev: Extract<PublicationEvent, { type: 'post' }>) => {
    const { channel } = ev.payload;
    const remaining = ctx.channels.filter((c) => !ctx.posts[c]);
    if (!ctx.channels.includes(channel)) {
      return `The material does not target "${channel}" (targets: ${ctx.channels.join(', ')}). Post it on: ${remaining.join(', ')}.`;
    }
    if (ctx.posts[channel]) {
      return `"${channel}" was already posted at ${ctx.posts[channel]!.url}. Still to post: ${remaining.join(', ')}.`;
    }
    return null;
  },
};

const valid = ({ context, event }: { context: PublicationContext; event: Ev }) =>
  (publicationValidators[event.type]?.(context, event) ?? null) === null;

/** Builds P1 with calendar arithmetic bound to `deps`. */
export function createPublicationMachine(deps: MachineDeps) {
  return setup({
    types: {} as {
      context: PublicationContext;
      events: Ev;
      input: CreationInput<PublicationInput>;
      emitted: EffectEvent;
    },
    actors: { translation: createTranslationMachine(deps) },
    guards: {
      valid,
      lastChannel: ({ context, event }) =>
        event.type === 'post' && context.channels.every((c) => c === event.payload.channel || !!context.posts[c]),
    },
    actions: {
      ...sharedParentActions(deps),
      accept: assign({
        schedule: ({ context, event }) =>
          event.type === 'accept'
            ? [
                ...context.schedule,
                {
                  decision: 'accepted' as const,
                  ...(context.plannedFor ? { plannedFor: context.plannedFor } : {}),
                  ...(event.payload.note ? { note: event.payload.note } : {}),
                  at: event.occurredAt,
                },
              ]
            : context.schedule,
      }),
      reschedule: assign(({ context, event }) =>
        event.type === 'reschedule'
          ? {
              plannedFor: event.payload.plannedFor,
              schedule: [
                ...context.schedule,
                {
                  decision: 'rescheduled' as const,
                  plannedFor: event.payload.plannedFor,
                  ...(context.plannedFor ? { previous: context.plannedFor } : {}),
                  at: event.occurredAt,
                },
              ],
            }
          : {},
      ),
      requestChanges: assign({
        changeRequests: ({ context, event }) =>
          event.type === 'request_changes'
            ? [...context.changeRequests, { comment: event.payload.comment, at: event.occurredAt }]
            : context.changeRequests,
      }),
      resubmit: assign(({ context, event }) => {
        if (event.type !== 'resubmit') return {};
        const last = context.changeRequests[context.changeRequests.length - 1];
        return {
          ...(event.payload.title !== undefined ? { title: event.payload.title } : {}),
          ...(event.payload.body !== undefined ? { body: event.payload.body } : {}),
          changeRequests: last
            ? [...context.changeRequests.slice(0, -1), { ...last, resubmittedAt: event.occurredAt }]
            : context.changeRequests,
        };
      }),
      reject: assign({
        rejection: ({ context, event }) =>
          event.type === 'reject' ? { reason: event.payload.reason, at: event.occurredAt } : context.rejection,
      }),
      requestTranslation: assign({
        translationRequest: ({ context, event }) =>
          event.type === 'send_for_translation'
            ? { languages: event.payload.languages, at: event.occurredAt }
            : context.translationRequest,
      }),
      forwardToTranslation: sendTo('translation', ({ event }) => event),
      translationDone: assign({
        translations: ({ event }) => (event as unknown as { output: TranslationOutput }).output.translations,
      }),
      sendToAdministrator: assign(({ context, event }) =>
        event.type === 'send_to_administrator'
          ? {
              sentToAdministratorAt: event.occurredAt,
              deadlines: { ...context.deadlines, posting: openAfter(deps, P.posting, event.occurredAt) },
            }
          : {},
      ),
      recordPost: assign({
        posts: ({ context, event }) =>
          event.type === 'post'
            ? { ...context.posts, [event.payload.channel]: { url: event.payload.url, at: event.occurredAt } }
            : context.posts,
      }),
      closePosting: assign({
        deadlines: ({ context, event }) =>
          event.type === 'post' ? closeKey(deps, context.deadlines, 'posting', event.occurredAt) : context.deadlines,
      }),
    },
  }).createMachine({
    id: PUBLICATION_MACHINE_ID,
    description: 'P1 — publication of an information material on the site and the official pages (п. 8–16).',
    meta: { deadlines: Object.values(submissionPolicies) },
    context: ({ input: { input, meta } }) => ({
      title: input.title,
      ...(input.body !== undefined ? { body: input.body } : {}),
      kind: input.kind,
      channels: input.channels,
      ...(input.plannedFor ? { plannedFor: input.plannedFor } : {}),
      ...(input.announcementPublishedAt ? { announcementPublishedAt: input.announcementPublishedAt } : {}),
      submittedAt: meta.occurredAt,
      createdBy: meta.actor,
      schedule: [],
      changeRequests: [],
      translations: {},
      posts: {},
      deadlines: { submission: judgeSubmission(deps, input, meta.occurredAt) },
    }),
    on: { ...ROOT_HANDLERS },
    initial: 'editing',
    states: {
      editing: {
        description:
          'The press secretary formats the material (п. 12): accepts it for P or reschedules, asks for changes, rejects it, ' +
          'sends it for translation (п. 13) or straight to the administrator.',
        on: {
          accept: { actions: 'accept' },
          reschedule: { actions: 'reschedule' },
          request_changes: { target: 'changes_requested', actions: 'requestChanges' },
          reject: { target: 'rejected', actions: 'reject' },
          send_for_translation: { guard: 'valid', target: 'translation', actions: 'requestTranslation' },
          send_to_administrator: { target: 'posting', actions: 'sendToAdministrator' },
        },
      },
      changes_requested: {
        description: 'Returned to the initiator for changes.',
        on: {
          resubmit: { target: 'editing', actions: 'resubmit' },
          reject: { target: 'rejected', actions: 'reject' },
        },
      },
      translation: {
        description: 'P2: ЦАР translates into the requested languages (п. 13).',
        meta: { deadlines: [P.translation] },
        invoke: {
          id: 'translation',
          src: 'translation',
          input: ({ context, event }): TranslationInput => ({
            languages: event.type === 'send_for_translation' ? event.payload.languages : [],
            sentAt: (event as PublicationEvent).occurredAt,
            title: context.title,
            ...(context.body !== undefined ? { body: context.body } : {}),
          }),
          onDone: { target: 'translated', actions: 'translationDone' },
        },
        on: { deliver_translation: { actions: 'forwardToTranslation' } },
      },
      translated: {
        description: 'Translations delivered; the press secretary sends the material to the administrator.',
        on: { send_to_administrator: { target: 'posting', actions: 'sendToAdministrator' } },
      },
      posting: {
        description: 'The administrator posts it on every target channel (п. 14); the press secretary controls it (п. 15).',
        meta: { deadlines: [P.posting] },
        on: {
          post: [
            { guard: and(['valid', 'lastChannel']), target: 'published', actions: ['recordPost', 'closePosting'] },
            { guard: 'valid', actions: 'recordPost' },
          ],
        },
      },
      published: { type: 'final', description: 'Posted on every target channel.' },
      rejected: { type: 'final', description: 'Rejected by the press secretary.' },
    },
  });
}

export type PublicationMachine = ReturnType<typeof createPublicationMachine>;
