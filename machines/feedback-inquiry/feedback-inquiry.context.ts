/** P3 — the context of a `feedback-inquiry` case as a schema (`FeedbackInquiryContext`; see common/context.schema.ts). */
import { Type } from 'typebox';
import { LanguageSchema } from '../common/events.js';
import {
  ActorSchema,
  ChildSchema,
  CLOSED,
  ContextInstant as At,
  ContextLiterals,
  ContextString as Str,
  RedirectionChildContextSchema,
  RedirectionRecordSchema,
  RedirectRecordSchema,
  contextSchema,
} from '../common/context.schema.js';

export const FeedbackInquiryContextSchema = contextSchema(
  {
    applicant: Type.Object({ name: Str(), email: Str() }, CLOSED),
    language: LanguageSchema,
    kind: ContextLiterals(['question', 'proposal']),
    text: Str('the question or proposal'),
    receivedAt: At('the receipt: the review counts from it'),
    createdBy: ActorSchema,
    registrationNumber: Type.Optional(Str('EDMS registration number')),
    unit: Type.Optional(Str('the responsible unit')),
    assignee: Type.Optional(Str('the person of the unit who took the case')),
    extensions: Type.Array(
      Type.Object({ days: Type.Integer(), reason: Str(), applicantReason: Type.Optional(Str()), at: At() }, CLOSED),
    ),
    extensionDays: Type.Integer({ description: 'the sum of the extensions, at most 30 (п. 39)' }),
    answer: Type.Optional(
      Type.Object(
        { text: Str(), citations: Type.Array(Str()), language: LanguageSchema, submittedAt: At(), approvedAt: Type.Optional(At()) },
        CLOSED,
      ),
    ),
    returns: Type.Array(Type.Object({ comment: Str(), at: At() }, CLOSED)),
    noted: Type.Optional(Type.Object({ comment: Type.Optional(Str()), at: At() }, CLOSED)),
    redirection: Type.Optional(RedirectionRecordSchema),
    redirects: Type.Array(RedirectRecordSchema),
    children: Type.Optional(Type.Object({ redirection: Type.Optional(ChildSchema(RedirectionChildContextSchema)) }, CLOSED)),
  },
  'The context of a feedback-inquiry case (P3)',
);
