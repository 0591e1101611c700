/** P4 — a question to the Chairman's blog (п. 41–47): schemas, roles, deadline policies. */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import {
  COMMENT_ROLES,
  CommentPayload,
  HttpUrlSchema,
  InstantSchema,
  LanguageSchema,
  NonEmpty,
  deadlineMissedPayload,
  type EnvelopesOf,
} from '../common/events.js';
import { Correctable } from '../common/corrections.js';
import { recordEventRoles, recordEventSchemas, recountEventRoles, recountEventSchemas } from '../common/record-events.js';
import {
  REDIRECTION_DEADLINE_KEYS,
  RedirectPayload,
  redirectionDeadlinePolicies,
  redirectionEventRoles,
  redirectionEventSchemas,
} from '../redirection/redirection.events.js';

export const BlogQuestionInput = Type.Object({
  channel: Type.Union([Type.Literal('blog'), Type.Literal('e-otinish')]),
  author: Type.Object({ name: Correctable(NonEmpty('author name')), contact: Type.Optional(Correctable(Type.String())) }),
  language: LanguageSchema,
  text: NonEmpty('the question'),
  receivedAt: Type.Optional(InstantSchema),
});
export type BlogQuestionInput = Static<typeof BlogQuestionInput>;

export const BLOG_DEADLINE_KEYS = ['unit_answer', 'to_chairman', 'rework', 'posting', ...REDIRECTION_DEADLINE_KEYS] as const;
export type BlogQuestionDeadlineKey = (typeof BLOG_DEADLINE_KEYS)[number];

export const blogQuestionEventSchemas = {
  register: Type.Object({ registrationNumber: Correctable(NonEmpty('EDMS registration number')) }),
  assign: Type.Object({ unit: Correctable(NonEmpty('the responsible unit (one of the configured units)')) }),
  claim: Type.Object({}),
  reassign: Type.Object({
    to: NonEmpty('the user name of the person who takes the case over'),
    unit: Type.Optional(NonEmpty('another responsible unit (press secretary only)')),
  }),
  submit_answer: Type.Object({ text: NonEmpty('the unit’s draft answer') }),
  return_answer: Type.Object({ comment: NonEmpty('what to change') }),
  agree_answer: Type.Object({}),
  forward_to_chairman: Type.Object({ text: Type.Optional(NonEmpty('the corrected answer (п. 46)')) }),
  approve: Type.Object({}),
  return_for_rework: Type.Object({ comment: NonEmpty('what to rework') }),
  post: Type.Object({ url: Correctable(HttpUrlSchema('where the answer is posted on the blog')) }),
  redirect: RedirectPayload,
  ...redirectionEventSchemas,
  comment: CommentPayload,
  ...recordEventSchemas(BLOG_DEADLINE_KEYS),
  deadline_missed: deadlineMissedPayload(BLOG_DEADLINE_KEYS),
  ...recountEventSchemas(BLOG_DEADLINE_KEYS),
} as const;
export type BlogQuestionEventType = keyof typeof blogQuestionEventSchemas;
export type BlogQuestionEvent = EnvelopesOf<typeof blogQuestionEventSchemas>;

export const blogQuestionCreateRoles: Role[] = ['press_secretary'];
export const blogQuestionEventRoles: Record<BlogQuestionEventType, Role[]> = {
  register: ['car'],
  assign: ['press_secretary'],
  // A person of the unit takes the case; the press secretary (who passes it to the unit,
  // п. 44) or the person who took it hands it over.
  claim: ['unit'],
  reassign: ['press_secretary', 'unit'],
  submit_answer: ['unit'],
  return_answer: ['supervisor'],
  agree_answer: ['supervisor'],
  forward_to_chairman: ['press_secretary'],
  approve: ['chairman'],
  return_for_rework: ['chairman'],
  post: ['press_secretary'],
  ...redirectionEventRoles,
  comment: COMMENT_ROLES,
  // The author's notices are the press secretary's (п. 47–48; posted on the portal today).
  ...recordEventRoles(['press_secretary']),
  deadline_missed: ['system'],
  ...recountEventRoles,
};

/** Possible but never waited for: they queue no case. */
export const blogQuestionOptionalEvents: BlogQuestionEventType[] = ['claim', 'reassign'];
/** Events whose `unit` must be a configured unit. */
export const blogQuestionUnitEvents: BlogQuestionEventType[] = ['assign', 'reassign'];

export const blogQuestionDeadlinePolicies: Record<BlogQuestionDeadlineKey, DeadlinePolicy> = {
  unit_answer: {
    key: 'unit_answer',
    rule: 'п. 45',
    amount: 10,
    unit: 'calendar_days',
    reading: 'calendar',
    from: 'receipt of the question',
    direction: 'after',
    description: 'The unit’s answer, agreed with the supervising deputy chairman, reaches the press secretary.',
  },
  to_chairman: {
    key: 'to_chairman',
    rule: 'п. 46',
    amount: 2,
    unit: 'days',
    reading: 'calendar',
    from: 'receipt of the answer from the unit',
    direction: 'after',
    description: 'The press secretary corrects the answer if needed and passes it to the Chairman.',
  },
  rework: {
    key: 'rework',
    rule: 'п. 47',
    amount: 1,
    unit: 'days',
    reading: 'calendar',
    from: 'the Chairman’s return for rework',
    direction: 'after',
    description: 'The press secretary (alone or with the unit) reworks the answer and passes it to the Chairman again.',
  },
  posting: {
    key: 'posting',
    rule: 'п. 47',
    amount: 1,
    unit: 'days',
    reading: 'calendar',
    from: 'the Chairman’s approval',
    direction: 'after',
    description: 'The approved answer is posted on the blog platform.',
  },
  ...redirectionDeadlinePolicies,
};
