/**
 * Bad input never gets a 5xx and never writes anything: each row asserts the status, the
 * error code, and that the database is unchanged (cases, their seq, and messages).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../helpers/app.js';

let t: TestApp;
let id: string;
const input = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };

/** Everything a request could have written: cases with their seq and message counts. */
async function fingerprint(): Promise<string> {
  const page = await t.engine.listCases({ limit: 500 });
  const rows = [];
  for (const c of page.cases) rows.push([c.id, c.seq, (await t.engine.messages(c.id)).length]);
  return JSON.stringify(rows);
}

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  id = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input, occurredAt: '2025-03-06T04:00:00Z', backdatingReason: 'received by phone' })).json().id;
  await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'R-1' });
});
afterAll(async () => {
  await t.close();
});

type Row = [name: string, method: 'GET' | 'POST', url: () => string, body: string | undefined, headers: Record<string, string>, status: number, code: string];
const car = { authorization: `Bearer ${token('car')}`, 'content-type': 'application/json' };
const sup = { authorization: `Bearer ${token('supervisor')}`, 'content-type': 'application/json' };
const json = (v: unknown) => JSON.stringify(v);

const rows: Row[] = [
  ['malformed JSON', 'POST', () => '/cases', '{"procedure":', car, 400, 'invalid_request'],
  ['empty JSON body', 'POST', () => '/cases', '', car, 400, 'invalid_request'],
  ['a JSON array body', 'POST', () => '/cases', '[]', car, 400, 'invalid_request'],
  ['body over the limit', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input: { ...input, text: 'x'.repeat(300_000) } }), car, 413, 'payload_too_large'],
  ['text/plain body', 'POST', () => '/cases', 'hello', { ...car, 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
  ['unknown procedure', 'POST', () => '/cases', json({ procedure: 'nope', input }), car, 400, 'invalid_request'],
  ['unknown top-level field', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input, extra: 1 }), car, 400, 'invalid_request'],
  ['input of the wrong type', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input: 'text' }), car, 400, 'invalid_request'],
  ['input missing the applicant', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input: { ...input, applicant: undefined } }), car, 400, 'invalid_request'],
  ['an invalid e-mail', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input: { ...input, applicant: { name: 'A', email: 'not-an-email' } } }), car, 400, 'invalid_request'],
  ['an impossible receivedAt', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input: { ...input, receivedAt: '2025-02-30T10:00:00Z' } }), car, 400, 'invalid_request'],
  ['occurredAt in the future', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input, occurredAt: '2025-03-07T05:00:00Z' }), car, 400, 'invalid_request'],
  ['occurredAt without an offset', 'POST', () => '/cases', json({ procedure: 'feedback-inquiry', input, occurredAt: '2025-03-06T09:00:00' }), car, 400, 'invalid_request'],
  ['publication for a year the calendar does not know', 'POST', () => '/cases', json({ procedure: 'publication', input: { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2031-01-15' } }), { ...car, authorization: `Bearer ${token('initiator')}` }, 422, 'calendar_year_unknown'],
  ['unknown case', 'GET', () => '/cases/no-such-case', undefined, car, 404, 'not_found'],
  ['event for an unknown case', 'POST', () => '/cases/no-such-case/events', json({ type: 'register', registrationNumber: 'x' }), car, 404, 'not_found'],
  ['a path parameter over the router limit', 'GET', () => `/cases/${'x'.repeat(150)}`, undefined, car, 400, 'invalid_request'],
  ['a bad percent-encoding in the path', 'GET', () => '/cases/%E0%A4%A', undefined, car, 400, 'invalid_request'],
  ['unknown event type', 'POST', () => `/cases/${id}/events`, json({ type: 'teleport' }), car, 400, 'invalid_request'],
  ['event without a type', 'POST', () => `/cases/${id}/events`, json({ registrationNumber: 'x' }), car, 400, 'invalid_request'],
  ['event payload of the wrong type', 'POST', () => `/cases/${id}/events`, json({ type: 'assign', unit: 42 }), sup, 400, 'invalid_request'],
  ['event the state does not accept', 'POST', () => `/cases/${id}/events`, json({ type: 'approve_answer' }), sup, 409, 'event_not_allowed'],
  ['event occurredAt in the future', 'POST', () => `/cases/${id}/events`, json({ type: 'assign', unit: 'U', occurredAt: '2030-01-01T00:00:00Z' }), sup, 400, 'invalid_request'],
  ['event occurredAt before the previous staff event', 'POST', () => `/cases/${id}/events`, json({ type: 'assign', unit: 'U', occurredAt: '2025-03-01T00:00:00Z' }), sup, 400, 'invalid_request'],
  ['stale If-Match', 'POST', () => `/cases/${id}/events`, json({ type: 'assign', unit: 'U' }), { ...sup, 'if-match': '"1"' }, 409, 'version_conflict'],
  ['unreadable If-Match', 'POST', () => `/cases/${id}/events`, json({ type: 'assign', unit: 'U' }), { ...sup, 'if-match': 'yesterday' }, 400, 'invalid_request'],
  ['replay of a seq past the end', 'GET', () => `/cases/${id}/replay?seq=99`, undefined, car, 400, 'invalid_request'],
  ['bad list filter', 'GET', () => '/cases?overdue=maybe', undefined, car, 400, 'invalid_request'],
  ['impossible dueBefore date', 'GET', () => '/cases?dueBefore=2025-02-30', undefined, car, 400, 'invalid_request'],
  ['dueBefore instant without an offset', 'GET', () => '/cases?dueBefore=2025-03-01T10:00:00', undefined, car, 400, 'invalid_request'],
  ['bad pagination cursor', 'GET', () => '/cases?after=garbage', undefined, car, 400, 'invalid_request'],
  ['intake with an unknown field', 'POST', () => '/intake/feedback', json({ name: 'A', email: 'a@example.kz', language: 'ru', kind: 'question', text: 'Q', admin: true }), { 'content-type': 'application/json' }, 400, 'invalid_request'],
  ['intake with a blank text', 'POST', () => '/intake/feedback', json({ name: 'A', email: 'a@example.kz', language: 'ru', text: '   ' }), { 'content-type': 'application/json' }, 400, 'invalid_request'],
  ['intake in an unknown language', 'POST', () => '/intake/feedback', json({ name: 'A', email: 'a@example.kz', language: 'de', text: 'Q' }), { 'content-type': 'application/json' }, 400, 'invalid_request'],
];

describe('bad inputs', () => {
  it.each(rows)('should answer %s with the right 4xx and write nothing', async (_name, method, url, body, headers, status, code) => {
    const before = await fingerprint();
    const res = await t.app.inject({ method, url: url(), headers, ...(body === undefined ? {} : { payload: body }) });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message.length).toBeGreaterThan(5);
    await t.engine.idle();
    expect(await fingerprint()).toBe(before);
  });

  it('should never answer a fuzzed request with a 5xx, nor write anything when it refuses', async () => {
    const anyJson = fc.oneof(
      fc.jsonValue(),
      fc.record({ procedure: fc.constantFrom('feedback-inquiry', 'publication', 'blog-question', 'x'), input: fc.jsonValue(), occurredAt: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())) }, { requiredKeys: ['procedure'] }),
      fc.record({ type: fc.constantFrom('register', 'assign', 'extend', 'submit_answer', 'comment', 'redirect', 'x'), days: fc.anything(), text: fc.anything(), citations: fc.anything(), unit: fc.anything() }, { requiredKeys: ['type'] }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/cases', `/cases/${id}/events`, '/intake/feedback'),
        fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.string()),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (url, payload, contentType) => {
          const before = await fingerprint();
          const res = await t.app.inject({ method: 'POST', url, payload, headers: { ...sup, 'content-type': contentType } });
          expect(res.statusCode, `${url} ${payload} → ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.json().error.code).toEqual(expect.any(String));
            await t.engine.idle();
            expect(await fingerprint()).toBe(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
