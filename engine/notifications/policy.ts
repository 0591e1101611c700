/**
 * The notification policy: who is reminded of which deadline and when, who hears of a
 * missed one, and when the daily digest goes out. Policy data like the deadlines
 * themselves: one JSON file (the shipped `policies/notifications.json`, or
 * NOTIFICATION_POLICY_FILE), checked at start-up against its schema and against the
 * deadline keys of the registered procedures; a bad entry fails start-up naming it.
 *
 * ```json
 * {
 *   "deadlines": {
 *     "review": {
 *       "reminders": [{ "workingDaysBefore": 1, "at": "09:00" }, { "workingDaysBefore": 0, "at": "09:00" }],
 *       "escalateTo": ["supervisor"]
 *     },
 *     "posting": { "reminders": [{ "workingDaysBefore": 0, "at": "09:00" }], "remind": ["press_secretary"] }
 *   },
 *   "digest": { "at": "08:30" }
 * }
 * ```
 *
 * - `reminders`: `workingDaysBefore` 0 is the deadline's last day itself, N ≥ 1 the N-th
 *   working day before it (the business calendar counts); `at` the local time in the
 *   calendar's zone (Asia/Almaty). A reminder at or after the deadline's dueAt is never
 *   scheduled.
 * - `remind`: the roles reminded; absent, whoever the case waits on (its waiting roles).
 *   For `unit`: the person who took the case, else the unit's mailbox (UNITS_FILE
 *   `email`), else the unit's people.
 * - `escalateTo`: the roles told once when the deadline is missed (the timer worker's
 *   `deadline_missed`).
 * - `digest.at`: the local time of the daily digest, sent on working days only.
 * A key applies to every procedure with a deadline of that key.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ROLES, type Role } from '../../machines/contract.js';

const HUMAN_ROLES = ROLES.filter((r) => r !== 'system');
const RoleSchema = Type.Unsafe<Role>(Type.Union(HUMAN_ROLES.map((r) => Type.Literal(r))));
const TimeSchema = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'a local time HH:MM (24 h)' });

const ReminderSchema = Type.Object(
  {
    workingDaysBefore: Type.Integer({ minimum: 0, maximum: 30, description: '0: the last day itself; N: the N-th working day before it' }),
    at: TimeSchema,
  },
  { additionalProperties: false },
);

const DeadlinePolicySchema = Type.Object(
  {
    reminders: Type.Optional(Type.Array(ReminderSchema, { maxItems: 10 })),
    remind: Type.Optional(Type.Array(RoleSchema, { minItems: 1, maxItems: 8 })),
    escalateTo: Type.Optional(Type.Array(RoleSchema, { minItems: 1, maxItems: 8 })),
  },
  { additionalProperties: false },
);

const NotificationPolicySchema = Type.Object(
  {
    deadlines: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), DeadlinePolicySchema),
    digest: Type.Optional(Type.Object({ at: TimeSchema }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type NotificationPolicyFile = Static<typeof NotificationPolicySchema>;

/** One reminder of a deadline: its slot name (`1wd@09:00`, stored with the schedule), day offset and time. */
export interface ReminderSlot {
  slot: string;
  workingDaysBefore: number;
  /** Minutes after local midnight. */
  minutes: number;
}

export interface DeadlineNotifications {
  reminders: ReminderSlot[];
  remind?: Role[];
  escalateTo?: Role[];
}

/** The checked policy, as the engine uses it. */
export interface NotificationPolicy {
  /** Where it came from (the file), for the start-up errors. */
  source: string;
  deadlines: ReadonlyMap<string, DeadlineNotifications>;
  /** Minutes after local midnight of the daily digest; absent: no digest. */
  digestMinutes?: number;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Checks a policy (parsed JSON) against the schema and, with `deadlineKeys`, its keys
 * against the procedures' deadline keys; throws naming `source` and the entry.
 */
export function parseNotificationPolicy(raw: unknown, source: string, deadlineKeys?: ReadonlySet<string>): NotificationPolicy {
  if (!Value.Check(NotificationPolicySchema, raw)) {
    const first = Value.Errors(NotificationPolicySchema, raw)[0];
    throw new Error(`${source}: ${first?.instancePath || '(root)'} ${first?.message ?? 'is invalid'}`);
  }
  const file = raw as NotificationPolicyFile;
  const deadlines = new Map<string, DeadlineNotifications>();
  for (const [key, p] of Object.entries(file.deadlines)) {
    if (deadlineKeys) checkKey(source, key, deadlineKeys);
    const reminders: ReminderSlot[] = [];
    for (const [i, r] of (p.reminders ?? []).entries()) {
      const slot = `${r.workingDaysBefore}wd@${r.at}`;
      if (reminders.some((x) => x.slot === slot)) throw new Error(`${source}: /deadlines/${key}/reminders/${i}: the reminder ${slot} is listed twice`);
      reminders.push({ slot, workingDaysBefore: r.workingDaysBefore, minutes: minutesOf(r.at) });
    }
    deadlines.set(key, { reminders, ...(p.remind ? { remind: [...p.remind] } : {}), ...(p.escalateTo ? { escalateTo: [...p.escalateTo] } : {}) });
  }
  return { source, deadlines, ...(file.digest ? { digestMinutes: minutesOf(file.digest.at) } : {}) };
}

/** Reads and checks a policy file (NOTIFICATION_POLICY_FILE); the keys are checked by the engine against its procedures. */
export function loadNotificationPolicy(path: string, deadlineKeys?: ReadonlySet<string>): NotificationPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`NOTIFICATION_POLICY_FILE ${path}: cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseNotificationPolicy(raw, `NOTIFICATION_POLICY_FILE ${path}`, deadlineKeys);
}

function checkKey(source: string, key: string, deadlineKeys: ReadonlySet<string>): void {
  if (!deadlineKeys.has(key)) {
    throw new Error(`${source}: /deadlines/${key}: no registered procedure has a deadline "${key}"; the keys are: ${[...deadlineKeys].sort().join(', ')}`);
  }
}

/** Fails (naming the entry) when the policy names a deadline key no registered procedure has. */
export function checkPolicyKeys(policy: NotificationPolicy, deadlineKeys: ReadonlySet<string>): void {
  for (const key of policy.deadlines.keys()) checkKey(policy.source, key, deadlineKeys);
}
