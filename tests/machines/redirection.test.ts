import { describe, expect, it } from 'vitest';
import { blogQuestion } from '../../machines/blog-question/index.js';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { CaseDriver, almaty, expectRejected } from './helpers.js';

const question = {
  applicant: { name: 'Ерлан', email: 'erlan@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Вопрос не по профилю',
};
const blog = { channel: 'blog', author: { name: 'Ерлан', contact: '+77010000000' }, language: 'ru', text: 'Вопрос' };

function p3InReview(receivedAt: string) {
  const c = new CaseDriver(feedbackInquiry, { ...question, receivedAt }, receivedAt, 'car');
  c.send('register', { registrationNumber: 'ЗТ-2' }, receivedAt, 'car');
  c.send('assign', { unit: 'legal' }, receivedAt, 'supervisor');
  return c;
}
function p4InReview(receivedAt: string) {
  const c = new CaseDriver(blogQuestion, { ...blog, receivedAt }, receivedAt, 'press_secretary');
  c.send('register', { registrationNumber: 'Б-1' }, receivedAt, 'car');
  c.send('assign', { unit: 'legal' }, receivedAt, 'press_secretary');
  return c;
}

describe('redirection (P5) inside feedback-inquiry (P3)', () => {
  it('should count both deadlines in working days from receipt across the 2025 transfer (Fri 01-03 off, Sun 01-05 working) and 7 January', () => {
    const c = p3InReview(almaty('2025-01-02', '15:00'));
    c.send('redirect', { reason: 'вопрос к министерству' }, almaty('2025-01-06', '17:00'), 'unit');
    expect(c.state).toBe('redirection');
    // Working days after Thu 01-02 (holiday): Sun 01-05 (transfer working day), Mon 01-06; Tue 01-07 is Orthodox Christmas.
    expect(c.deadline('redirect_notice')).toMatchObject({ lastDay: '2025-01-06', status: 'met', open: false, reading: 'working' });
    expect(c.deadline('forward')).toMatchObject({ lastDay: '2025-01-08', status: 'pending', open: true });
    expect(c.deadline('review')).toMatchObject({ status: 'met', open: false, closedAt: almaty('2025-01-06', '17:00') });
    expect(c.allowed()).toEqual(['forward', 'cancel_redirect', 'comment', 'message_delivered', 'message_failed', 'reminder_queued', 'escalation_queued', 'deadline_missed', 'deadline_recounted']);

    const r = c.send('forward', { organization: 'Министерство промышленности', reference: 'OD-2025-17' }, almaty('2025-01-08', '16:00'), 'press_secretary');
    expect(r.status).toBe('done');
    expect(c.state).toBe('redirected');
    expect(c.deadline('forward')).toMatchObject({ status: 'met', open: false });
    expect(r.effects).toEqual([
      {
        kind: 'mail',
        template: 'redirect_notice',
        to: question.applicant,
        language: 'ru',
        data: expect.objectContaining({ organization: 'Министерство промышленности', reference: 'OD-2025-17' }),
      },
    ]);
    expect(c.context.redirection).toMatchObject({ outcome: 'forwarded', forward: { organization: 'Министерство промышленности' } });
  });

  it('should judge a late redirect notice met_late at the redirect and count Kurban Ait 2025 (Fri 06-06) as a day off', () => {
    const c = p3InReview(almaty('2025-06-04'));
    c.send('redirect', { reason: 'не наша компетенция' }, almaty('2025-06-10'), 'unit');
    expect(c.deadline('redirect_notice')).toMatchObject({ lastDay: '2025-06-09', status: 'met_late', shortfall: { amount: 1, unit: 'working' } });
    expect(c.deadline('forward')).toMatchObject({ lastDay: '2025-06-10', status: 'pending' });
  });

  it('should send cancel_redirect back to the unit, reopen review with its old due date and drop forward', () => {
    const c = p3InReview(almaty('2025-03-06'));
    c.send('redirect', { reason: 'x' }, almaty('2025-03-07'), 'unit');
    c.send('cancel_redirect', { reason: 'всё же наш вопрос' }, almaty('2025-03-10'), 'press_secretary');
    expect(c.state).toBe('in_review');
    expect(c.deadline('review')).toMatchObject({ status: 'pending', open: true, lastDay: '2025-03-26' });
    expect(c.deadline('review').closedAt).toBeUndefined();
    expect(c.context.deadlines.forward).toBeUndefined();
    expect(c.deadline('redirect_notice').status).toBe('met');
    expect(c.context.redirects).toEqual([{ reason: 'x', at: almaty('2025-03-07'), outcome: 'cancelled' }]);
    // The unit can go on, and redirect again.
    c.send('redirect', { reason: 'y' }, almaty('2025-03-11'), 'unit');
    expect(c.deadline('forward').open).toBe(true);
  });

  it('should record a deadline_missed for forward while P5 runs', () => {
    const c = p3InReview(almaty('2025-03-06'));
    c.send('redirect', { reason: 'x' }, almaty('2025-03-07'), 'unit');
    const due = c.deadline('forward').dueAt;
    c.send('deadline_missed', { key: 'forward' }, due, 'system');
    expect(c.state).toBe('redirection');
    expect(c.deadline('forward')).toMatchObject({ status: 'missed', observedMissedAt: due });
    c.send('forward', { organization: 'Акимат', reference: 'OD-1' }, almaty('2025-03-13'), 'press_secretary');
    expect(c.deadline('forward')).toMatchObject({ status: 'met_late', open: false });
  });

  it('should refuse P3 events while the question is being redirected', () => {
    const c = p3InReview(almaty('2025-03-06'));
    c.send('redirect', { reason: 'x' }, almaty('2025-03-07'), 'unit');
    expectRejected(c.try('submit_answer', { text: 't', citations: ['a'], language: 'ru' }, almaty('2025-03-07'), 'unit'), 'event_not_allowed');
    expectRejected(c.try('extend', { days: 3, reason: 'r' }, almaty('2025-03-07'), 'chairman'), 'event_not_allowed');
  });
});

describe('redirection (P5) inside blog-question (P4)', () => {
  it('should record the applicant’s notice as a portal_notice effect and reopen unit_answer on cancel', () => {
    const c = p4InReview(almaty('2026-03-19'));
    c.send('redirect', { reason: 'вопрос к акимату' }, almaty('2026-03-20'), 'unit');
    // Nauryz 2026: 21–25 March off → the 2nd working day after Thu 03-19 is Thu 03-26, the 3rd Fri 03-27.
    expect(c.deadline('redirect_notice')).toMatchObject({ lastDay: '2026-03-26', status: 'met' });
    expect(c.deadline('forward')).toMatchObject({ lastDay: '2026-03-27', status: 'pending' });
    expect(c.deadline('unit_answer')).toMatchObject({ status: 'met', open: false });
    c.send('cancel_redirect', { reason: 'наш' }, almaty('2026-03-20', '12:00'), 'press_secretary');
    expect(c.state).toBe('in_review');
    expect(c.deadline('unit_answer')).toMatchObject({ open: true, status: 'pending' });
    expect(c.context.deadlines.forward).toBeUndefined();
    c.send('redirect', { reason: 'акимат' }, almaty('2026-03-26'), 'unit');
    const r = c.send('forward', { organization: 'Акимат г. Алматы', reference: 'OD-77' }, almaty('2026-03-27'), 'press_secretary');
    expect(c.state).toBe('redirected');
    expect(r.effects).toEqual([
      { kind: 'portal_notice', data: expect.objectContaining({ channel: 'blog', organization: 'Акимат г. Алматы', reference: 'OD-77' }) },
    ]);
  });
});
