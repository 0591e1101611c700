/** Issue 12 §7 over HTTP: the case view's new fields reach the client and are documented in OpenAPI. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ now: '2026-04-06T05:00:00.000Z' });
});
afterEach(async () => {
  await t.close();
});

describe('the case view over HTTP', () => {
  it('should send the local times, what remains, the pending parts and the target, without system events', async () => {
    const created = await t.as('initiator').post('/cases', {
      procedure: 'publication',
      input: { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2026-04-10' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const sent = await t.as('press_secretary').post(`/cases/${id}/events`, { type: 'send_for_translation', languages: ['en'] });
    expect(sent.statusCode).toBe(200);
    const view = (await t.as('press_secretary').get(`/cases/${id}`)).json();
    expect(view).toMatchObject({
      zone: 'Asia/Almaty',
      createdAtLocal: '2026-04-06T10:00:00.000+05:00',
      pending: [{ step: 'translation', event: 'deliver_translation', field: 'language', awaited: ['en'], done: [] }],
      targets: [{ key: 'publication', date: '2026-04-10', remaining: { today: '2026-04-06', calendarDays: 4, workingDays: 4 } }],
      deadlineHistory: [],
    });
    // 2 calendar days from Mon 04-06 → Wed 04-08.
    expect(view.deadlines.find((d: { key: string }) => d.key === 'translation')).toMatchObject({
      dueAtLocal: '2026-04-09T00:00:00.000+05:00',
      remaining: { today: '2026-04-06', calendarDays: 2 },
    });
    expect(view.allowedEvents.map((a: { type: string }) => a.type)).not.toContain('deadline_missed');
  });

  it('should document the new fields of the case view in OpenAPI', async () => {
    const doc = (await t.as('auditor').get('/docs/json')).json();
    const text = JSON.stringify(doc);
    for (const field of ['deadlineHistory', 'pending', 'targets', 'createdAtLocal', 'nextDueAtLocal', 'dueAtLocal', 'remaining', 'workingDays', 'turn']) {
      expect(text).toContain(`"${field}"`);
    }
    expect(text).toContain('never the engine');
  });
});
