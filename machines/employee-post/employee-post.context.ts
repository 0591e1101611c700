/** P7 — the context of an `employee-post` case as a schema (`EmployeePostContext`; see common/context.schema.ts). */
import { Type } from 'typebox';
import {
  ActorSchema,
  CLOSED,
  ContextDeadlineSchema,
  ContextInstant as At,
  ContextLiterals,
  ContextString as Str,
  contextSchema,
} from '../common/context.schema.js';

export const EmployeePostContextSchema = contextSchema(
  {
    kind: ContextLiterals(['approval', 'removal']),
    employee: Type.Object({ name: Str('the employee (personal data)'), position: Type.Optional(Str()) }, CLOSED),
    platform: Str('the social network, blog platform or page'),
    receivedAt: At('the submission or the demand'),
    createdBy: ActorSchema,
    post: Type.Optional(
      Type.Object({ text: Str('the post as last submitted'), submittedAt: At(), approvedAt: Type.Optional(At()), note: Type.Optional(Str()) }, CLOSED),
    ),
    turns: Type.Array(Type.Object({ type: ContextLiterals(['return_post', 'resubmit']), at: At(), comment: Type.Optional(Str()) }, CLOSED)),
    refusal: Type.Optional(Type.Object({ reason: Str(), at: At() }, CLOSED)),
    withdrawal: Type.Optional(Type.Object({ reason: Type.Optional(Str()), at: At() }, CLOSED)),
    demand: Type.Optional(
      Type.Object(
        {
          link: Str('the post or comment to remove'),
          item: ContextLiterals(['post', 'comment']),
          reason: Str(),
          at: At(),
          escalation: Type.Optional(Type.Object({ comment: Str(), at: At() }, CLOSED)),
          removedAt: Type.Optional(At()),
          note: Type.Optional(Str()),
          decision: Type.Optional(Type.Object({ text: Str(), at: At() }, CLOSED)),
        },
        CLOSED,
      ),
    ),
    deadlineHistory: Type.Array(ContextDeadlineSchema, { description: 'the past turns of `post_review`, one per submission' }),
  },
  'The context of an employee-post case (P7)',
);
