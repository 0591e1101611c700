/**
 * Effects reach the engine through `StepOk.effects` only: emitted by the machine (or by the
 * parent for an invoked child), collected per step by the runtime, never shared between
 * steps, sessions or cases.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import type { Effect, EffectEvent } from '../../machines/contract.js';
import { createRedirectionMachine } from '../../machines/redirection/redirection.machine.js';
import { CaseDriver, almaty, deps, expectOk, meta } from './helpers.js';

const question = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'q' };
const templates = (effects: Effect[]) => effects.map((e) => (e.kind === 'mail' ? e.template : e.kind));

describe('effects', () => {
  it('should return each step’s own effects only, also when a session takes several steps', () => {
    const c = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
    expect(templates(c.last.effects)).toEqual(['acknowledgement']);
    const session = feedbackInquiry.open!(deps, c.snapshot);
    try {
      const step = (type: string, payload: Record<string, unknown>, role: Parameters<typeof meta>[1]) =>
        expectOk(session.step({ type, payload, ...meta(almaty('2025-03-07'), role) }));
      expect(templates(step('extend', { days: 5, reason: 'r' }, 'chairman').effects)).toEqual(['extension_notice']);
      expect(step('register', { registrationNumber: 'R' }, 'car').effects).toEqual([]);
      expect(templates(step('extend', { days: 5, reason: 'r2' }, 'chairman').effects)).toEqual(['extension_notice']);
      // A refused step returns no effects and leaves none behind for the next one.
      const refused = session.step({ type: 'extend', payload: { days: 30, reason: 'r3' }, ...meta(almaty('2025-03-07'), 'chairman') });
      expect(refused.ok).toBe(false);
      expect(step('assign', { unit: 'U' }, 'supervisor').effects).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('should not mix the effects of two cases stepped in turn on the same deps', () => {
    const a = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
    const b = new CaseDriver(feedbackInquiry, { ...question, applicant: { name: 'B', email: 'b@example.kz' } }, almaty('2025-03-06'), 'car');
    const sa = feedbackInquiry.open!(deps, a.snapshot);
    const sb = feedbackInquiry.open!(deps, b.snapshot);
    try {
      const ra = expectOk(sa.step({ type: 'extend', payload: { days: 5, reason: 'a' }, ...meta(almaty('2025-03-07'), 'chairman') }));
      const rb = expectOk(sb.step({ type: 'comment', payload: { text: 'b' }, ...meta(almaty('2025-03-07'), 'car') }));
      expect(ra.effects.map((e) => (e.kind === 'mail' ? e.to.email : ''))).toEqual(['a@example.kz']);
      expect(rb.effects).toEqual([]);
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('should deliver P5’s notice once, through the parent, when P5 is invoked', () => {
    const c = new CaseDriver(feedbackInquiry, question, almaty('2025-03-06'), 'car');
    c.send('register', { registrationNumber: 'R' }, almaty('2025-03-06', '11:00'), 'car');
    c.send('assign', { unit: 'U' }, almaty('2025-03-06', '12:00'), 'supervisor');
    expect(c.send('redirect', { reason: 'x' }, almaty('2025-03-07'), 'unit').effects).toEqual([]);
    const r = c.send('forward', { organization: 'O', reference: 'R-1' }, almaty('2025-03-10'), 'press_secretary');
    expect(templates(r.effects)).toEqual(['redirect_notice']);
  });

  it('should emit P5’s notice itself when P5 runs on its own (inspector, graph traversals)', () => {
    const at = almaty('2025-03-07');
    const actor = createActor(createRedirectionMachine(deps), {
      input: { receivedAt: at, redirectedAt: at, reason: 'x', notice: { kind: 'mail', to: question.applicant, language: 'ru' } },
    });
    const heard: EffectEvent[] = [];
    actor.on('effect', (e) => heard.push(e));
    actor.start();
    actor.send({ type: 'forward', payload: { organization: 'O', reference: 'R-1' }, ...meta(at, 'press_secretary') });
    expect(actor.getSnapshot().status).toBe('done');
    expect(heard.map((e) => templates([e.effect]))).toEqual([['redirect_notice']]);
    actor.stop();
  });
});
