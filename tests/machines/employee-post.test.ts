/**
 * P7 — an employee's post about the Company (п. 21, 26–29): both entry paths, who may open
 * each, the approval loop with the turns of `post_review`, and the internal targets (off
 * unless `MachineDeps.targets` sets them).
 */
import { describe, expect, it } from 'vitest';
import { employeePost } from '../../machines/employee-post/index.js';
import type { MachineDeps } from '../../machines/contract.js';
import { CaseDriver, almaty, calendar, deps, expectRejected, meta } from './helpers.js';

const approval = { kind: 'approval', employee: { name: 'Асель Нурланова' }, platform: 'Facebook', text: 'Форум экспортёров' };
const removal = {
  kind: 'removal',
  employee: { name: 'Берик Ахметов', position: 'Департамент экспорта' },
  platform: 'Telegram',
  link: 'https://t.me/some/1',
  item: 'comment',
  reason: 'Раскрывает условия закупки',
};
const targets: MachineDeps = { calendar, targets: { post_review: 2, post_removal: 3 } };
const MON = almaty('2025-06-02');

describe('employee-post (P7): creation', () => {
  it('should let the employee (initiator) submit a post and the press secretary record a demand, and neither the other', () => {
    expect(employeePost.start(deps, approval, meta(MON, 'initiator')).ok).toBe(true);
    expect(employeePost.start(deps, removal, meta(MON, 'press_secretary')).ok).toBe(true);
    expect(expectRejected(employeePost.start(deps, approval, meta(MON, 'press_secretary')), 'invalid_request').message).toMatch(/initiator/);
    expect(expectRejected(employeePost.start(deps, removal, meta(MON, 'initiator')), 'invalid_request').message).toMatch(/press secretary/);
  });

  it('should refuse a path without its fields, or with the other path’s', () => {
    const { text: _t, ...noText } = approval;
    expect(expectRejected(employeePost.start(deps, noText, meta(MON, 'initiator')), 'invalid_request').message).toMatch(/"text"/);
    expect(expectRejected(employeePost.start(deps, { ...approval, link: 'https://x.kz/1' }, meta(MON, 'initiator')), 'invalid_request').message).toMatch(/"link"/);
    const { reason: _r, ...noReason } = removal;
    expect(expectRejected(employeePost.start(deps, noReason, meta(MON, 'press_secretary')), 'invalid_request').message).toMatch(/"reason"/);
    expect(expectRejected(employeePost.start(deps, { ...removal, text: 'x' }, meta(MON, 'press_secretary')), 'invalid_request').message).toMatch(/"text"/);
  });

  it('should start each path in its own state, with no deadline when the internal targets are off', () => {
    const a = new CaseDriver(employeePost, approval, MON, 'initiator');
    expect(a.state).toBe('submitted');
    expect(a.context.deadlines).toEqual({});
    expect(a.context.post).toEqual({ text: 'Форум экспортёров', submittedAt: MON });
    const r = new CaseDriver(employeePost, removal, MON, 'press_secretary');
    expect(r.state).toBe('removal_demanded');
    expect(r.context.deadlines).toEqual({});
    expect(r.context.demand).toEqual({ link: 'https://t.me/some/1', item: 'comment', reason: 'Раскрывает условия закупки', at: MON });
    expect(r.allowed()).toEqual(expect.arrayContaining(['confirm_removal', 'escalate']));
    expect(r.allowed()).not.toContain('approve');
  });
});

