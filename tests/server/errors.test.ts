import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_ERROR_STATUS } from '../../engine/errors.js';
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
