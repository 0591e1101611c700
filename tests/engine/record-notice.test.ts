/**
 * Issue 12 §1: staff record a notice given another way (`record_notice`). Without SMTP
 * (the quick-start default) nothing could ever close `extension_notice`: every extended
 * case became overdue. A notice by phone, post or in person closes it, on an active or a
 * closed case, and replaces an undelivered message.
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
const question = { applicant: { name: 'John Smith', email: 'john@example.com' }, language: 'en', kind: 'question', text: 'How do I apply?' };

describe('record_notice', () => {
  let engine: Engine;
  let clock: SimulatedClock;
  let cleanup: () => void;
  let refusing = false;
  const open = async (transport?: MailTransport) => {
    const d = tmpDir('notice-');
    cleanup = d.cleanup;
    clock = new SimulatedClock('2025-03-06T05:00:00Z');
    engine = await createEngine({
      databasePath: join(d.dir, 'n.db'),
      clock,
      calendar: loadKzCalendar(),
      procedures,
      ...(transport ? { transport, retry: { maxAttempts: 1 } } : {}),
    });
    await engine.start();
  };
  beforeEach(() => {
    refusing = false;
  });
  afterEach(async () => {
    await engine.close();
    cleanup();
  });
  const extended = async () => {
    const id = (await engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await engine.applyEvent(id, { type: 'extend', payload: { days: 10, reason: 'проверка' } }, { actor: chairman });
    return id;
  };
  const notice = (id: string) => engine.getCase(id).then((v) => v.deadlines.find((d) => d.key === 'extension_notice'));

  it('should let staff close the extension notice given by phone when no SMTP is configured', async () => {
    await open(); // no SMTP_URL: the notice e-mail stays queued forever
    const id = await extended();
    expect((await engine.getCase(id)).allowedEvents).toContainEqual({ type: 'record_notice', roles: ['car', 'press_secretary'] });
    clock.advance(6 * 86_400_000); // past the notice's 3 days (9 March is a Sunday, 10 March the day off for 8 March)
    await engine.idle();
    expect((await engine.listCases({ overdue: true })).cases.map((c) => c.id)).toEqual([id]);
    expect(await notice(id)).toMatchObject({ open: true, status: 'missed' });

    // Told by phone on the second day, recorded now.
    const r = await engine.applyEvent(
      id,
      {
        type: 'record_notice',
        payload: { deadline: 'extension_notice', channel: 'phone', reference: 'call log 17' },
        occurredAt: '2025-03-07T06:00:00Z',
        backdatingReason: 'called from the office phone on Friday',
      },
      { actor: car },
    );
    expect(r.view.deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: false, status: 'met', closedAt: '2025-03-07T06:00:00.000Z' });
    expect(r.view.overdue).toBe(false);
    expect((await engine.listCases({ overdue: true })).cases).toEqual([]);
    expect((await engine.history(id)).at(-1)).toMatchObject({ type: 'record_notice', role: 'car', payload: { channel: 'phone', reference: 'call log 17' } });
    // Nothing more is owed: the event is no longer offered, and a second one is refused.
    expect((await engine.getCase(id)).allowedEvents.map((a) => a.type)).not.toContain('record_notice');
    const again = await engineRejection(engine.applyEvent(id, { type: 'record_notice', payload: { deadline: 'extension_notice', channel: 'post' } }, { actor: car }));
    expect(again.message).toMatch(/already closed \(met/);
    expect(await engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should close the notice on a closed case, and refuse what is not a notice', async () => {
    await open();
    const id = await extended();
    await engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'ЗТ-1' } }, { actor: car });
    await engine.applyEvent(id, { type: 'assign', payload: { unit: 'export' } }, { actor: supervisor });
    await engine.applyEvent(id, { type: 'submit_answer', payload: { text: 'On the portal.', citations: ['Law, art. 11'], language: 'en' } }, { actor: unit });
    await engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor });
    expect((await engine.getCase(id)).status).toBe('done');

    expect(await engineRejection(engine.applyEvent(id, { type: 'record_notice', payload: { channel: 'phone' } }, { actor: car }))).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/"deadline".*"messageId"/),
    });
    expect(await engineRejection(engine.applyEvent(id, { type: 'record_notice', payload: { deadline: 'review', channel: 'phone' } }, { actor: car }))).toMatchObject({
      code: 'invalid_request',
    });
    expect(await engineRejection(engine.applyEvent(id, { type: 'record_notice', payload: { deadline: 'extension_notice', channel: 'fax' } }, { actor: car }))).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('"email", "phone", "post", "in_person", "portal"'),
    });
    expect(await engineRejection(engine.applyEvent(id, { type: 'record_notice', payload: { deadline: 'extension_notice', channel: 'post' } }, { actor: unit }))).toMatchObject({
      code: 'forbidden',
    });

    const r = await engine.applyEvent(id, { type: 'record_notice', payload: { deadline: 'extension_notice', channel: 'post', reference: 'исх. 12' } }, { actor: car });
    expect(r.view).toMatchObject({ state: 'answered', status: 'done', nextDueAt: null });
    expect(r.view.deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: false, status: 'met' });
    expect(await engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should replace an undelivered notice e-mail and clear the problem', async () => {
    const transport: MailTransport = {
      sendMail: (m) =>
        refusing
          ? Promise.reject(Object.assign(new Error('550 mailbox unavailable'), { responseCode: 550 }))
          : Promise.resolve({ messageId: m.messageId, response: '250 OK' }),
    };
    await open(transport);
    await engine.idle(); // (nothing yet)
    refusing = true;
    const id = await extended();
    await engine.idle();
    const view = await engine.getCase(id);
    expect(view.undelivered).toBe(true);
    const failed = (view.context.undelivered as { messageId: string; deadline?: string }[]).find((m) => m.deadline === 'extension_notice')!;
    const r = await engine.applyEvent(id, { type: 'record_notice', payload: { messageId: failed.messageId, channel: 'in_person' } }, { actor: car });
    expect(r.view.deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: false, status: 'met' });
    expect((r.view.context.undelivered as { messageId: string }[]).map((m) => m.messageId)).not.toContain(failed.messageId);
    expect(await engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should not offer the engine\'s own events in a refusal', async () => {
    await open();
    const id = (await engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    const e = await engineRejection(engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor }));
    expect(e.code).toBe('event_not_allowed');
    const types = (e.details.allowed as { type: string; roles: string[] }[]).map((a) => a.type);
    expect(types).toContain('register');
    for (const system of ['message_delivered', 'message_failed', 'deadline_missed']) {
      expect(types).not.toContain(system);
      expect(e.message).not.toContain(system);
    }
    expect((e.details.allowed as { roles: string[] }[]).every((a) => !a.roles.includes('system'))).toBe(true);
  });
});
