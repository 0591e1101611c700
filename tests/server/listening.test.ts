/**
 * One suite against a real listening server (sockets, not inject): the app bound to an
 * ephemeral loopback port, driven with fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../helpers/app.js';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-06-02T05:00:00.000Z' });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = address;
});
afterAll(async () => {
  await t.close();
});

const headers = (role: Parameters<typeof token>[0], extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token(role)}`,
  'content-type': 'application/json',
  ...extra,
});

describe('a real listening server', () => {
  it('should create and advance a case over TCP with If-Match and Idempotency-Key', async () => {
    const created = await fetch(`${base}/cases`, {
      method: 'POST',
      headers: headers('press_secretary'),
      body: JSON.stringify({
        procedure: 'blog-question',
        input: { channel: 'blog', author: { name: 'Дана' }, language: 'ru', text: 'Когда будет ответ?' },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    const view = (await created.json()) as { id: string; seq: number };

    const send = () =>
      fetch(`${base}/cases/${view.id}/events`, {
        method: 'POST',
        headers: headers('car', { 'if-match': `"${view.seq}"`, 'idempotency-key': 'register-once' }),
        body: JSON.stringify({ type: 'register', registrationNumber: 'ЖТ-55' }),
      });
    const first = await send();
    expect(first.status).toBe(200);
    const retry = await send();
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { seq: number }).seq).toBe(2);

    const history = await fetch(`${base}/cases/${view.id}/history`, { headers: headers('auditor') });
    const events = ((await history.json()) as { events: { type: string }[] }).events;
    expect(events.map((e) => e.type)).toEqual(['created', 'register']);
  });

  it('should answer the public intake without a token and reveal nothing else', async () => {
    const res = await fetch(`${base}/intake/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Asel', email: 'asel@example.kz', language: 'kk', kind: 'question', text: 'Сұрақ бар' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['message', 'receivedAt', 'reference', 'reviewLastDay']);
    expect(body.reviewLastDay).toBe('2025-06-17');
  });

  it('should serve Swagger UI and the OpenAPI document listing every route of the contract', async () => {
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/health',
      '/calendars/{calendarId}/days/{date}',
      '/calendars/{calendarId}/years/{year}',
      '/calendars/{calendarId}/deadline',
      '/cases',
      '/cases/{id}',
      '/cases/{id}/events',
      '/cases/{id}/history',
      '/cases/{id}/messages',
      '/cases/{id}/replay',
      '/cases/{id}/verify',
      '/machines',
      '/machines/{procedure}',
      '/machines/{procedure}/diagram',
      '/intake/feedback',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });
});
