/** P1 — publication of an information material (п. 8–16) and P2 — translation (п. 13): schemas, roles, policies. */
import { Type, type Static } from 'typebox';
import type { DeadlinePolicy, Role } from '../contract.js';
import {
  COMMENT_ROLES,
  CommentPayload,
  HttpUrlSchema,
  InstantSchema,
  IsoDateSchema,
  NonEmpty,
  deadlineMissedPayload,
  type EnvelopesOf,
} from '../common/events.js';
import { Correctable } from '../common/corrections.js';
import { recordEventRoles, recordEventSchemas, recountEventRoles, recountEventSchemas } from '../common/record-events.js';

export const CHANNELS = ['site', 'facebook', 'instagram', 'telegram'] as const;
export type Channel = (typeof CHANNELS)[number];
export const ChannelSchema = Type.Union([
  Type.Literal('site'),
  Type.Literal('facebook'),
  Type.Literal('instagram'),
  Type.Literal('telegram'),
]);
export const TRANSLATION_LANGUAGES = ['kk', 'en'] as const;
export type TranslationLanguage = (typeof TRANSLATION_LANGUAGES)[number];
export const TranslationLanguageSchema = Type.Union([Type.Literal('kk'), Type.Literal('en')]);
export const MaterialKindSchema = Type.Union([Type.Literal('regular'), Type.Literal('graphic'), Type.Literal('procurement')]);
export type MaterialKind = Static<typeof MaterialKindSchema>;

export const PublicationInput = Type.Object({
  title: Correctable(NonEmpty('title of the material')),
  body: Type.Optional(Type.String({ maxLength: 200_000, description: 'the text of the material' })),
  kind: MaterialKindSchema,
  channels: Type.Array(ChannelSchema, { minItems: 1, description: 'target channels (п. 3, 6.5, 8)' }),
  plannedFor: Type.Optional(Correctable(IsoDateSchema)),
  announcementPublishedAt: Type.Optional(Correctable(InstantSchema)),
});
export type PublicationInput = Static<typeof PublicationInput>;

export const PUBLICATION_DEADLINE_KEYS = ['submission', 'translation', 'posting'] as const;
export type PublicationDeadlineKey = (typeof PUBLICATION_DEADLINE_KEYS)[number];

/** P2's own events (P1 forwards them to the invoked translation machine). */
export const translationEventSchemas = {
  deliver_translation: Type.Object({ language: TranslationLanguageSchema, text: NonEmpty('the translation') }),
} as const;

export const publicationEventSchemas = {
  accept: Type.Object({ note: Type.Optional(Type.String({ description: 'accept the material for its planned date' })) }),
  request_changes: Type.Object({ comment: NonEmpty('what the initiator must change') }),
  resubmit: Type.Object({ title: Type.Optional(NonEmpty()), body: Type.Optional(Type.String({ maxLength: 200_000 })) }),
  reschedule: Type.Object({ plannedFor: IsoDateSchema }),
  reject: Type.Object({ reason: NonEmpty('why the material is rejected') }),
  send_for_translation: Type.Object({
    languages: Type.Array(TranslationLanguageSchema, { minItems: 1, maxItems: 2, description: 'requested languages' }),
  }),
  ...translationEventSchemas,
  send_to_administrator: Type.Object({}),
  post: Type.Object({ channel: ChannelSchema, url: Correctable(HttpUrlSchema('URL of the posted material')) }),
  comment: CommentPayload,
  ...recordEventSchemas(PUBLICATION_DEADLINE_KEYS),
  deadline_missed: deadlineMissedPayload(PUBLICATION_DEADLINE_KEYS),
  ...recountEventSchemas(PUBLICATION_DEADLINE_KEYS),
} as const;
export type PublicationEventType = keyof typeof publicationEventSchemas;
export type PublicationEvent = EnvelopesOf<typeof publicationEventSchemas>;

export const publicationCreateRoles: Role[] = ['initiator'];
export const publicationEventRoles: Record<PublicationEventType, Role[]> = {
  accept: ['press_secretary'],
  request_changes: ['press_secretary'],
  resubmit: ['initiator'],
  reschedule: ['press_secretary'],
  reject: ['press_secretary'],
  send_for_translation: ['press_secretary'],
  deliver_translation: ['car'],
  send_to_administrator: ['press_secretary'],
  post: ['administrator'],
  comment: COMMENT_ROLES,
  // P1 sends no mail today; a failed message would be the press secretary's to resend.
  ...recordEventRoles(['press_secretary']),
  deadline_missed: ['system'],
  ...recountEventRoles,
};

/** п. 11 lead times, by kind; all are the `submission` deadline, judged at creation. */
export const submissionPolicies: Record<MaterialKind, DeadlinePolicy> = {
  regular: {
    key: 'submission',
    rule: 'п. 11',
    amount: 2,
    unit: 'working_days',
    reading: 'working',
    from: 'the planned publication date',
    direction: 'before',
    description: 'A material is submitted not less than 2 working days before its publication date.',
  },
  graphic: {
    key: 'submission',
    rule: 'п. 11',
    amount: 3,
    unit: 'working_days',
    reading: 'working',
    from: 'the planned publication date',
    direction: 'before',
    description: 'A material needing graphic design work is submitted not less than 3 working days before publication.',
  },
  procurement: {
    key: 'submission',
    rule: 'п. 11',
    amount: 1,
    unit: 'working_days',
    reading: 'working',
    from: 'publication of the procurement announcement on the official site',
    direction: 'after',
    description: 'A procurement announcement is submitted within 1 working day of its publication.',
  },
};

export const publicationDeadlinePolicies: Record<PublicationDeadlineKey, DeadlinePolicy> = {
  /** The `regular` variant; see `submissionPolicies` for `graphic` and `procurement`. */
  submission: submissionPolicies.regular,
  translation: {
    key: 'translation',
    rule: 'п. 13',
    amount: 2,
    unit: 'days',
    reading: 'calendar',
    from: 'sending the edited material to ЦАР',
    direction: 'after',
    description: 'ЦАР delivers every requested translation (kk, en).',
  },
  posting: {
    key: 'posting',
    rule: 'п. 14',
    amount: 1,
    unit: 'days',
    reading: 'calendar',
    from: 'receipt of the material by the administrator',
    direction: 'after',
    description: 'The administrator posts the material on every target channel.',
  },
};
