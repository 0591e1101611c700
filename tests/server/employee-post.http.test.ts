/**
 * P7 `employee-post` over HTTP (app.inject, the real engine on SQLite): both entry paths
 * created and driven to their end with the right roles; the wrong role refused (403 for a
 * role the table does not list, 400 for a creating role on the other path); the employee's
 * data hidden from a role that takes no part.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ now: '2025-06-02T05:00:00.000Z' });
});
afterEach(async () => {
  await t.close();
});

const approval = { kind: 'approval', employee: { name: 'Асель Нурланова', position: 'Департамент экспорта' }, platform: 'Facebook', text: 'Мы провели форум экспортёров.' };
const removal = { kind: 'removal', employee: { name: 'Берик Ахметов' }, platform: 'Telegram', link: 'https://t.me/some/1', item: 'comment', reason: 'Раскрывает условия закупки' };

describe('P7 employee-post over HTTP', () => {
  it('should take a post from submission through a return with comments to the approval', async () => {
    const created = await t.as('initiator').post('/cases', { procedure: 'employee-post', input: approval });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({ procedure: 'employee-post', state: 'submitted', status: 'active', seq: 1 });
    // The internal targets are off by default: no deadline.
    expect(c.deadlines).toEqual([]);
    expect(c.allowedEvents.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['approve', 'return_post', 'refuse', 'withdraw']));

    // The employee may not approve their own post; nothing is written.
    const selfApproval = await t.as('initiator').post(`/cases/${c.id}/events`, { type: 'approve' });
    expect(selfApproval.statusCode).toBe(403);
    expect(selfApproval.json().error.code).toBe('forbidden');

    const view = await advance(t, c.id, [
      ['press_secretary', { type: 'return_post', comment: 'Уберите цифры экспорта' }],
      ['initiator', { type: 'resubmit', text: 'Мы провели форум экспортёров (без цифр).' }],
      ['press_secretary', { type: 'approve' }],
    ]);
    expect(view).toMatchObject({ state: 'approved', status: 'done', seq: 4 });
    expect(view.context).toMatchObject({ post: { text: 'Мы провели форум экспортёров (без цифр).' } });

    const history = (await t.as('auditor').get(`/cases/${c.id}/history`)).json().events;
    expect(history.map((e: { type: string; role: string }) => [e.type, e.role])).toEqual([
      ['created', 'initiator'],
      ['return_post', 'press_secretary'],
      ['resubmit', 'initiator'],
      ['approve', 'press_secretary'],
    ]);
    expect((await t.as('auditor').get(`/cases/${c.id}/verify`)).json()).toMatchObject({ ok: true, events: 4, problems: [] });
  });

  it('should take a removal demand through the escalation to the manager’s decision', async () => {
    const created = await t.as('press_secretary').post('/cases', { procedure: 'employee-post', input: removal });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({ state: 'removal_demanded', status: 'active' });

    // The manager acts only once the demand is escalated.
    const early = await t.as('supervisor').post(`/cases/${c.id}/events`, { type: 'record_decision', decision: 'Замечание' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('event_not_allowed');

    const view = await advance(t, c.id, [
      ['press_secretary', { type: 'escalate', comment: 'Комментарий не удалён' }],
      ['supervisor', { type: 'record_decision', decision: 'Замечание (п. 29)' }],
    ]);
    expect(view).toMatchObject({ state: 'decided', status: 'done', seq: 3 });
  });

  it('should refuse a creating role on the other path, and a role that may create neither', async () => {
    const bySecretary = await t.as('press_secretary').post('/cases', { procedure: 'employee-post', input: approval });
    expect(bySecretary.statusCode).toBe(400);
    expect(bySecretary.json().error.message).toMatch(/initiator/);
    const byEmployee = await t.as('initiator').post('/cases', { procedure: 'employee-post', input: removal });
    expect(byEmployee.statusCode).toBe(400);
    expect(byEmployee.json().error.message).toMatch(/press secretary/);
    const byCar = await t.as('car').post('/cases', { procedure: 'employee-post', input: approval });
    expect(byCar.statusCode).toBe(403);
    expect(byCar.json().error).toMatchObject({ code: 'forbidden', details: { roles: ['initiator', 'press_secretary'] } });
    // None of them wrote a case.
    const list = (await t.as('auditor').get('/cases?procedure=employee-post')).json();
    expect(list.cases).toHaveLength(0);
  });

  it('should show the employee’s name and post only to the roles that take part', async () => {
    const c = (await t.as('initiator').post('/cases', { procedure: 'employee-post', input: approval })).json();
    const secretary = (await t.as('press_secretary').get(`/cases/${c.id}`)).json();
    expect(secretary.context.employee.name).toBe('Асель Нурланова');
    expect(secretary.redacted).toBeUndefined();
    const car = (await t.as('car').get(`/cases/${c.id}`)).json();
    expect(car.redacted).toBe(true);
    expect(Object.keys(car.context).sort()).toEqual(['deadlines', 'kind', 'receivedAt']);
    expect(JSON.stringify(car)).not.toContain('Асель');
    const history = (await t.as('car').get(`/cases/${c.id}/history`)).json().events;
    expect(JSON.stringify(history)).not.toContain('Мы провели');
  });
});
