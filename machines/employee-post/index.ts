/** P7 — `employee-post`: the procedure module. */
import type { EventMeta } from '../contract.js';
import { defineProcedure } from '../runtime.js';
import {
  EmployeePostInput,
  employeePostCreateRoles,
  employeePostDeadlinePolicies,
  employeePostEventRoles,
  employeePostEventSchemas,
  employeePostOptionalEvents,
  type EmployeePostDeadlineKey,
  type EmployeePostEventType,
} from './employee-post.events.js';
import { createEmployeePostMachine, employeePostValidators } from './employee-post.machine.js';

export * from './employee-post.events.js';
export * from './employee-post.machine.js';
export * from './employee-post.context.js';

export const id = 'employee-post' as const;
/** Bump on every behavioural change; cases stay on the version they were created with. */
export const VERSION = '1.0.0';

/**
 * Which fields each path needs, and who opens it: the employee (`initiator`) submits a post
 * for approval (п. 21); the press secretary records the Company's removal demand (п. 28).
 */
export function validateEmployeePostInput(input: Record<string, unknown>, meta: EventMeta): string | null {
  const i = input as EmployeePostInput;
  const role = meta.actor.role;
  if (i.kind === 'approval') {
    if (role !== 'initiator') {
      return `A post is submitted for approval by the employee who will publish it (role initiator, п. 21), not by ${role}; the press secretary records removal demands ("kind": "removal").`;
    }
    if (!i.text) return 'A post for approval needs "text": the post as it is to be published (п. 21).';
    const extra = (['link', 'item', 'reason'] as const).filter((k) => i[k] !== undefined);
    if (extra.length) return `${extra.map((k) => `"${k}"`).join(', ')} belong to a removal demand; leave them out of a post for approval.`;
    return null;
  }
  if (role !== 'press_secretary') {
    return `The Company's demand to remove a post is recorded by the press secretary (п. 28), not by ${role}; an employee submits a post for approval ("kind": "approval").`;
  }
  const missing = (['link', 'reason'] as const).filter((k) => i[k] === undefined);
  if (missing.length) {
    return `A removal demand needs ${missing.map((k) => `"${k}"`).join(' and ')}: the link to the post or comment and how it may harm the Company (п. 28).`;
  }
  if (i.text !== undefined) return '"text" is the post submitted for approval; a removal demand names the post by "link" (and says why in "reason").';
  return null;
}

export const employeePost = defineProcedure<EmployeePostEventType, EmployeePostDeadlineKey>({
  id,
  version: VERSION,
  title: 'P7 — an employee’s post about the Company (п. 21, 26–29)',
  inputSchema: EmployeePostInput,
  createRoles: employeePostCreateRoles,
  eventSchemas: employeePostEventSchemas,
  eventRoles: employeePostEventRoles,
  deadlinePolicies: employeePostDeadlinePolicies,
  /** Corrects any correctable field besides the sender of the original: the press secretary, who approves the posts and records the demands (п. 21, 28). */
  correctRoles: ['press_secretary'],
  build: createEmployeePostMachine,
  validateInput: validateEmployeePostInput,
  validators: employeePostValidators,
  optional: employeePostOptionalEvents,
});
