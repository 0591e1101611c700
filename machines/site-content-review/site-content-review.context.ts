/** The context of a `site-content-review` case as a schema (`SiteContentReviewContext`; see common/context.schema.ts). */
import { Type } from 'typebox';
import { SITE_CONTENT_KIND_KEYS } from './site-content.kinds.js';
import { ActorSchema, CLOSED, ContextInstant as At, ContextLiterals, ContextString as Str, contextSchema } from '../common/context.schema.js';

export const SiteContentReviewContextSchema = contextSchema(
  {
    kind: ContextLiterals(SITE_CONTENT_KIND_KEYS, 'the kind of information of п. 9'),
    period: Str('the review period, e.g. 2026-Q1'),
    unit: Str('the responsible unit'),
    assignee: Type.Optional(Str('the person of the unit who took the review')),
    url: Type.Optional(Str('the page the register named when the review was opened')),
    openedAt: At('the opening: the review term counts from it'),
    createdBy: ActorSchema,
    outcome: Type.Optional(
      Type.Object(
        {
          result: ContextLiterals(['present', 'missing']),
          url: Type.Optional(Str('the page confirmed')),
          note: Type.Optional(Str('what is missing')),
          at: At(),
          by: ActorSchema,
        },
        CLOSED,
      ),
    ),
  },
  'The context of a site-content-review case (п. 9)',
);