describe('employee-post (P7): approval (п. 21)', () => {
  it('should loop through returns with comments and number each turn of post_review', () => {
    const c = new CaseDriver(employeePost, approval, MON, 'initiator', targets);
    expect(c.deadline('post_review')).toMatchObject({
      rule: 'п. 21 (internal target)', amount: 2, unit: 'working_days', reading: 'working', turn: 1, open: true, status: 'pending', lastDay: '2025-06-04',
    });
    expect(c.deadline('post_review').calendar.version).toBeTruthy();
    c.send('return_post', { comment: 'Уберите цифры' }, almaty('2025-06-05'), 'press_secretary');
    expect(c.state).toBe('returned');
    expect(c.deadline('post_review')).toMatchObject({ turn: 1, open: false, status: 'met_late' });
    c.send('resubmit', { text: 'Форум экспортёров, без цифр' }, almaty('2025-06-09'), 'initiator');
    expect(c.state).toBe('submitted');
    expect(c.deadline('post_review')).toMatchObject({ turn: 2, open: true, status: 'pending' });
    expect(c.context.deadlineHistory).toEqual([expect.objectContaining({ key: 'post_review', turn: 1, status: 'met_late' })]);
    c.send('approve', {}, almaty('2025-06-09', '15:00'), 'press_secretary');
    expect(c.state).toBe('approved');
    expect(c.last.status).toBe('done');
    expect(c.deadline('post_review')).toMatchObject({ turn: 2, status: 'met' });
    expect(c.context.post).toMatchObject({ text: 'Форум экспортёров, без цифр', approvedAt: almaty('2025-06-09', '15:00') });
    expect(c.context.turns.map((t: { type: string }) => t.type)).toEqual(['return_post', 'resubmit']);
  });

  it('should loop without deadlines when the targets are off', () => {
    const c = new CaseDriver(employeePost, approval, MON, 'initiator');
    c.send('return_post', { comment: 'c' }, MON, 'press_secretary');
    c.send('resubmit', { text: 't2' }, MON, 'initiator');
    expect(c.context.deadlines).toEqual({});
    expect(c.context.deadlineHistory).toEqual([]);
  });

  it('should let only the employee who submitted the post resubmit or withdraw it', () => {
    const c = new CaseDriver(employeePost, approval, MON, 'initiator');
    c.send('return_post', { comment: 'c' }, MON, 'press_secretary');
    const other = employeePost.step(deps, c.snapshot, { type: 'resubmit', payload: { text: 't' }, ...meta(MON, 'initiator', 'someone-else') });
    expect(expectRejected(other, 'invalid_request').message).toMatch(/initiator-user/);
    c.send('withdraw', {}, MON, 'initiator');
    expect(c.state).toBe('withdrawn');
  });

  it('should end refused with the reason, closing post_review', () => {
    const c = new CaseDriver(employeePost, approval, MON, 'initiator', targets);
    c.send('refuse', { reason: 'О финансовой деятельности (п. 19)' }, almaty('2025-06-03'), 'press_secretary');
    expect(c.state).toBe('refused');
    expect(c.context.refusal).toEqual({ reason: 'О финансовой деятельности (п. 19)', at: almaty('2025-06-03') });
    expect(c.deadline('post_review')).toMatchObject({ status: 'met', open: false });
  });
});

describe('employee-post (P7): removal (п. 28) and escalation (п. 26, 29)', () => {
  it('should close post_removal when the press secretary confirms the removal', () => {
    const c = new CaseDriver(employeePost, removal, MON, 'press_secretary', targets);
    expect(c.deadline('post_removal')).toMatchObject({ rule: 'п. 28 (internal target)', amount: 3, reading: 'working', open: true });
    expect(c.deadline('post_removal').turn).toBeUndefined();
    c.send('confirm_removal', { note: 'проверено' }, almaty('2025-06-03'), 'press_secretary');
    expect(c.state).toBe('removed');
    expect(c.deadline('post_removal')).toMatchObject({ status: 'met', open: false });
    expect(c.context.demand).toMatchObject({ removedAt: almaty('2025-06-03'), note: 'проверено' });
  });

  it('should keep post_removal open through the escalation until the manager decides', () => {
    const c = new CaseDriver(employeePost, removal, MON, 'press_secretary', targets);
    c.send('escalate', { comment: 'не удалено' }, almaty('2025-06-05'), 'press_secretary');
    expect(c.state).toBe('escalated');
    expect(c.deadline('post_removal').open).toBe(true);
    expect(c.allowed()).toEqual(expect.arrayContaining(['confirm_removal', 'record_decision']));
    c.send('record_decision', { decision: 'Замечание (п. 29)' }, almaty('2025-06-20'), 'supervisor');
    expect(c.state).toBe('decided');
    expect(c.deadline('post_removal')).toMatchObject({ status: 'met_late', open: false });
    expect(c.context.demand).toMatchObject({ escalation: { comment: 'не удалено' }, decision: { text: 'Замечание (п. 29)' } });
  });

  it('should confirm a removal made after the escalation', () => {
    const c = new CaseDriver(employeePost, removal, MON, 'press_secretary');
    c.send('escalate', { comment: 'не удалено' }, MON, 'press_secretary');
    c.send('confirm_removal', {}, MON, 'press_secretary');
    expect(c.state).toBe('removed');
  });
});
