import { describe, expect, it } from 'vitest';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { CaseDriver, almaty, expectRejected } from './helpers.js';

const question = {
  applicant: { name: 'Айгерим', email: 'aigerim@example.kz' },
  language: 'kk',
  kind: 'question',
  text: 'Қандай қолдау шаралары бар?',
};

function registeredInReview(receivedDate: string, input: Record<string, unknown> = question) {
  const c = new CaseDriver(feedbackInquiry, input, almaty(receivedDate), 'car');
  c.send('register', { registrationNumber: 'ЗТ-1' }, almaty(receivedDate, '11:00'), 'car');
  c.send('assign', { unit: 'export-support' }, almaty(receivedDate, '12:00'), 'supervisor');
  return c;
}

describe('feedback-inquiry (P3)', () => {
  it('should open the 15-day review term at receipt and queue the acknowledgement with it (PROCEDURES.md example)', () => {
    const c = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
    expect(c.state).toBe('received');
    const review = c.deadline('review');
    expect(review).toMatchObject({ lastDay: '2025-03-26', dueAt: '2025-03-26T19:00:00.000Z', status: 'pending', open: true, reading: 'calendar', amount: 15 });
    expect(review.calendar.version).toBe(c.machineDeps.calendar.version);
    expect(c.last.effects).toEqual([
      expect.objectContaining({
        kind: 'mail',
        template: 'acknowledgement',
        to: question.applicant,
        language: 'kk',
        data: expect.objectContaining({ reviewLastDay: '2025-03-26', reviewDays: 15 }),
      }),
    ]);
  });

  it('should lengthen the period from receipt on extend and apply the last-day rule to the new end only (2025-03-06 + 45 → 2025-04-21)', () => {
    const c = registeredInReview('2025-03-06');
    const r = c.send('extend', { days: 30, reason: 'нужна проверка' }, almaty('2025-03-07'), 'chairman');
    expect(c.deadline('review')).toMatchObject({ amount: 45, lastDay: '2025-04-21', status: 'pending', open: true });
    // 3 calendar days from the decision: 2025-03-10 is the carry-over of 8 March → 2025-03-11.
    expect(c.deadline('extension_notice')).toMatchObject({ lastDay: '2025-03-11', status: 'pending', open: true });
    expect(r.effects).toEqual([
      expect.objectContaining({ kind: 'mail', template: 'extension_notice', closesDeadline: 'extension_notice', data: expect.objectContaining({ days: 30, totalExtensionDays: 30, reviewLastDay: '2025-04-21' }) }),
    ]);
    expect(c.state).toBe('in_review');
  });

  it('should keep the earlier notice due date when a second extension comes before the first notice is delivered', () => {
    const c = registeredInReview('2025-03-06');
    c.send('extend', { days: 5, reason: 'a' }, almaty('2025-03-07'), 'chairman');
    // 3 calendar days from Fri 2025-03-07 → Mon 10 is the carry-over of 8 March → Tue 11.
    expect(c.deadline('extension_notice')).toMatchObject({ lastDay: '2025-03-11', open: true });
    c.send('extend', { days: 5, reason: 'b' }, almaty('2025-03-11', '10:00'), 'chairman');
    // Counted from the second decision it would be 2025-03-14; the first decision's notice is still owed by the 11th.
    expect(c.deadline('extension_notice')).toMatchObject({ lastDay: '2025-03-11', from: almaty('2025-03-07'), open: true });
    c.send('message_delivered', { messageId: 'm1', template: 'extension_notice' }, almaty('2025-03-12', '09:00'), 'system');
    expect(c.deadline('extension_notice')).toMatchObject({ status: 'met_late', open: false });
    // Once delivered, a later extension opens a fresh notice deadline.
    c.send('extend', { days: 5, reason: 'c' }, almaty('2025-03-13'), 'chairman');
    // Thu 13 + 3 = Sunday 16 → Monday 17.
    expect(c.deadline('extension_notice')).toMatchObject({ lastDay: '2025-03-17', status: 'pending', open: true });
  });

  it('should refuse an extension past 30 days in total with a message saying how many days remain', () => {
    const c = registeredInReview('2025-03-06');
    c.send('extend', { days: 10, reason: 'a' }, almaty('2025-03-07'), 'chairman');
    const rej = expectRejected(c.try('extend', { days: 25, reason: 'b' }, almaty('2025-03-08'), 'chairman'), 'invalid_request');
    expect(rej.message).toMatch(/20 days remain/);
    expect(rej.allowed.map((a) => a.type)).toContain('extend');
    c.send('extend', { days: 20, reason: 'b' }, almaty('2025-03-08'), 'chairman');
    expect(c.context.extensionDays).toBe(30);
    expect(c.deadline('review').lastDay).toBe('2025-04-21');
    const none = expectRejected(c.try('extend', { days: 1, reason: 'c' }, almaty('2025-03-09'), 'chairman'), 'invalid_request');
    expect(none.message).toMatch(/no days remain/);
  });

  it('should meet extension_notice on delivery of the notice e-mail in time, and judge a late delivery met_late', () => {
    const c = registeredInReview('2025-03-06');
    c.send('extend', { days: 5, reason: 'a' }, almaty('2025-03-07'), 'chairman');
    c.send('message_delivered', { messageId: 'm1', template: 'acknowledgement' }, almaty('2025-03-07', '10:05'), 'system');
    expect(c.deadline('extension_notice').open).toBe(true);
    c.send('message_delivered', { messageId: 'm2', template: 'extension_notice' }, almaty('2025-03-11', '23:59'), 'system');
    expect(c.deadline('extension_notice')).toMatchObject({ status: 'met', open: false, closedAt: almaty('2025-03-11', '23:59') });

    const late = registeredInReview('2025-03-06');
    late.send('extend', { days: 5, reason: 'a' }, almaty('2025-03-07'), 'chairman');
    late.send('message_delivered', { messageId: 'm3', template: 'extension_notice' }, almaty('2025-03-12', '09:00'), 'system');
    expect(late.deadline('extension_notice')).toMatchObject({ status: 'met_late', shortfall: { amount: 1, unit: 'calendar' } });
  });

  it('should move the review end across Nauryz 2026 (received Sat 2026-03-07 → day 15 is Sun 22 March → Thu 2026-03-26)', () => {
    const c = new CaseDriver(feedbackInquiry, { ...question, receivedAt: almaty('2026-03-07', '09:00') }, almaty('2026-03-09'), 'car');
    expect(c.context.receivedAt).toBe(almaty('2026-03-07', '09:00'));
    expect(c.deadline('review')).toMatchObject({ lastDay: '2026-03-26', from: almaty('2026-03-07', '09:00') });
  });

  it('should require at least one citation and the question’s language for an answer, then queue the answer e-mail on approval', () => {
    const c = registeredInReview('2025-03-06');
    const noCite = expectRejected(
      c.try('submit_answer', { text: 'Жауап', citations: [], language: 'kk' }, almaty('2025-03-10'), 'unit'),
      'invalid_request',
    );
    expect(noCite.message).toMatch(/п\. 40/);
    expectRejected(c.try('submit_answer', { text: 'Ответ', citations: ['ЗРК'], language: 'ru' }, almaty('2025-03-10'), 'unit'), 'invalid_request');
    c.send('submit_answer', { text: 'Жауап', citations: ['Кәсіпкерлік кодексі, 94-бап'], language: 'kk' }, almaty('2025-03-10'), 'unit');
    c.send('return_answer', { comment: 'толықтыру' }, almaty('2025-03-11'), 'supervisor');
    expect(c.state).toBe('in_review');
    c.send('submit_answer', { text: 'Жауап 2', citations: ['Кәсіпкерлік кодексі, 94-бап'], language: 'kk' }, almaty('2025-03-12'), 'unit');
    const r = c.send('approve_answer', {}, almaty('2025-03-26', '23:59'), 'supervisor');
    expect(r.status).toBe('done');
    expect(c.state).toBe('answered');
    expect(c.deadline('review')).toMatchObject({ status: 'met', open: false });
    expect(r.effects).toEqual([
      expect.objectContaining({ kind: 'mail', template: 'answer', language: 'kk', data: expect.objectContaining({ text: 'Жауап 2', citations: ['Кәсіпкерлік кодексі, 94-бап'] }) }),
    ]);
    expectRejected(c.try('comment', { text: 'after the end' }, almaty('2025-03-27'), 'car'), 'event_not_allowed');
  });

  it('should let a proposal be noted and refuse noting a question', () => {
    const q = registeredInReview('2025-03-06');
    expect(q.allowed()).not.toContain('note_proposal');
    const rej = expectRejected(q.try('note_proposal', {}, almaty('2025-03-07'), 'supervisor'), 'invalid_request');
    expect(rej.message).toMatch(/Only a proposal/);

    const p = registeredInReview('2025-03-06', { ...question, kind: 'proposal' });
    expect(p.allowed()).toContain('note_proposal');
    const r = p.send('note_proposal', { comment: 'принято к сведению' }, almaty('2025-03-07'), 'supervisor');
    expect(r.status).toBe('done');
    expect(p.state).toBe('noted');
    expect(p.deadline('review').status).toBe('met');
  });

  it('should mark a deadline missed on deadline_missed without changing state, and a back-dated in-time approval still makes it met', () => {
    const c = registeredInReview('2025-03-06');
    c.send('submit_answer', { text: 'Жауап', citations: ['ЗРК'], language: 'kk' }, almaty('2025-03-20'), 'unit');
    c.send('deadline_missed', { key: 'review' }, '2025-03-26T19:00:00.000Z', 'system');
    expect(c.state).toBe('answer_review');
    expect(c.deadline('review')).toMatchObject({ status: 'missed', open: true, observedMissedAt: '2025-03-26T19:00:00.000Z' });
    c.send('approve_answer', {}, almaty('2025-03-26', '18:00'), 'supervisor');
    expect(c.deadline('review')).toMatchObject({ status: 'met', open: false, observedMissedAt: '2025-03-26T19:00:00.000Z' });
  });

  it('should ignore a deadline_missed observation made before the (moved) due date', () => {
    const c = registeredInReview('2025-03-06');
    c.send('extend', { days: 10, reason: 'a' }, almaty('2025-03-07'), 'chairman');
    c.send('deadline_missed', { key: 'review' }, '2025-03-26T19:00:00.000Z', 'system');
    expect(c.deadline('review')).toMatchObject({ status: 'pending', open: true });
    expect(c.deadline('review').observedMissedAt).toBeUndefined();
  });

  it('should judge a late approval met_late with the lateness in calendar days', () => {
    const c = registeredInReview('2025-03-06');
    c.send('submit_answer', { text: 'Жауап', citations: ['ЗРК'], language: 'kk' }, almaty('2025-03-20'), 'unit');
    c.send('approve_answer', {}, almaty('2025-03-28'), 'supervisor');
    expect(c.deadline('review')).toMatchObject({ status: 'met_late', shortfall: { amount: 2, unit: 'calendar' } });
  });

  it('should refuse an event the state does not accept with event_not_allowed and the allowed events', () => {
    const c = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
    const rej = expectRejected(c.try('approve_answer', {}, almaty('2025-03-06'), 'supervisor'), 'event_not_allowed');
    expect(rej.allowed.map((a) => a.type)).toEqual(['register', 'extend', 'comment', 'message_delivered', 'message_failed', 'reminder_queued', 'escalation_queued', 'deadline_missed', 'deadline_recounted']);
    expect(rej.message).toMatch(/register/);
    expectRejected(c.try('no_such_event', {}, almaty('2025-03-06'), 'car'), 'event_not_allowed');
  });

  it('should accept a comment in every open state without changing it', () => {
    const c = registeredInReview('2025-03-06');
    const before = c.last;
    const r = c.send('comment', { text: 'звонил заявитель' }, almaty('2025-03-07'), 'unit');
    expect(r.state).toBe(before.state);
    expect(r.context).toEqual(before.context);
    expect(r.effects).toEqual([]);
  });

  it('should refuse an extension decided after the review term ended', () => {
    const c = registeredInReview('2025-03-06');
    const rej = expectRejected(c.try('extend', { days: 5, reason: 'late' }, almaty('2025-03-27'), 'chairman'), 'invalid_request');
    expect(rej.message).toMatch(/ended/);
  });
});
