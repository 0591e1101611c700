/**
 * The public intake of the site's feedback form (п. 35–36): no token, strict validation,
 * rate-limited per address. It creates a `feedback-inquiry` case (the acknowledgement with
 * the review term is queued at once) and answers with the new case's reference only —
 * never anything about other cases.
 *
 * Double submissions (a double click, a reload, a retry after a lost answer) register one
 * case: the same submission (e-mail, name, language, kind and text, exactly) within
 * `INTAKE_DEDUP_WINDOW_MS` after the case it made returns that case (200, the same
 * reference) and queues no second acknowledgement. The window slides: it counts from the
 * first case's registration, whatever the time of day (a repeat at 10:10:30 of a
 * submission of 10:09:30 is the same case); a repeat after the window registers a new case,
 * from which the window then counts. This is the engine's idempotency (engine/idempotency.ts,
 * `idempotencyWindowMs`) under a key derived from the submission, so it is in the database
 * and survives a restart. The guard is against accidental repeats, not a rule that an
 * applicant may ask a question once. A caller's own `Idempotency-Key` takes the place of
 * the derived key (prefixed, so it can never meet a staff key) and counts without a window.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { ApiError } from '../errors.js';
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

/** How long after a case the same submission returns it (10 minutes). */
export const INTAKE_DEDUP_WINDOW_MS = 10 * 60 * 1000;

/** A caller's Idempotency-Key on the public form: short printable ASCII (it is a DB key). */
const CLIENT_KEY = /^[\x21-\x7e]{1,200}$/;

/** The derived key: a hash of the submission, so the key itself holds no personal data. */
function submissionKey(input: Record<string, unknown>): string {
  const digest = createHash('sha256').update(JSON.stringify(input)).digest('hex');
  return `intake:feedback:${digest}`;
}

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

  const Receipt = Type.Object({
    reference: Type.String({ description: 'The case id, to quote in correspondence' }),
    receivedAt: InstantSchema,
    reviewLastDay: Type.Optional(IsoDateSchema),
    message: Type.String(),
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
        headers: Type.Object({
          'idempotency-key': Type.Optional(
            Type.String({ description: 'Optional; a retry with the same key returns the first answer (200) instead of a second case' }),
          ),
        }),
        response: {
          201: { ...Receipt, description: 'Registered: the reference and the last day of the review' },
          200: { ...Receipt, description: 'The same submission was received a moment ago (or the Idempotency-Key was used): its case' },
          ...errorResponses('invalid_request', 'payload_too_large', 'unsupported_media_type', 'idempotency_key_reused', 'rate_limited', 'storage_unavailable'),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const input = { applicant: { name: b.name.trim(), email: b.email }, language: b.language, kind: b.kind, text: b.text };
      const given = request.headers['idempotency-key'];
      if (given !== undefined && !CLIENT_KEY.test(given)) {
        throw new ApiError('invalid_request', 'Idempotency-Key must be 1 to 200 printable ASCII characters without spaces.');
      }
      const actor = { name: 'site feedback form', role: 'system' } as const;
      const result = await opts.engine.createCase(
        'feedback-inquiry',
        input,
        given !== undefined
          ? { actor, idempotencyKey: `intake:key:${given}` }
          : { actor, idempotencyKey: submissionKey(input), idempotencyWindowMs: INTAKE_DEDUP_WINDOW_MS },
      );
      const review = result.view.deadlines.find((d) => d.key === 'review');
      const messages = {
        ru: 'Ваше обращение принято. Подтверждение со сроком рассмотрения отправлено на ваш e-mail.',
        kk: 'Өтінішіңіз қабылданды. Қарау мерзімі көрсетілген растау хат e-mail-ге жіберілді.',
        en: 'Your message has been received. A confirmation with the review term is sent to your e-mail.',
      } as const;
      return reply.status(result.replayed ? 200 : 201).send({
        reference: result.view.id,
        receivedAt: result.view.createdAt,
        ...(review ? { reviewLastDay: review.lastDay } : {}),
        message: messages[b.language],
      });
    },
  );
};
