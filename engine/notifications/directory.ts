/**
 * The staff the engine mails: who they are, their roles, units, e-mail and language. An
 * interface, so the server implements it from the users file (AUTH_FILE `email`,
 * `language`) and the units file (UNITS_FILE `email`: a unit's mailbox), and the company's
 * directory (LDAP, OIDC) can replace both.
 */
import type { Language, Role } from '../../machines/contract.js';

export interface StaffMember {
  name: string;
  roles: readonly Role[];
  /** The units (by name) of a `unit` person. */
  units?: readonly string[];
  email?: string;
  /** The language of their mail (default ru). */
  language?: Language;
}

export interface StaffDirectory {
  readonly members: readonly StaffMember[];
  /** The mailbox of each unit (by name) that has one. */
  readonly unitMailboxes: ReadonlyMap<string, string>;
}

/** Someone a staff mail goes to: a person, or a unit's mailbox. */
export interface StaffRecipient {
  /** The user name, or the unit's name for its mailbox. */
  name: string;
  email: string;
  language: Language;
  /** Set for a unit's mailbox. */
  unit?: string;
}

/** What the resolution needs of a case: its waiting roles and, for `unit`, its unit and assignee. */
export interface CaseAudience {
  waitingRoles: readonly Role[];
  unit?: string;
  assignee?: string;
}

const person = (m: StaffMember & { email: string }): StaffRecipient => ({ name: m.name, email: m.email, language: m.language ?? 'ru' });
const hasEmail = (m: StaffMember): m is StaffMember & { email: string } => typeof m.email === 'string' && m.email.length > 0;

/**
 * The recipients for `roles` about one case, each address once: a role's people with an
 * e-mail; for `unit`, the person who took the case, else the unit's mailbox, else the
 * unit's people.
 */
export function recipientsFor(directory: StaffDirectory, roles: readonly Role[], audience: CaseAudience): StaffRecipient[] {
  const out = new Map<string, StaffRecipient>();
  const add = (r: StaffRecipient) => {
    if (!out.has(r.email.toLowerCase())) out.set(r.email.toLowerCase(), r);
  };
  for (const role of roles) {
    if (role === 'unit') {
      const taken = audience.assignee !== undefined ? directory.members.find((m) => m.name === audience.assignee && hasEmail(m)) : undefined;
      if (taken && hasEmail(taken)) {
        add(person(taken));
        continue;
      }
      if (audience.unit === undefined) continue;
      const mailbox = directory.unitMailboxes.get(audience.unit);
      if (mailbox !== undefined) {
        add({ name: audience.unit, email: mailbox, language: 'ru', unit: audience.unit });
        continue;
      }
      for (const m of directory.members) if (m.roles.includes('unit') && m.units?.includes(audience.unit) && hasEmail(m)) add(person(m));
      continue;
    }
    for (const m of directory.members) if (m.roles.includes(role) && hasEmail(m)) add(person(m));
  }
  return [...out.values()];
}

/** An empty directory: nobody has an address, nothing is mailed. */
export const EMPTY_DIRECTORY: StaffDirectory = { members: [], unitMailboxes: new Map() };
