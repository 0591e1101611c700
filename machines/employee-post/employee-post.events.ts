/**
 * P7 — an employee's post about the Company (п. 21, 26–29): schemas, roles, deadline policies.
 *
 * Two entry paths of one procedure (`kind`, docs/machines/employee-post.md): `approval`, an
 * employee (`initiator`) submits a post for the press secretary's prior approval (п. 21);
 * `removal`, the press secretary records the Company's demand to remove a post or comment
 * (п. 28), escalated to the employee's manager (`supervisor`, п. 26, 29) when it is not met.
 *
 * The Rules set no days for either: both deadlines are internal targets (`internalTarget`),
 * off unless the deployment sets their amount (`MachineDeps.targets`).
 */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import {
  COMMENT_ROLES,
  CommentPayload,
  HttpUrlSchema,
  NonEmpty,
  deadlineMissedPayload,
  type EnvelopesOf,
} from '../common/events.js';
import { Correctable } from '../common/corrections.js';
import { recordEventRoles, recordEventSchemas, recountEventRoles, recountEventSchemas } from '../common/record-events.js';

export const EmployeePostKindSchema = Type.Union([Type.Literal('approval'), Type.Literal('removal')], {
  description: 'approval: prior approval of a post (п. 21), sent by the employee; removal: the Company’s demand to remove a post or comment (п. 28), recorded by the press secretary',
});
export type EmployeePostKind = Static<typeof EmployeePostKindSchema>;
export const RemovalItemSchema = Type.Union([Type.Literal('post'), Type.Literal('comment')], { description: 'what is to be removed (п. 28: a post or a comment)' });

/**
 * One flat object for both paths (the staff pages generate the form from it); which fields
 * each path needs is checked by `validateEmployeePostInput`.
 */
export const EmployeePostInput = Type.Object({
  kind: EmployeePostKindSchema,
  employee: Type.Object({
    name: Correctable(NonEmpty('the employee’s name')),
    position: Type.Optional(Correctable(NonEmpty('the employee’s position and unit'))),
  }),
  platform: NonEmpty('the social network, blog platform or page (e.g. Facebook, a personal Telegram channel)'),
  text: Type.Optional(NonEmpty('approval: the post as it is to be published')),
  link: Type.Optional(Correctable(HttpUrlSchema('removal: the post or comment to remove'))),
  item: Type.Optional(RemovalItemSchema),
  reason: Type.Optional(NonEmpty('removal: how it may harm the Company’s activity or reputation (п. 28)')),
});
export type EmployeePostInput = Static<typeof EmployeePostInput>;

export const EMPLOYEE_POST_DEADLINE_KEYS = ['post_review', 'post_removal'] as const;
export type EmployeePostDeadlineKey = (typeof EMPLOYEE_POST_DEADLINE_KEYS)[number];

export const employeePostEventSchemas = {
  approve: Type.Object({ note: Type.Optional(NonEmpty('a remark for the employee')) }),
  return_post: Type.Object({ comment: NonEmpty('what the employee must change before publishing') }),
  refuse: Type.Object({ reason: NonEmpty('why the post may not be published about the Company') }),
  resubmit: Type.Object({ text: NonEmpty('the post, changed as the comments ask') }),
  withdraw: Type.Object({ reason: Type.Optional(NonEmpty('why the employee withdraws the post')) }),
  confirm_removal: Type.Object({ note: Type.Optional(NonEmpty('how the removal was checked')) }),
  escalate: Type.Object({ comment: NonEmpty('what the employee’s manager is told (the demand not met, п. 26, 29)') }),
  record_decision: Type.Object({ decision: NonEmpty('the manager’s decision on the demand (п. 29)') }),
  comment: CommentPayload,
  ...recordEventSchemas(EMPLOYEE_POST_DEADLINE_KEYS),
  deadline_missed: deadlineMissedPayload(EMPLOYEE_POST_DEADLINE_KEYS),
  ...recountEventSchemas(EMPLOYEE_POST_DEADLINE_KEYS),
} as const;
export type EmployeePostEventType = keyof typeof employeePostEventSchemas;
export type EmployeePostEvent = EnvelopesOf<typeof employeePostEventSchemas>;

/** The employee submits a post (approval); the press secretary records a demand (removal). Which may create which: `validateEmployeePostInput`. */
export const employeePostCreateRoles: Role[] = ['initiator', 'press_secretary'];
export const employeePostEventRoles: Record<EmployeePostEventType, Role[]> = {
  // п. 21: the press secretary's approval before publication.
  approve: ['press_secretary'],
  return_post: ['press_secretary'],
  refuse: ['press_secretary'],
  // The employee who submitted the post (checked by the machine: the case's creator).
  resubmit: ['initiator'],
  withdraw: ['initiator'],
  // п. 28: the press secretary records the demand, checks the removal, escalates.
  confirm_removal: ['press_secretary'],
  escalate: ['press_secretary'],
  // п. 26, 29: the employee's direct manager.
  record_decision: ['supervisor'],
  comment: COMMENT_ROLES,
  ...recordEventRoles(['press_secretary']),
  deadline_missed: ['system'],
  ...recountEventRoles,
};

/** Possible but never waited for: they queue no case. */
export const employeePostOptionalEvents: EmployeePostEventType[] = ['withdraw'];

export const employeePostDeadlinePolicies: Record<EmployeePostDeadlineKey, DeadlinePolicy> = {
  post_review: {
    key: 'post_review',
    rule: 'п. 21 (internal target)',
    amount: 2,
    unit: 'working_days',
    reading: 'working',
    from: 'submission of the post (each submission)',
    direction: 'after',
    description: 'The press secretary approves, returns with comments or refuses the submitted post (internal target: the Rules set no days).',
    internalTarget: true,
  },
  post_removal: {
    key: 'post_removal',
    rule: 'п. 28 (internal target)',
    amount: 2,
    unit: 'working_days',
    reading: 'working',
    from: 'the Company’s demand to remove',
    direction: 'after',
    description: 'The removal is confirmed (or the manager decides, п. 29) after the Company’s demand (internal target: the Rules set no days).',
    internalTarget: true,
  },
};
