/**
 * The public intake of the site's feedback form (п. 35–36): no token, strict validation,
 * rate-limited per address. It creates a `feedback-inquiry` case (the acknowledgement with
 * the review term is queued at once) and answers with the new case's reference only —
 * never anything about other cases.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { errorResponses, InstantSchema, IsoDateSchema, LiteralUnion } from '../schemas/common.js';

export const IntakeBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'The applicant\'s name' }),
    email: Type.String({ format: 'email', maxLength: 254, description: 'Where the acknowledgement and the answer go' }),
    language: LiteralUnion(['ru', 'kk', 'en'], { description: 'Language of the question and of the answer' }),
    kind: LiteralUnion(['question', 'proposal'], { default: 'question' }),
    text: Type.String({ minLength: 1, maxLength: 20_000, pattern: '\\S' }),
  },
  { additionalProperties: false },
);

export const intakeRoutes: FastifyPluginAsyncTypebox<{ engine: Engine; perMinute: number }> = async (app, opts) => {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => {
      const error = new Error(`Too many submissions from this address; retry in ${Math.ceil(context.ttl / 1000)} s.`) as Error & {
        statusCode: number;
      };
      error.statusCode = 429;
      return error;
    },
  });

  app.post(
    '/intake/feedback',
    {
      config: { rateLimit: { max: opts.perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['intake'],
        operationId: 'submitFeedback',
        summary: 'The site\'s feedback form (public, rate-limited): registers a question or proposal',
        security: [],
        body: IntakeBodySchema,
        response: {
          201: Type.Object(
            {
              reference: Type.String({ description: 'The case id, to quote in correspondence' }),
              receivedAt: InstantSchema,
              reviewLastDay: Type.Optional(IsoDateSchema),
              message: Type.String(),
            },
            { description: 'Registered: the reference and the last day of the review' },
          ),
          ...errorResponses('invalid_request', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'storage_unavailable'),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await opts.engine.createCase(
        'feedback-inquiry',
        { applicant: { name: b.name.trim(), email: b.email }, language: b.language, kind: b.kind, text: b.text },
        { actor: { name: 'site feedback form', role: 'system' } },
      );
      const review = result.view.deadlines.find((d) => d.key === 'review');
      const messages = {
        ru: 'Ваше обращение принято. Подтверждение со сроком рассмотрения отправлено на ваш e-mail.',
        kk: 'Өтінішіңіз қабылданды. Қарау мерзімі көрсетілген растау хат e-mail-ге жіберілді.',
        en: 'Your message has been received. A confirmation with the review term is sent to your e-mail.',
      } as const;
      return reply.status(201).send({
        reference: result.view.id,
        receivedAt: result.view.createdAt,
        ...(review ? { reviewLastDay: review.lastDay } : {}),
        message: messages[b.language],
      });
    },
  );
};
