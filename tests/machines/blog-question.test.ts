import { describe, expect, it } from 'vitest';
import { blogQuestion } from '../../machines/blog-question/index.js';
import { CaseDriver, almaty, deps, expectRejected } from './helpers.js';

const input = { channel: 'e-otinish', author: { name: 'Дана' }, language: 'kk', text: 'Сұрақ' };

function agreed(receivedDate: string, agreeAt: string) {
  const c = new CaseDriver(blogQuestion, { ...input, receivedAt: almaty(receivedDate) }, almaty(receivedDate), 'press_secretary');
  c.send('register', { registrationNumber: 'Б-7' }, almaty(receivedDate), 'car');
  c.send('assign', { unit: 'hr' }, almaty(receivedDate), 'press_secretary');
  c.send('submit_answer', { text: 'жоба' }, agreeAt, 'unit');
  c.send('agree_answer', {}, agreeAt, 'supervisor');
  return c;
}

describe('blog-question (P4)', () => {
  it('should count unit_answer 10 calendar days from receipt, moved off Kurban Ait 2026 (Wed 05-27 → Thu 05-28)', () => {
    const c = new CaseDriver(blogQuestion, { ...input, receivedAt: almaty('2026-05-17') }, almaty('2026-05-18'), 'press_secretary');
    expect(c.state).toBe('received');
    expect(c.deadline('unit_answer')).toMatchObject({ lastDay: '2026-05-28', amount: 10, reading: 'calendar', status: 'pending' });
    expect(c.last.effects).toEqual([]);
  });

  it('should run the rework loop several times, each turn with its deadlines, and post within a day of approval', () => {
    const c = agreed('2026-05-17', almaty('2026-05-25'));
    expect(c.state).toBe('with_press_secretary');
    expect(c.deadline('unit_answer')).toMatchObject({ status: 'met', open: false });
    // 2 days from Mon 05-25 → Wed 05-27 (Kurban Ait) → Thu 05-28.
    expect(c.deadline('to_chairman')).toMatchObject({ lastDay: '2026-05-28', open: true, reading: 'calendar' });

    c.send('forward_to_chairman', { text: 'түзетілген' }, almaty('2026-05-26'), 'press_secretary');
    expect(c.deadline('to_chairman')).toMatchObject({ status: 'met', open: false });
    expect(c.context.answer.text).toBe('түзетілген');

    c.send('return_for_rework', { comment: 'нақтылау' }, almaty('2026-05-26', '15:00'), 'chairman');
    expect(c.state).toBe('rework');
    expect(c.deadline('rework')).toMatchObject({ lastDay: '2026-05-28', open: true });
    c.send('forward_to_chairman', {}, almaty('2026-05-29'), 'press_secretary');
    expect(c.deadline('rework')).toMatchObject({ status: 'met_late', open: false, shortfall: { amount: 1, unit: 'calendar' } });

    c.send('return_for_rework', { comment: 'тағы' }, almaty('2026-06-01'), 'chairman');
    expect(c.deadline('rework')).toMatchObject({ lastDay: '2026-06-02', open: true, status: 'pending' });
    c.send('forward_to_chairman', { text: 'соңғы' }, almaty('2026-06-02'), 'press_secretary');
    expect(c.deadline('rework').status).toBe('met');

    c.send('approve', {}, almaty('2026-06-03'), 'chairman');
    expect(c.state).toBe('approved');
    expect(c.deadline('posting')).toMatchObject({ lastDay: '2026-06-04', open: true });
    const r = c.send('post', { url: 'https://dialog.egov.kz/blogs/1/answer' }, almaty('2026-06-04', '18:00'), 'press_secretary');
    expect(r.status).toBe('done');
    expect(c.state).toBe('posted');
    expect(c.deadline('posting').status).toBe('met');
    expect(c.context.turns.map((t: { type: string }) => t.type)).toEqual([
      'forward_to_chairman',
      'return_for_rework',
      'forward_to_chairman',
      'return_for_rework',
      'forward_to_chairman',
    ]);
  });

  it('should let the supervisor return the draft to the unit before agreeing it', () => {
    const c = new CaseDriver(blogQuestion, input, almaty('2025-06-02'), 'press_secretary');
    c.send('register', { registrationNumber: 'Б-8' }, almaty('2025-06-02'), 'car');
    c.send('assign', { unit: 'hr' }, almaty('2025-06-02'), 'press_secretary');
    c.send('submit_answer', { text: 'жоба' }, almaty('2025-06-03'), 'unit');
    c.send('return_answer', { comment: 'қайта' }, almaty('2025-06-04'), 'supervisor');
    expect(c.state).toBe('in_review');
    expect(c.deadline('unit_answer').open).toBe(true);
    // 10 calendar days from Mon 2025-06-02 → Thu 06-12 (working).
    expect(c.deadline('unit_answer').lastDay).toBe('2025-06-12');
  });

  it('should read the unqualified "days" as working days when the deployment sets it', () => {
    const working = { ...deps, readings: { to_chairman: 'working' as const } };
    const c = new CaseDriver(blogQuestion, { ...input, receivedAt: almaty('2026-03-19') }, almaty('2026-03-19'), 'press_secretary', working);
    c.send('register', { registrationNumber: 'Б-9' }, almaty('2026-03-19'), 'car');
    c.send('assign', { unit: 'hr' }, almaty('2026-03-19'), 'press_secretary');
    c.send('submit_answer', { text: 'жоба' }, almaty('2026-03-19'), 'unit');
    c.send('agree_answer', {}, almaty('2026-03-19'), 'supervisor');
    // 2 working days after Thu 2026-03-19 across Nauryz 2026: Fri 20, Thu 26.
    expect(c.deadline('to_chairman')).toMatchObject({ reading: 'working', unit: 'days', lastDay: '2026-03-26' });
  });

  it('should refuse an approval before the answer reaches the chairman', () => {
    const c = agreed('2025-06-02', almaty('2025-06-03'));
    const rej = expectRejected(c.try('approve', {}, almaty('2025-06-03'), 'chairman'), 'event_not_allowed');
    expect(rej.allowed.map((a) => a.type)).toEqual(['forward_to_chairman', 'comment', 'message_delivered', 'message_failed', 'reminder_queued', 'escalation_queued', 'deadline_missed', 'deadline_recounted']);
  });
});
