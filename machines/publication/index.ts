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
import { createPublicationMachine, publicationValidators } from './publication.machine.js';
import { translationValidators } from './translation.machine.js';

export * from './publication.events.js';
export * from './publication.machine.js';
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
});
