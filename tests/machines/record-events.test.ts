/**
 * The record events (machines/common/record-events.ts) in every state, closed ones
 * included: they change the shared deadlines/undelivered and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { blogQuestion } from '../../machines/blog-question/index.js';
import { RECORD_EVENT_TYPES } from '../../machines/common/record-events.js';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { procedures } from '../../machines/index.js';
import { CaseDriver, almaty, deps, expectOk, expectRejected, meta } from './helpers.js';

const question = { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос?' };

/** A P3 case extended on 03-07, then answered (closed) with the notice still owed. */
function answeredWithNoticeOwed(): CaseDriver {
  const c = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
  c.send('extend', { days: 5, reason: 'проверка' }, almaty('2025-03-07'), 'chairman');
  c.send('register', { registrationNumber: 'ЗТ-1' }, almaty('2025-03-07', '11:00'), 'car');
  c.send('assign', { unit: 'u' }, almaty('2025-03-07', '12:00'), 'supervisor');
  c.send('submit_answer', { text: 'Ответ', citations: ['Закон'], language: 'ru' }, almaty('2025-03-07', '13:00'), 'unit');
  c.send('approve_answer', {}, almaty('2025-03-07', '14:00'), 'supervisor');
  expect(c.last).toMatchObject({ state: 'answered', status: 'done' });
  expect(c.deadline('extension_notice').open).toBe(true);
  return c;
}

describe('record events', () => {
  it.each(Object.keys(procedures))('should be events of %s, the engine’s sent by system only', (id) => {
    const mod = procedures[id as keyof typeof procedures];
    // record_notice only where notices are mail (P3); P4's are posted on the portal at once, P1 sends none.
    for (const t of RECORD_EVENT_TYPES.filter((t) => t !== 'record_notice' || id === 'feedback-inquiry')) expect(mod.eventSchemas).toHaveProperty(t);
    expect(mod.eventRoles.message_delivered).toEqual(['system']);
    expect(mod.eventRoles.message_failed).toEqual(['system']);
    expect(mod.eventRoles.resend_message).not.toContain('system');
  });

  it('should close the extension notice delivered after the answer, with the same state and nothing else changed', () => {
    const c = answeredWithNoticeOwed();
    const before = c.last;
    const r = c.send('message_delivered', { messageId: 'm2', template: 'extension_notice', deadline: 'extension_notice' }, almaty('2025-03-08'), 'system');
    expect(r).toMatchObject({ state: 'answered', status: 'done', effects: [] });
    expect(c.deadline('extension_notice')).toMatchObject({ open: false, status: 'met', closedAt: almaty('2025-03-08') });
    const { deadlines: d1, ...rest1 } = r.context;
    const { deadlines: d0, ...rest0 } = before.context;
    expect(rest1).toEqual(rest0);
    expect({ ...d1, extension_notice: d0.extension_notice }).toEqual(d0);
  });

  it('should close by the template for a stored message_delivered without `deadline` (older histories replay the same)', () => {
    const c = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
    c.send('extend', { days: 5, reason: 'проверка' }, almaty('2025-03-07'), 'chairman');
    c.send('message_delivered', { messageId: 'm1', template: 'acknowledgement' }, almaty('2025-03-07', '10:05'), 'system');
    expect(c.deadline('extension_notice').open).toBe(true);
    c.send('message_delivered', { messageId: 'm2', template: 'extension_notice' }, almaty('2025-03-07', '10:10'), 'system');
    expect(c.deadline('extension_notice')).toMatchObject({ open: false, status: 'met' });
  });

  it('should record deadline_missed on a closed case without changing it', () => {
    const c = answeredWithNoticeOwed();
    const before = c.last;
    const due = c.deadline('extension_notice').dueAt;
    const r = c.send('deadline_missed', { key: 'extension_notice' }, due, 'system');
    expect(r).toMatchObject({ state: 'answered', status: 'done' });
    expect(r.context).toEqual(before.context);
    expect(r.snapshot).toEqual(before.snapshot);
  });

  it('should keep a failed message undelivered until resent, with a resend effect, on a closed case', () => {
    const c = answeredWithNoticeOwed();
    // The notice still owed can be recorded as given another way (record_notice).
    expect(c.allowed()).toEqual(['record_notice']);
    expectRejected(c.try('resend_message', { messageId: 'm9' }, almaty('2025-03-08'), 'car'), 'invalid_request');
    c.send('message_failed', { messageId: 'm9', template: 'answer' }, almaty('2025-03-08'), 'system');
    expect(c.context.undelivered).toEqual([{ messageId: 'm9', template: 'answer', failedAt: almaty('2025-03-08') }]);
    expect(feedbackInquiry.allowedEvents(deps, c.snapshot)).toEqual([
      { type: 'resend_message', roles: ['car'] },
      { type: 'record_notice', roles: ['car', 'press_secretary'] },
    ]);
    const wrong = expectRejected(c.try('resend_message', { messageId: 'm1' }, almaty('2025-03-08', '11:00'), 'car'), 'invalid_request');
    expect(wrong.message).toContain('m9');
    const r = c.send('resend_message', { messageId: 'm9' }, almaty('2025-03-08', '11:00'), 'car');
    expect(r).toMatchObject({ state: 'answered', status: 'done', effects: [{ kind: 'resend', messageId: 'm9' }] });
    expect(c.context.undelivered).toEqual([]);
    // Workflow events stay refused.
    expectRejected(c.try('comment', { text: 'x' }, almaty('2025-03-08', '12:00'), 'car'), 'event_not_allowed');
  });

  it('should give a session on a closed case the same answers as `step` on the persisted snapshot', () => {
    const c = answeredWithNoticeOwed();
    const session = feedbackInquiry.open!(deps, c.snapshot);
    try {
      const events = [
        { type: 'message_failed', payload: { messageId: 'm9', template: 'answer' }, ...meta(almaty('2025-03-08'), 'system') },
        { type: 'message_delivered', payload: { messageId: 'm2', template: 'extension_notice', deadline: 'extension_notice' }, ...meta(almaty('2025-03-08', '11:00'), 'system') },
        { type: 'resend_message', payload: { messageId: 'm9' }, ...meta(almaty('2025-03-08', '12:00'), 'car') },
      ];
      let snapshot = c.snapshot;
      for (const e of events) {
        const viaSession = expectOk(session.step(e));
        const viaStep = expectOk(feedbackInquiry.step(deps, snapshot, e));
        expect(JSON.parse(JSON.stringify(viaSession))).toEqual(JSON.parse(JSON.stringify(viaStep)));
        snapshot = JSON.parse(JSON.stringify(viaStep.snapshot));
      }
    } finally {
      session.close();
    }
  });

  it('should take the record events in an active P4 state as root events', () => {
    const c = new CaseDriver(blogQuestion, { channel: 'blog', author: { name: 'A' }, language: 'ru', text: 'Вопрос?' }, almaty('2025-03-06'), 'press_secretary');
    const state = c.state;
    c.send('message_failed', { messageId: 'm1', template: 'answer' }, almaty('2025-03-06', '11:00'), 'system');
    expect(c.allowed()).toContain('resend_message');
    const r = c.send('resend_message', { messageId: 'm1' }, almaty('2025-03-06', '12:00'), 'press_secretary');
    expect(r.state).toBe(state);
    expect(r.effects).toEqual([{ kind: 'resend', messageId: 'm1' }]);
    expect(c.allowed()).not.toContain('resend_message');
  });
});
