/**
 * Issue 13 §3: the public form registers one case for a double submission. The same
 * submission within 10 minutes of the first case returns it (200, same reference, no
 * second acknowledgement), also after a restart and across a round 10 minutes (the window
 * slides: before, fixed slots 10:00–10:10 made a second case at 10:10:30 of a submission of
 * 10:09:30); `Idempotency-Key` works there too.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { UserDirectory } from '../../server/auth.js';
import { INTAKE_DEDUP_WINDOW_MS } from '../../server/routes/intake.js';
import { buildTestApp, kz, type TestApp } from '../helpers/app.js';

const form = { name: 'Айгерим', email: 'aigerim@example.kz', language: 'ru', kind: 'question', text: 'Когда откроется приём?' };

let t: TestApp;
beforeEach(async () => {
  // 10:01 UTC.
  t = await buildTestApp({ now: '2025-03-06T10:01:00.000Z' });
});
afterEach(async () => {
  await t.close();
});

const submit = (app: TestApp['app'], body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: '/intake/feedback', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });

async function inquiries(engine: Engine): Promise<string[]> {
  return (await engine.listCases({ procedure: 'feedback-inquiry', limit: 100 })).cases.map((c) => c.id);
}

/** The acknowledgements queued for a case (one per case). */
async function acknowledgements(engine: Engine, id: string): Promise<number> {
  return (await engine.messages(id)).length;
}

describe('the same submission twice', () => {
  it('should return the first case and queue no second acknowledgement', async () => {
    const first = await submit(t.app, form);
    expect(first.statusCode, first.body).toBe(201);
    t.clock.set('2025-03-06T10:08:59.000Z');
    const again = await submit(t.app, form);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await inquiries(t.engine)).toEqual([first.json().reference]);
    expect(await acknowledgements(t.engine, first.json().reference)).toBe(1);
  });

  it('should return the first case across the end of a round 10 minutes (a sliding window), and a new one after it', async () => {
    t.clock.set('2025-03-06T10:09:30.000Z');
    const first = await submit(t.app, form);
    expect(first.statusCode, first.body).toBe(201);
    const reference = first.json().reference as string;
    t.clock.set('2025-03-06T10:10:30.000Z');
    const again = await submit(t.app, form);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().reference).toBe(reference);
    expect(await inquiries(t.engine)).toEqual([reference]);
    expect(await acknowledgements(t.engine, reference)).toBe(1);

    // 11 minutes after the first: a new case, with its own acknowledgement.
    t.clock.set('2025-03-06T10:20:30.000Z');
    const later = await submit(t.app, form);
    expect(later.statusCode, later.body).toBe(201);
    const second = later.json().reference as string;
    expect(second).not.toBe(reference);
    expect(await acknowledgements(t.engine, second)).toBe(1);
    // The window now counts from the second case.
    t.clock.set('2025-03-06T10:29:30.000Z');
    const repeat = await submit(t.app, form);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json().reference).toBe(second);
    expect((await inquiries(t.engine)).sort()).toEqual([reference, second].sort());
  });

  it('should register another case for another text, another applicant, or after the window', async () => {
    const first = (await submit(t.app, form)).json().reference as string;
    const otherText = await submit(t.app, { ...form, text: 'Другой вопрос' });
    const otherApplicant = await submit(t.app, { ...form, email: 'someone@example.kz' });
    expect(otherText.statusCode).toBe(201);
    expect(otherApplicant.statusCode).toBe(201);
    t.clock.set(new Date(Date.parse('2025-03-06T10:01:00.000Z') + INTAKE_DEDUP_WINDOW_MS).toISOString());
    const later = await submit(t.app, form);
    expect(later.statusCode).toBe(201);
    const ids = [first, otherText.json().reference, otherApplicant.json().reference, later.json().reference];
    expect(new Set(ids).size).toBe(4);
    expect((await inquiries(t.engine)).sort()).toEqual([...ids].sort());
  });

  it('should remember the submission across a restart (it is in the database)', async () => {
    const first = await submit(t.app, form);
    expect(first.statusCode).toBe(201);
    await t.app.close();
    await t.engine.close();
    const engine = await createEngine({ databasePath: t.databasePath, synchronous: 'NORMAL', calendar: kz, procedures, clock: t.clock });
    const app = await buildApp({ calendars: { kz }, engine, users: new UserDirectory({ users: [] }) });
    try {
      const again = await submit(app, form);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json().reference).toBe(first.json().reference);
      expect(await inquiries(engine)).toHaveLength(1);
    } finally {
      // afterEach closes the first app and engine again (a no-op) and removes the folder.
      await app.close();
      await engine.close();
    }
  });
});

describe('Idempotency-Key on the public form', () => {
  it('should return the first answer for the same key, and refuse the key with another submission', async () => {
    const first = await submit(t.app, form, { 'idempotency-key': 'form-7f3a' });
    expect(first.statusCode).toBe(201);
    // A retry hours later: the key, without a window, decides.
    t.clock.set('2025-03-06T12:00:00.000Z');
    const retry = await submit(t.app, form, { 'idempotency-key': 'form-7f3a' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().reference).toBe(first.json().reference);
    const reused = await submit(t.app, { ...form, text: 'Другой вопрос' }, { 'idempotency-key': 'form-7f3a' });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    expect(await inquiries(t.engine)).toHaveLength(1);
  });

  it('should not meet a staff key of the same text', async () => {
    const staff = await t.as('car').post(
      '/cases',
      { procedure: 'feedback-inquiry', input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' } },
      { 'idempotency-key': 'shared-key' },
    );
    expect(staff.statusCode, staff.body).toBe(201);
    const publicForm = await submit(t.app, form, { 'idempotency-key': 'shared-key' });
    expect(publicForm.statusCode).toBe(201);
    expect(publicForm.json().reference).not.toBe(staff.json().id);
  });

  it.each([['a'.repeat(201)], ['with space'], ['ключ']])('should refuse the key %j with 400', async (key) => {
    const res = await submit(t.app, form, { 'idempotency-key': key });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(await inquiries(t.engine)).toHaveLength(0);
  });
});
