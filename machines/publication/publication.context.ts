/** P1 (with P2) — the context of a `publication` case as a schema (`PublicationContext`; see common/context.schema.ts). */
import { Type } from 'typebox';
import {
  ActorSchema,
  ChildSchema,
  CLOSED,
  ContextInstant as At,
  ContextIsoDate,
  ContextLiterals,
  ContextString as Str,
  contextSchema,
} from '../common/context.schema.js';
import { CHANNELS, TRANSLATION_LANGUAGES } from './publication.events.js';

const Channel = ContextLiterals(CHANNELS);
const Language = ContextLiterals(TRANSLATION_LANGUAGES);
const Translations = Type.Object(
  Object.fromEntries(TRANSLATION_LANGUAGES.map((l) => [l, Type.Optional(Type.Object({ text: Str(), deliveredAt: At() }, CLOSED))])),
  CLOSED,
);

/** The context of a running P2 (translation.machine.ts `TranslationContext`). */
const TranslationChildContextSchema = Type.Object(
  {
    languages: Type.Array(Language),
    sentAt: At(),
    title: Str(),
    body: Type.Optional(Str()),
    translations: Translations,
    lastDeliveredAt: Type.Optional(At()),
  },
  CLOSED,
);

export const PublicationContextSchema = contextSchema(
  {
    title: Str(),
    body: Type.Optional(Str()),
    kind: ContextLiterals(['regular', 'graphic', 'procurement']),
    channels: Type.Array(Channel),
    plannedFor: Type.Optional(ContextIsoDate('the planned publication date P')),
    announcementPublishedAt: Type.Optional(At()),
    submittedAt: At(),
    createdBy: ActorSchema,
    schedule: Type.Array(
      Type.Object(
        {
          decision: ContextLiterals(['accepted', 'rescheduled']),
          plannedFor: Type.Optional(ContextIsoDate()),
          previous: Type.Optional(ContextIsoDate()),
          note: Type.Optional(Str()),
          at: At(),
        },
        CLOSED,
      ),
    ),
    changeRequests: Type.Array(Type.Object({ comment: Str(), at: At(), resubmittedAt: Type.Optional(At()) }, CLOSED)),
    rejection: Type.Optional(Type.Object({ reason: Str(), at: At() }, CLOSED)),
    translationRequest: Type.Optional(Type.Object({ languages: Type.Array(Language), at: At() }, CLOSED)),
    translations: Translations,
    sentToAdministratorAt: Type.Optional(At()),
    posts: Type.Object(
      Object.fromEntries(CHANNELS.map((c) => [c, Type.Optional(Type.Object({ url: Str(), at: At() }, CLOSED))])),
      CLOSED,
    ),
    children: Type.Optional(Type.Object({ translation: Type.Optional(ChildSchema(TranslationChildContextSchema)) }, CLOSED)),
  },
  'The context of a publication case (P1, with P2 translation)',
);
