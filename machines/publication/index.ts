/** P1 — `publication` (with P2 translation invoked): the procedure module. */
import { defineProcedure } from '../runtime.js';
import {
  PublicationInput,
  publicationCreateRoles,
  publicationDeadlinePolicies,
  publicationEventRoles,
  publicationEventSchemas,
  type PublicationDeadlineKey,
  type PublicationEventType,
} from './publication.events.js';
import type { CaseProgress, PendingPart } from '../contract.js';
import { createPublicationMachine, publicationValidators, type PublicationContext } from './publication.machine.js';
import { translationValidators, type TranslationContext } from './translation.machine.js';

export * from './publication.events.js';
export * from './publication.machine.js';
export * from './publication.context.js';
export * from './translation.machine.js';

export const id = 'publication' as const;
/** Bump on every behavioural change (P2 included); cases stay on the version they were created with. */
export const VERSION = '1.0.0';

/** Cross-field rules of the creation input (п. 11) the schema cannot express. */
export function validatePublicationInput(input: Record<string, unknown>): string | null {
  const i = input as PublicationInput;
  if (i.kind === 'procurement' && !i.announcementPublishedAt) {
    return 'A procurement announcement needs "announcementPublishedAt" (when the announcement was published on the official site, п. 11).';
  }
  if (i.kind !== 'procurement' && !i.plannedFor) {
    return `A ${i.kind} material needs "plannedFor" (the planned publication date, YYYY-MM-DD, п. 11).`;
  }
  if (new Set(i.channels).size !== i.channels.length) {
    return `"channels" lists a channel twice (${i.channels.join(', ')}); name each channel once.`;
  }
  return null;
}

/**
 * What the case view shows beyond the deadlines (issue 12 §7): in `translation`, the
 * requested languages P2 has not delivered (read from the running child, `children.translation`);
 * in `posting`, the target channels not yet posted; and the planned publication date P
 * (п. 11) as the case's target, once set (procurement has none).
 */
export function publicationProgress(context: Record<string, unknown>, state: string): CaseProgress {
  const ctx = context as unknown as PublicationContext & { children?: Record<string, { context?: TranslationContext }> };
  const pending: PendingPart[] = [];
  const split = <T extends string>(all: readonly T[], isDone: (x: T) => boolean): { awaited: T[]; done: T[] } => ({
    awaited: all.filter((x) => !isDone(x)),
    done: all.filter(isDone),
  });
  const active = state.split(',');
  const translation = ctx.children?.translation?.context;
  if (active.some((s) => s === 'translation' || s.startsWith('translation.')) && translation) {
    pending.push({
      step: 'translation',
      event: 'deliver_translation',
      field: 'language',
      ...split(translation.languages, (l) => !!translation.translations?.[l]),
    });
  }
  if (active.includes('posting')) {
    pending.push({ step: 'posting', event: 'post', field: 'channel', ...split(ctx.channels, (c) => !!ctx.posts?.[c]) });
  }
  const targets: CaseProgress['targets'] = ctx.plannedFor
    ? [{ key: 'publication', date: ctx.plannedFor, rule: 'п. 11', description: 'The planned publication date P of the material.' }]
    : [];
  return { pending, targets };
}

export const publication = defineProcedure<PublicationEventType, PublicationDeadlineKey>({
  id,
  version: VERSION,
  title: 'P1 — publication of an information material (п. 8–16), with P2 translation (п. 13)',
  inputSchema: PublicationInput,
  createRoles: publicationCreateRoles,
  eventSchemas: publicationEventSchemas,
  eventRoles: publicationEventRoles,
  deadlinePolicies: publicationDeadlinePolicies,
  /** Corrects any correctable field besides the sender of the original: the press secretary, who coordinates publication (п. 8, 12–15). */
  correctRoles: ['press_secretary'],
  build: createPublicationMachine,
  validateInput: validatePublicationInput,
  validators: { ...publicationValidators, ...translationValidators },
  progress: publicationProgress,
});
