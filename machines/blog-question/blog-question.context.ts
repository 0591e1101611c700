/** P4 — the context of a `blog-question` case as a schema (`BlogQuestionContext`; see common/context.schema.ts). */
import { Type } from 'typebox';
import { LanguageSchema } from '../common/events.js';
import {
  ActorSchema,
  ChildSchema,
  CLOSED,
  ContextDeadlineSchema,
  ContextInstant as At,
  ContextLiterals,
  ContextString as Str,
  RedirectionChildContextSchema,
  RedirectionRecordSchema,
  RedirectRecordSchema,
  contextSchema,
} from '../common/context.schema.js';

export const BlogQuestionContextSchema = contextSchema(
  {
    channel: ContextLiterals(['blog', 'e-otinish']),
    author: Type.Object({ name: Str(), contact: Type.Optional(Str()) }, CLOSED),
    language: LanguageSchema,
    text: Str('the question'),
    receivedAt: At('the receipt'),
    createdBy: ActorSchema,
    registrationNumber: Type.Optional(Str('EDMS registration number')),
    unit: Type.Optional(Str('the responsible unit')),
    assignee: Type.Optional(Str('the person of the unit who took the case')),
    answer: Type.Optional(
      Type.Object({ text: Str(), submittedAt: At(), agreedAt: Type.Optional(At()), approvedAt: Type.Optional(At()) }, CLOSED),
    ),
    turns: Type.Array(
      Type.Object(
        { type: ContextLiterals(['return_answer', 'forward_to_chairman', 'return_for_rework']), at: At(), comment: Type.Optional(Str()) },
        CLOSED,
      ),
    ),
    posted: Type.Optional(Type.Object({ url: Str(), at: At() }, CLOSED)),
    redirection: Type.Optional(RedirectionRecordSchema),
    redirects: Type.Array(RedirectRecordSchema),
    deadlineHistory: Type.Optional(Type.Array(ContextDeadlineSchema, { description: 'the past turns of a repeated deadline (`rework`), from 1.1.0' })),
    children: Type.Optional(Type.Object({ redirection: Type.Optional(ChildSchema(RedirectionChildContextSchema)) }, CLOSED)),
  },
  'The context of a blog-question case (P4)',
);
