/**
 * Issue 12 §1 and §6 with the real P3 machine: a delivered notice closes its deadline in
 * any state (a closed case included); a finally failed message is a visible problem on the
 * case until staff resend it; the applicant reads the reason in their language.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { MailTransport } from '../../engine/outbox-worker.js';
import type { Actor } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { engineRejection, tmpDir } from './fixtures/helpers.js';

const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const unit: Actor = { name: 'Legal unit', role: 'unit' };
const chairman: Actor = { name: 'Chairman', role: 'chairman' };

const question = {
  applicant: { name: 'John Smith', email: 'john@example.com' },
  language: 'en',
  kind: 'question',
  text: 'How do I apply for export support?',
};

type Sent = Parameters<MailTransport['sendMail']>[0];

/** A transport that is down (connection refused), up, or refusing every message with a 5xx. */
function switchable() {
  const sent: Sent[] = [];
  let mode: 'down' | 'up' | 'refusing' = 'down';
  const transport: MailTransport = {
    sendMail(m) {
      if (mode === 'down') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:25'));
      if (mode === 'refusing') {
        return Promise.reject(Object.assign(new Error(`550 5.1.1 <${m.to.address}>: Recipient address rejected`), { responseCode: 550 }));
      }
      sent.push(m);
      return Promise.resolve({ messageId: m.messageId, response: '250 OK' });
    },
  };
  return { sent, transport, set: (m: typeof mode) => void (mode = m) };
}

