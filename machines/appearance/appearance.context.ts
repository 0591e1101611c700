/** P6 — the context of an `appearance` case as a schema (`AppearanceContext`; see common/context.schema.ts). */
import { Type } from 'typebox';
import {
  ActorSchema,
  CLOSED,
  ContextInstant as At,
  ContextIsoDate,
  ContextLiterals,
  ContextString as Str,
  contextSchema,
} from '../common/context.schema.js';
import { APPEARANCE_FORMATS } from './appearance.events.js';

export const AppearanceContextSchema = contextSchema(
  {
    outlet: Str('the media outlet or the organiser of the event'),
    format: ContextLiterals(APPEARANCE_FORMATS),
    topic: Str(),
    broadcast: Type.Optional(ContextLiterals(['live', 'recorded'])),
    questions: Type.Optional(Type.Array(Str())),
    place: Str(),
    scheduledAt: At('when the appearance or the recording takes place'),
    appearanceDay: ContextIsoDate('the day of the appearance: the internal targets count back from it'),
    createdBy: ActorSchema,
    speaker: Type.Optional(Type.Object({ name: Str(), position: Type.Optional(Str()) }, CLOSED)),
    units: Type.Array(Str(), { description: 'the units preparing the materials, the responsible one first' }),
    unit: Type.Optional(Str('the responsible unit (the first of units)')),
    designatedAt: Type.Optional(At()),
    designationAgreedAt: Type.Optional(At()),
    designationReturns: Type.Array(Type.Object({ comment: Str(), at: At() }, CLOSED)),
    speakerInformed: Type.Optional(Type.Object({ at: At(), note: Type.Optional(Str()) }, CLOSED)),
    awaited: Type.Array(Str(), { description: 'the units whose part is still awaited' }),
    materials: Type.Record(Type.String(), Type.Object({ text: Str(), deliveredAt: At(), by: Str('the user who delivered it') }, CLOSED)),
    consolidated: Type.Optional(Type.Object({ text: Str(), at: At() }, CLOSED)),
    materialReturns: Type.Array(Type.Object({ comment: Str(), units: Type.Array(Str()), at: At() }, CLOSED)),
    materialAgreedAt: Type.Optional(At()),
    held: Type.Optional(Type.Object({ at: At(), note: Type.Optional(Str()) }, CLOSED)),
    cancellation: Type.Optional(Type.Object({ reason: Str(), at: At() }, CLOSED)),
  },
  'The context of an appearance case (P6)',
);
