/**
 * The authorisation matrix: every event of every procedure × every role. A role the
 * machine's table does not list gets 403 and changes nothing; a listed role is never
 * refused for its role (it may still be refused for the state or the payload).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procedures } from '../../machines/index.js';
import { HUMAN_ROLES } from '../../server/auth.js';
import { writeRefusal } from '../../server/read-access.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { SYSTEM_ACTOR } from '../../engine/runner.js';

let t: TestApp;
const caseIds: Record<string, string> = {};
const inputs: Record<string, [string, Record<string, unknown>]> = {
  publication: ['initiator', { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2025-04-17' }],
  'feedback-inquiry': ['car', { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' }],
  'blog-question': ['press_secretary', { channel: 'blog', author: { name: 'B' }, language: 'ru', text: 'Q' }],
  appearance: ['press_secretary', { outlet: 'Khabar', format: 'tv', topic: 'T', place: 'Astana', scheduledAt: '2025-04-24T15:00:00+05:00' }],
  'employee-post': ['initiator', { kind: 'approval', employee: { name: 'E' }, platform: 'Facebook', text: 'P' }],
};
/** Created by the engine only (beforeAll); every HTTP role is refused creating one. */
const SYSTEM_INPUTS: Record<string, Record<string, unknown>> = {
  'site-content-review': { kind: 'news', unit: 'Департамент экспорта', period: '2025-Q2' },
};
/** A procedure whose creating roles open different paths: the input each other creating role sends. */
const otherPathInputs: Record<string, Partial<Record<string, Record<string, unknown>>>> = {
  'employee-post': { press_secretary: { kind: 'removal', employee: { name: 'E' }, platform: 'Telegram', link: 'https://t.me/x/1', reason: 'R' } },
};

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-04-01T05:00:00.000Z' });
  for (const [procedure, [role, input]] of Object.entries(inputs)) {
    const res = await t.as(role as never).post('/cases', { procedure, input });
    expect(res.statusCode).toBe(201);
    caseIds[procedure] = res.json().id;
  }
  // Only the engine opens a site-content review (its periodic worker): no HTTP role creates one.
  const review = await t.engine.createCase('site-content-review', SYSTEM_INPUTS['site-content-review']!, { actor: SYSTEM_ACTOR });
  caseIds['site-content-review'] = review.view.id;
});
afterAll(async () => {
  await t.close();
});

describe('authorisation matrix', () => {
  for (const module of Object.values(procedures)) {
    for (const [type, allowed] of Object.entries(module.eventRoles)) {
      for (const role of HUMAN_ROLES) {
        // A comment or a correction also needs a part in the procedure (tests/server/read-matrix.test.ts).
        const permitted = allowed.includes(role) && writeRefusal(module.id, type, role) === null;
        it(`${module.id}: ${type} by ${role} → ${permitted ? 'not refused for the role' : '403'}`, async () => {
          const id = caseIds[module.id]!;
          const before = (await t.as('auditor').get(`/cases/${id}`)).json().seq;
          const res = await t.as(role).post(`/cases/${id}/events`, { type });
          if (permitted) {
            expect(res.statusCode, res.body).not.toBe(403);
            expect(res.statusCode).toBeLessThan(500);
          } else {
            expect(res.statusCode, res.body).toBe(403);
            expect(res.json().error.code).toBe('forbidden');
            expect((await t.as('auditor').get(`/cases/${id}`)).json().seq).toBe(before);
          }
        });
      }
    }
  }

  it('should let only the creating roles create a case', async () => {
    for (const module of Object.values(procedures)) {
      for (const role of HUMAN_ROLES) {
        const input = otherPathInputs[module.id]?.[role] ?? inputs[module.id]?.[1] ?? SYSTEM_INPUTS[module.id]!;
        const res = await t.as(role).post('/cases', { procedure: module.id, input });
        if (module.createRoles.includes(role)) {
          expect(res.statusCode, `${module.id} by ${role}`).toBe(201);
          continue;
        }
        // The engine's refusal: the code, a message naming the role, and who may create.
        expect(res.statusCode, `${module.id} by ${role}`).toBe(403);
        const { error } = res.json() as { error: { code: string; message: string; details: { roles: string[] } } };
        expect(error.code).toBe('forbidden');
        expect(error.message).toContain(role);
        expect(error.details.roles).toEqual(module.createRoles);
      }
    }
  });

  it('should let the auditor read everything and write nothing', async () => {
    const id = caseIds['feedback-inquiry']!;
    for (const path of ['', '/history', '/messages', '/verify', '/replay?seq=1']) {
      expect((await t.as('auditor').get(`/cases/${id}${path}`)).statusCode, path).toBe(200);
    }
    expect((await t.as('auditor').get('/cases')).statusCode).toBe(200);
    const comment = await t.as('auditor').post(`/cases/${id}/events`, { type: 'comment', text: 'x' });
    expect(comment.statusCode).toBe(403);
  });

  it('should refuse requests without a token or with an unknown one', async () => {
    const id = caseIds['feedback-inquiry']!;
    const none = await t.app.inject({ method: 'GET', url: `/cases/${id}` });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthorized');
    const bad = await t.app.inject({ method: 'GET', url: `/cases/${id}`, headers: { authorization: 'Bearer nope' } });
    expect(bad.statusCode).toBe(401);
  });

  it('should let a person with two roles choose one with X-Acting-Role', async () => {
    // press_secretary and administrator both take part in P1.
    const id = caseIds.publication!;
    const post = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: `/cases/${id}/events`,
        headers: { authorization: 'Bearer token-two-hats', 'content-type': 'application/json', ...headers },
        payload: JSON.stringify({ type: 'comment', text: 'from the press office' }),
      });
    const explicit = await post({ 'x-acting-role': 'administrator' });
    expect(explicit.statusCode).toBe(200);
    const history = (await t.as('auditor').get(`/cases/${id}/history`)).json().events;
    expect(history.at(-1)).toMatchObject({ type: 'comment', actor: 'two-hats', role: 'administrator' });
    expect((await post({ 'x-acting-role': 'chairman' })).statusCode).toBe(403);
  });
});