describe('notices and undelivered mail (issue 12 §1, §6)', () => {
  let engine: Engine;
  let clock: SimulatedClock;
  let smtp: ReturnType<typeof switchable>;
  let cleanup: () => void;
  beforeEach(async () => {
    const d = tmpDir('notices-');
    cleanup = d.cleanup;
    smtp = switchable();
    clock = new SimulatedClock('2025-03-06T05:00:00Z'); // Thursday 10:00 in Almaty
    engine = await createEngine({
      databasePath: join(d.dir, 'notices.db'),
      clock,
      calendar: loadKzCalendar(),
      procedures,
      transport: smtp.transport,
      retry: { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 1000 },
    });
    await engine.start();
  });
  afterEach(async () => {
    await engine.close();
    cleanup();
  });

  const hour = async (n = 1) => {
    clock.advance(n * 3600_000);
    await engine.idle();
  };

  /** received → extended → answered (closed) by the usual roles. */
  async function extendedThenAnswered(): Promise<string> {
    const id = (await engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await hour();
    await engine.applyEvent(id, { type: 'extend', payload: { days: 10, reason: 'нужна проверка в министерстве' } }, { actor: chairman });
    await hour();
    await engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'ЗТ-7' } }, { actor: car });
    await engine.applyEvent(id, { type: 'assign', payload: { unit: 'export-support' } }, { actor: supervisor });
    await engine.applyEvent(id, { type: 'submit_answer', payload: { text: 'Apply on the portal.', citations: ['Law on Access to Information, art. 11'], language: 'en' } }, { actor: unit });
    const approved = await engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor });
    expect(approved.view).toMatchObject({ state: 'answered', status: 'done' });
    await engine.idle();
    return id;
  }

  it('should close the extension notice when it is delivered after the case was answered, and take the case off the overdue list', async () => {
    // Seen: SMTP down; the inquiry is extended, then answered before the notice goes out.
    const id = await extendedThenAnswered();
    await hour(24 * 6); // past the notice's last day (2025-03-11): the timer observes it on the closed case
    const overdue = await engine.listCases({ overdue: true });
    expect(overdue.cases.map((c) => c.id)).toContain(id);

    smtp.set('up');
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      await engine.idle();
    }
    // One case's mail in the order it was queued.
    expect(smtp.sent.map((m) => m.subject)).toEqual([
      'Your inquiry has been received',
      'The review of your inquiry has been extended',
      'The answer to your inquiry',
    ]);
    const history = await engine.history(id);
    const approveSeq = history.find((e) => e.type === 'approve_answer')!.seq;
    const after = history.filter((e) => e.seq > approveSeq);
    // The closed case recorded the engine's deadline and delivery events.
    expect(after.map((e) => e.type)).toEqual(['deadline_missed', 'message_delivered']);
    expect(after[1]!.payload).toEqual({ messageId: `${id}:2:0`, template: 'extension_notice', deadline: 'extension_notice' });

    const view = await engine.getCase(id);
    expect(view).toMatchObject({ state: 'answered', status: 'done', nextDueAt: null, overdue: false, undelivered: false });
    expect(view.deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: false, status: 'met_late' });
    expect((await engine.listCases({ overdue: true })).cases.map((c) => c.id)).not.toContain(id);
    expect(await engine.verify(id)).toMatchObject({ ok: true });
    expect((await engine.replay(id)).deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: false, status: 'met_late' });
  });

  it('should show a finally failed message on the case and in the lists until staff resend it, on an active or a closed case', async () => {
    smtp.set('refusing');
    const id = (await engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await engine.idle();
    let view = await engine.getCase(id);
    const ack = `${id}:1:0`;
    expect(view.undelivered).toBe(true);
    expect(view.context.undelivered).toEqual([{ messageId: ack, template: 'acknowledgement', failedAt: expect.any(String) }]);
    expect(view.allowedEvents).toContainEqual({ type: 'resend_message', roles: ['car'] });
    expect((await engine.listCases({ undelivered: true })).cases.map((c) => c.id)).toEqual([id]);
    // The permanent record holds no error text (it quotes the recipient): the attempts keep it.
    const failed = (await engine.history(id)).find((e) => e.type === 'message_failed')!;
    expect(failed).toMatchObject({ role: 'system', payload: { messageId: ack, template: 'acknowledgement' } });
    expect(JSON.stringify(failed.payload)).not.toContain('john@example.com');

    // The answer fails too, after the case is closed.
    await engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'ЗТ-8' } }, { actor: car });
    await engine.applyEvent(id, { type: 'assign', payload: { unit: 'export-support' } }, { actor: supervisor });
    await engine.applyEvent(id, { type: 'submit_answer', payload: { text: 'Apply on the portal.', citations: ['Law, art. 11'], language: 'en' } }, { actor: unit });
    await engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor });
    await engine.idle();
    view = await engine.getCase(id);
    expect(view).toMatchObject({ state: 'answered', status: 'done', undelivered: true });
    const answer = (await engine.messages(id)).find((m) => m.template === 'answer')!;
    expect(answer.status).toBe('failed');
    expect((view.context.undelivered as { messageId: string }[]).map((m) => m.messageId)).toEqual([ack, answer.id]);
    // The closed case lists what staff can do about it.
    expect(view.allowedEvents).toEqual([
      { type: 'resend_message', roles: ['car'] },
      { type: 'record_notice', roles: ['car', 'press_secretary'] },
    ]);
    expect(view.waitingRoles).toEqual(['car']);

    expect(await engineRejection(engine.applyEvent(id, { type: 'resend_message', payload: { messageId: 'nope' } }, { actor: car }))).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining(ack),
    });
    expect(await engineRejection(engine.applyEvent(id, { type: 'resend_message', payload: { messageId: ack } }, { actor: unit }))).toMatchObject({
      code: 'forbidden',
    });
    // Any other event on the closed case is still refused.
    expect(await engineRejection(engine.applyEvent(id, { type: 'comment', payload: { text: 'x' } }, { actor: car }))).toMatchObject({
      code: 'event_not_allowed',
    });

    smtp.set('up');
    const resent = await engine.applyEvent(id, { type: 'resend_message', payload: { messageId: answer.id } }, { actor: car });
    expect(resent.view).toMatchObject({ state: 'answered', status: 'done', undelivered: true });
    await engine.idle();
    const delivered = (await engine.messages(id)).find((m) => m.id === answer.id)!;
    expect(delivered).toMatchObject({ status: 'sent', attempts: 2 });
    expect(delivered.deliveryAttempts.map((a) => a.outcome)).toEqual(['failed', 'sent']);

    await engine.applyEvent(id, { type: 'resend_message', payload: { messageId: ack } }, { actor: car });
    await engine.idle();
    view = await engine.getCase(id);
    expect(view).toMatchObject({ undelivered: false, waitingRoles: [], allowedEvents: [] });
    expect((await engine.listCases({ undelivered: true })).cases).toEqual([]);
    expect(smtp.sent.map((m) => m.subject)).toEqual(['The answer to your inquiry', 'Your inquiry has been received']);
    expect(await engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should give the applicant the reason in their language: never the internal reason', async () => {
    const id = (await engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await engine.applyEvent(id, { type: 'extend', payload: { days: 5, reason: 'нужна проверка в министерстве' } }, { actor: chairman });
    await engine.applyEvent(
      id,
      { type: 'extend', payload: { days: 5, reason: 'ещё один запрос', applicantReason: 'We have asked the ministry for information' } },
      { actor: chairman },
    );
    const [, first, second] = await engine.messages(id);
    expect(first!.text).not.toContain('министерств');
    expect(first!.data).not.toHaveProperty('reason');
    expect(first!.text).toContain('Reason: the review of your inquiry requires additional study or checking.');
    expect(second!.text).not.toContain('запрос');
    expect(second!.text).toContain('Reason: We have asked the ministry for information.');
    // The internal reason stays in the case.
    const view = await engine.getCase(id);
    expect((view.context.extensions as { reason: string }[]).map((e) => e.reason)).toEqual(['нужна проверка в министерстве', 'ещё один запрос']);
  });
});
