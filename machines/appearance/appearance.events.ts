/** P6 — a speech, interview or event appearance (п. 30–34): schemas, roles, deadline policies. */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import { COMMENT_ROLES, CommentPayload, InstantSchema, NonEmpty, deadlineMissedPayload, type EnvelopesOf } from '../common/events.js';
import { Correctable } from '../common/corrections.js';
import { recordEventRoles, recordEventSchemas, recountEventRoles, recountEventSchemas } from '../common/record-events.js';

/** The formats of п. 6.2 and 30: TV, radio, print and web interviews, and the thematic events. */
export const APPEARANCE_FORMATS = [
  'tv',
  'radio',
  'print_interview',
  'web_interview',
  'webinar',
  'online_conference',
  'press_conference',
  'round_table',
  'briefing',
] as const;
export type AppearanceFormat = (typeof APPEARANCE_FORMATS)[number];

export const AppearanceInput = Type.Object({
  outlet: Correctable(NonEmpty('the media outlet or the organiser of the event')),
  format: Type.Union(APPEARANCE_FORMATS.map((f) => Type.Literal(f)), { description: 'the format (п. 6.2, 30)' }),
  topic: Correctable(NonEmpty('the topic (п. 31)')),
  broadcast: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('recorded')], { description: '«прямой эфир» or «запись» (п. 31)' })),
  questions: Type.Optional(Type.Array(NonEmpty('a question'), { description: 'the questions known in advance (п. 31)' })),
  place: Correctable(NonEmpty('where the appearance or the recording takes place (п. 31)')),
  scheduledAt: Correctable(InstantSchema),
});
export type AppearanceInput = Static<typeof AppearanceInput>;

export const APPEARANCE_DEADLINE_KEYS = ['speaker_informed', 'materials_ready'] as const;
export type AppearanceDeadlineKey = (typeof APPEARANCE_DEADLINE_KEYS)[number];

export const appearanceEventSchemas = {
  designate: Type.Object({
    speaker: Type.Object({
      name: NonEmpty('the speaker'),
      position: Type.Optional(NonEmpty('the speaker’s position')),
    }),
    units: Type.Array(NonEmpty('a configured unit'), {
      minItems: 1,
      maxItems: 20,
      description: 'the units preparing the materials (п. 32); the first is the responsible unit (п. 34)',
    }),
  }),
  agree_designation: Type.Object({}),
  return_designation: Type.Object({ comment: NonEmpty('what to change in the speaker or the units') }),
  inform_speaker: Type.Object({ note: Type.Optional(NonEmpty('how and of what the speaker was informed')) }),
  deliver_materials: Type.Object({
    unit: NonEmpty('the unit whose part this is (one of yours)'),
    text: NonEmpty('the unit’s materials'),
  }),
  consolidate: Type.Object({ text: NonEmpty('the consolidated materials (п. 33)') }),
  agree_material: Type.Object({}),
  return_material: Type.Object({
    comment: NonEmpty('what to rework'),
    units: Type.Optional(
      Type.Array(NonEmpty('a unit of the case'), { minItems: 1, maxItems: 20, description: 'the units that rework their part; absent: every unit' }),
    ),
  }),
  record_appearance: Type.Object({ note: Type.Optional(NonEmpty('how it went, a link to the publication or recording')) }),
  cancel: Type.Object({ reason: NonEmpty('why the appearance does not take place') }),
  comment: CommentPayload,
  ...recordEventSchemas(APPEARANCE_DEADLINE_KEYS),
  deadline_missed: deadlineMissedPayload(APPEARANCE_DEADLINE_KEYS),
  ...recountEventSchemas(APPEARANCE_DEADLINE_KEYS),
} as const;
export type AppearanceEventType = keyof typeof appearanceEventSchemas;
export type AppearanceEvent = EnvelopesOf<typeof appearanceEventSchemas>;

/** п. 30: the press secretary organises and coordinates the appearance. */
export const appearanceCreateRoles: Role[] = ['press_secretary'];
export const appearanceEventRoles: Record<AppearanceEventType, Role[]> = {
  designate: ['press_secretary'],
  agree_designation: ['chairman'],
  return_designation: ['chairman'],
  inform_speaker: ['press_secretary'],
  deliver_materials: ['unit'],
  consolidate: ['press_secretary'],
  agree_material: ['chairman'],
  return_material: ['chairman'],
  record_appearance: ['press_secretary'],
  cancel: ['press_secretary'],
  comment: COMMENT_ROLES,
  // P6 sends no mail today; a failed message would be the press secretary's to resend.
  ...recordEventRoles(['press_secretary']),
  deadline_missed: ['system'],
  ...recountEventRoles,
};

/** Possible while the case runs but never waited for: informing the speaker and cancelling put no case in a queue. */
export const appearanceOptionalEvents: AppearanceEventType[] = ['inform_speaker', 'cancel'];
/** Events whose `unit` / `units` must be configured units. */
export const appearanceUnitEvents: AppearanceEventType[] = ['designate', 'deliver_materials', 'return_material'];
/** Events by which a unit user delivers its own unit's part (the engine checks `unit` against the user's units). */
export const appearancePartUnitEvents: AppearanceEventType[] = ['deliver_materials'];

/**
 * The Rules set no days in п. 30–34: both deadlines are internal targets, off unless the
 * deployment sets their amount (INTERNAL_TARGETS, e.g. `speaker_informed=3,materials_ready=2`);
 * `amount` is the suggested value. Both count back from the day of the appearance.
 */
export const appearanceDeadlinePolicies: Record<AppearanceDeadlineKey, DeadlinePolicy> = {
  speaker_informed: {
    key: 'speaker_informed',
    rule: 'п. 31 (internal target)',
    amount: 3,
    unit: 'working_days',
    reading: 'working',
    from: 'the day of the appearance',
    direction: 'before',
    description: 'The press secretary informs the speaker of the format in good time (п. 31): at least N working days before.',
    internalTarget: true,
  },
  materials_ready: {
    key: 'materials_ready',
    rule: 'п. 33, 34 (internal target)',
    amount: 2,
    unit: 'working_days',
    reading: 'working',
    from: 'the day of the appearance',
    direction: 'before',
    description: 'Every unit’s materials reach the press secretary at least N working days before the appearance.',
    internalTarget: true,
  },
};
