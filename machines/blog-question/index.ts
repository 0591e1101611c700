/** P4 — `blog-question`: the procedure module. */
import { defineProcedure } from '../runtime.js';
import {
  BlogQuestionInput,
  blogQuestionCreateRoles,
  blogQuestionDeadlinePolicies,
  blogQuestionEventRoles,
  blogQuestionEventSchemas,
  blogQuestionOptionalEvents,
  blogQuestionUnitEvents,
  type BlogQuestionDeadlineKey,
  type BlogQuestionEventType,
} from './blog-question.events.js';
import { blogQuestionValidators, createBlogQuestionMachine, type BlogQuestionOptions } from './blog-question.machine.js';
import type { ProcedureModule } from '../contract.js';

export * from './blog-question.events.js';
export * from './blog-question.machine.js';
export * from './blog-question.context.js';

export const id = 'blog-question' as const;
/**
 * Bump on every behavioural change (P5 included); cases stay on the version they were created with.
 * - 1.1.0: each turn of the `rework` deadline is numbered (`turn`) and the past turns are kept
 *   in `context.deadlineHistory` (1.0.0 overwrote the deadline on every return for rework).
 */
export const VERSION = '1.1.0';

const definition = (version: string, options: BlogQuestionOptions) =>
  defineProcedure<BlogQuestionEventType, BlogQuestionDeadlineKey>({
    id,
    version,
    title: 'P4 — a question to the Chairman’s blog on the “Open Government” portal (п. 41–47)',
    inputSchema: BlogQuestionInput,
    createRoles: blogQuestionCreateRoles,
    eventSchemas: blogQuestionEventSchemas,
    eventRoles: blogQuestionEventRoles,
    deadlinePolicies: blogQuestionDeadlinePolicies,
    /** Corrects any correctable field besides the sender of the original: the press secretary, who coordinates the blog answers (п. 41, 44, 46). */
    correctRoles: ['press_secretary'],
    build: (deps) => createBlogQuestionMachine(deps, options),
    validators: blogQuestionValidators,
    optional: blogQuestionOptionalEvents,
    unitEvents: blogQuestionUnitEvents,
  });

export const blogQuestion = definition(VERSION, { deadlineTurns: true });

/** Older versions, for the cases pinned to them (register them as the engine's `legacyModules`). */
export const blogQuestionLegacy: ProcedureModule[] = [definition('1.0.0', { deadlineTurns: false })];
