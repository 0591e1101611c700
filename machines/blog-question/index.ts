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
import { blogQuestionValidators, createBlogQuestionMachine } from './blog-question.machine.js';

export * from './blog-question.events.js';
export * from './blog-question.machine.js';

export const id = 'blog-question' as const;
/** Bump on every behavioural change (P5 included); cases stay on the version they were created with. */
export const VERSION = '1.0.0';

export const blogQuestion = defineProcedure<BlogQuestionEventType, BlogQuestionDeadlineKey>({
  id,
  version: VERSION,
  title: 'P4 — a question to the Chairman’s blog on the “Open Government” portal (п. 41–47)',
  inputSchema: BlogQuestionInput,
  createRoles: blogQuestionCreateRoles,
  eventSchemas: blogQuestionEventSchemas,
  eventRoles: blogQuestionEventRoles,
  deadlinePolicies: blogQuestionDeadlinePolicies,
  /** Corrects any correctable field besides the sender of the original: the press secretary, who coordinates the blog answers (п. 41, 44, 46). */
  correctRoles: ['press_secretary'],
  build: createBlogQuestionMachine,
  validators: blogQuestionValidators,
  optional: blogQuestionOptionalEvents,
  unitEvents: blogQuestionUnitEvents,
});
