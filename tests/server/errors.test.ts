import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_ERROR_STATUS } from '../../engine/errors.js';
import { InstantSchema, IsoDateSchema } from '../../machines/common/events.js';
import { API_ERRORS } from '../../server/errors.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let app: FastifyInstance;
beforeAll(async () => {
  t = await buildTestApp();
  app = t.app;
});
afterAll(async () => {
  await t.close();
});

describe('error codes', () => {
  it('should give every engine error code the same status in the API', () => {
    for (const [code, status] of Object.entries(ENGINE_ERROR_STATUS)) {
      expect(API_ERRORS, code).toHaveProperty([code]);
      expect(API_ERRORS[code as keyof typeof API_ERRORS].status, code).toBe(status);
    }
  });

  it('should add to the engine codes only the ones the HTTP layer raises', () => {
    const httpOnly = Object.keys(API_ERRORS).filter((code) => !Object.hasOwn(ENGINE_ERROR_STATUS, code));
    expect(httpOnly.sort()).toEqual(['internal_error', 'payload_too_large', 'rate_limited', 'unauthorized', 'unsupported_media_type']);
    for (const entry of Object.values(API_ERRORS)) expect(entry.description.length).toBeGreaterThan(0);
  });

  it('should document every error code in the OpenAPI description', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const code of Object.keys(API_ERRORS)) expect(doc.info.description, code).toContain(`\`${code}\``);
  });

  it('should document which roles may send each event', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const text = doc.paths['/cases/{id}/events'].post.description as string;
    expect(text).toContain('| feedback-inquiry | `extend` | chairman |');
    expect(text).toContain('| publication | `post` | administrator |');
  });
});

describe('dates and instants: one definition, in validation and in the OpenAPI document', () => {
  it('should document an instant and a date with the shared description, example and pattern', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    // The creation body is one branch per procedure (components `Create<Procedure>Case`).
    const body = doc.components.schemas.CreateFeedbackInquiryCase;
    // OpenAPI 3.0 has one `example` where JSON Schema has `examples`; the document converts.
    expect(body.properties.occurredAt).toMatchObject({
      type: 'string',
      description: 'ISO-8601 instant with an offset or Z',
      example: '2025-03-06T10:00:00+05:00',
      pattern: (InstantSchema as unknown as { pattern: string }).pattern,
    });
    const date = doc.paths['/calendars/{calendarId}/days/{date}'].get.parameters.find((p: { name: string }) => p.name === 'date');
    expect(date).toMatchObject({
      description: 'YYYY-MM-DD, a day in Asia/Almaty',
      example: '2025-03-26',
      schema: { type: 'string', pattern: (IsoDateSchema as unknown as { pattern: string }).pattern },
    });
  });

  it('should refuse a malformed instant or date naming the field and the expected format, not the regex', async () => {
    const created = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: {}, occurredAt: '2025-03-06T09:00:00' });
    expect(created.statusCode).toBe(400);
    expect(created.json().error).toEqual({
      code: 'invalid_request',
      message: 'body.occurredAt: expected ISO-8601 instant with an offset or Z, e.g. 2025-03-06T10:00:00+05:00.',
    });
    const day = await t.as('car').get('/calendars/kz/days/2025-3-1');
    expect(day.statusCode).toBe(400);
    expect(day.json().error.message).toBe('params.date: expected YYYY-MM-DD, a day in Asia/Almaty, e.g. 2025-03-26.');
    // The shape is the schema's; a real day is the calendar's parser's to check.
    const impossible = await t.as('car').get('/calendars/kz/days/2025-02-30');
    expect(impossible.statusCode).toBe(400);
    expect(impossible.json().error.details).toMatchObject({ reason: 'invalid_date' });
  });
});
