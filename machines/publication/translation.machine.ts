/**
 * P2 — translation via ЦАР (п. 13), invoked by P1. One parallel region per language; a
 * language the press secretary did not request is `not_needed` at once. The `translation`
 * deadline is opened at the sending and closed by the last requested delivery, reported
 * to P1 (which owns `context.deadlines`) with `deadline.ops`.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Instant } from '../../calendars/types.js';
import type { MachineDeps } from '../contract.js';
import { openAfter } from '../common/deadlines.js';
import { hasParent } from '../common/parent.js';
import type { Envelope } from '../common/events.js';
import type { Validator } from '../runtime.js';
import { publicationDeadlinePolicies as P, type TranslationLanguage } from './publication.events.js';

export const TRANSLATION_MACHINE_ID = 'translation';

export interface TranslationInput {
  languages: TranslationLanguage[];
  /** `occurredAt` of `send_for_translation`. */
  sentAt: Instant;
  title: string;
  body?: string;
}
export type Translations = Partial<Record<TranslationLanguage, { text: string; deliveredAt: Instant }>>;
export interface TranslationContext extends TranslationInput {
  translations: Translations;
  lastDeliveredAt?: Instant;
}
export type TranslationEvent = Envelope<'deliver_translation', { language: TranslationLanguage; text: string }>;
export interface TranslationOutput {
  translations: Translations;
  completedAt?: Instant;
}

export const translationValidators: Record<string, Validator> = {
  deliver_translation: (ctx: TranslationContext, ev: TranslationEvent) => {
    const { language } = ev.payload;
    if (!ctx.languages.includes(language)) {
      return `No translation into "${language}" was requested (requested: ${ctx.languages.join(', ')}).`;
    }
    if (ctx.translations[language]) {
      return `The "${language}" translation was already delivered at ${ctx.translations[language]!.deliveredAt}; still expected: ${ctx.languages.filter((l) => !ctx.translations[l]).join(', ')}.`;
    }
    return null;
  },
};

/** A region per language; `languageRequested`/`languageIs` take the region's language as a param. */
const region = (language: TranslationLanguage) => ({
  initial: 'check' as const,
  states: {
    check: {
      always: [
        { guard: { type: 'languageRequested' as const, params: { language } }, target: 'pending' as const },
        { target: 'not_needed' as const },
      ],
    },
    pending: {
      description: `Waiting for the ${language} translation.`,
      on: {
        deliver_translation: {
          guard: { type: 'languageIs' as const, params: { language } },
          target: 'delivered' as const,
          actions: 'recordTranslation' as const,
        },
      },
    },
    delivered: { type: 'final' as const },
    not_needed: { type: 'final' as const, description: `The press secretary declared no ${language} translation needed.` },
  },
});

export function createTranslationMachine(deps: MachineDeps) {
  return setup({
    types: {} as {
      context: TranslationContext;
      events: TranslationEvent;
      input: TranslationInput;
      output: TranslationOutput;
    },
    guards: {
      languageRequested: ({ context }, params: { language: TranslationLanguage }) => context.languages.includes(params.language),
      languageIs: ({ event }, params: { language: TranslationLanguage }) => event.payload.language === params.language,
    },
    actions: {
      reportOpened: enqueueActions(({ context, self, enqueue }) => {
        if (!hasParent(self)) return;
        enqueue.sendParent({ type: 'deadline.ops', ops: [{ op: 'set', deadline: openAfter(deps, P.translation, context.sentAt) }] });
      }),
      recordTranslation: assign(({ context, event }) => ({
        translations: {
          ...context.translations,
          [event.payload.language]: { text: event.payload.text, deliveredAt: event.occurredAt },
        },
        lastDeliveredAt: event.occurredAt,
      })),
      reportClosed: enqueueActions(({ context, self, enqueue }) => {
        if (!hasParent(self) || !context.lastDeliveredAt) return;
        enqueue.sendParent({ type: 'deadline.ops', ops: [{ op: 'close', key: 'translation', at: context.lastDeliveredAt }] });
      }),
    },
  }).createMachine({
    id: TRANSLATION_MACHINE_ID,
    description: 'P2 — translation into kk and en via ЦАР (п. 13).',
    context: ({ input }) => ({ ...input, translations: {} }),
    entry: 'reportOpened',
    initial: 'translating',
    states: {
      translating: {
        type: 'parallel',
        meta: { deadlines: [P.translation] },
        states: { kk: region('kk'), en: region('en') },
        onDone: 'translated',
      },
      translated: { type: 'final', entry: 'reportClosed' },
    },
    output: ({ context }) => ({
      translations: context.translations,
      ...(context.lastDeliveredAt ? { completedAt: context.lastDeliveredAt } : {}),
    }),
  });
}

export type TranslationMachine = ReturnType<typeof createTranslationMachine>;
