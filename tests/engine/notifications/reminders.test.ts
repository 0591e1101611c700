import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { car, notifyEngine, question, reminderPolicy, staffMail, supervisor, unit, type NotifyEngine } from './helpers.js';

// The review term of a question received 2025-03-06 ends on 2025-03-26 (Wed), due 19:00Z.
// Its reminders: 1 working day before and the last day, 09:00 Almaty (04:00Z). The working
// day before is Thu 2025-03-20: 21–25 March are days off (Nauryz), the calendar decides.
const SLOT_1WD = '2025-03-20T04:00:00.000Z';
const SLOT_0WD = '2025-03-26T04:00:00.000Z';
const DUE = '2025-03-26T19:00:00.000Z';

const events = async (t: NotifyEngine, id: string, type: string) => (await t.engine.history(id)).filter((e) => e.type === type);

describe('staff reminders before a deadline', () => {
  let t: NotifyEngine;
  beforeEach(async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should schedule the slots of the policy from the deadline, with the calendar', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    const rows = await t.engine.storage.read.reminders.listForCase(view.id);
    expect(rows.map((r) => [r.key, r.slot, r.dueAt, r.deadlineDueAt, r.status])).toEqual([
      ['review', '0wd@09:00', SLOT_0WD, DUE, 'scheduled'],
      ['review', '1wd@09:00', SLOT_1WD, DUE, 'scheduled'],
    ]);
  });

  it('should remind whoever the case waits on, once per slot, across restarts, recorded in the history', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    const id = view.id;
    await t.engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'ЗТ-7' } }, { actor: car });
    await t.engine.idle();
    t.clock.set('2025-03-20T03:59:59.999Z');
    await t.engine.idle();
    expect(staffMail(t)).toEqual([]);
    t.clock.set(SLOT_1WD);
    await t.engine.idle();
    for (let i = 0; i < 3; i++) {
      await t.restart();
      t.clock.advance(60_000);
      await t.engine.idle();
    }
    // After `register` the case waits on the supervisor (assign).
    let mails = staffMail(t);
    expect(mails.map((m) => m.to)).toEqual(['deputy@corp.kz']);
    expect(mails[0]!.subject).toContain('ЗТ-7');
    expect(mails[0]!.text).toContain(`/ui/cases/${id}`);
    expect(mails[0]!.text).toContain('2025-03-26');
    const queued = await events(t, id, 'reminder_queued');
    expect(queued.map((e) => [e.role, e.actor, e.payload])).toEqual([['system', 'engine', { key: 'review', slot: '1wd@09:00', recipients: ['Deputy'] }]]);
    // Visible per case, as staff mail.
    const staff = (await t.engine.messages(id)).filter((m) => m.kind === 'staff_mail');
    expect(staff.map((m) => [m.id, m.template, m.recipient, m.status])).toEqual([[`${id}:${queued[0]!.seq}:0`, 'staff_reminder', 'deputy@corp.kz', 'sent']]);

    // The unit takes over: the last-day reminder goes to the unit's mailbox (nobody took the case).
    await t.engine.applyEvent(id, { type: 'assign', payload: { unit: 'Legal' } }, { actor: supervisor });
    t.clock.set(SLOT_0WD);
    await t.engine.idle();
    await t.restart();
    t.clock.advance(3600_000);
    await t.engine.idle();
    mails = staffMail(t);
    expect(mails.map((m) => m.to)).toEqual(['deputy@corp.kz', 'legal@corp.kz']);
    expect((await events(t, id, 'reminder_queued')).map((e) => e.payload)).toEqual([
      { key: 'review', slot: '1wd@09:00', recipients: ['Deputy'] },
      { key: 'review', slot: '0wd@09:00', recipients: [], unit: 'Legal' },
    ]);
    // No applicant personal data in any staff mail.
    for (const m of mails) {
      expect(m.subject + m.text).not.toContain('Айгерим');
      expect(m.subject + m.text).not.toContain('aigerim@example.kz');
      expect(m.subject + m.text).not.toContain('экспортную');
    }
    expect(await t.engine.verify(id)).toMatchObject({ ok: true, problems: [] });
  });

  it('should remind the person who took the case, in their language', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    await t.engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'ЗТ-8' } }, { actor: car });
    await t.engine.applyEvent(view.id, { type: 'assign', payload: { unit: 'Legal' } }, { actor: supervisor });
    await t.engine.applyEvent(view.id, { type: 'claim', payload: {} }, { actor: { ...unit, units: ['Legal'] } });
    t.clock.set(SLOT_1WD);
    await t.engine.idle();
    const mails = staffMail(t);
    expect(mails.map((m) => m.to)).toEqual(['aset@corp.kz']);
    expect(mails[0]!.subject).toContain('Еске салу');
    expect((await events(t, view.id, 'reminder_queued')).map((e) => e.payload.recipients)).toEqual([['Aset']]);
  });

  it('should skip the reminders of a deadline that closed, and never send them later', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    const id = view.id;
    await t.engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'ЗТ-9' } }, { actor: car });
    await t.engine.applyEvent(id, { type: 'assign', payload: { unit: 'Legal' } }, { actor: supervisor });
    await t.engine.applyEvent(id, { type: 'submit_answer', payload: { text: 'Ответ.', citations: ['Правила, п. 40'], language: 'ru' } }, { actor: unit });
    await t.engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor });
    expect((await t.engine.storage.read.reminders.listForCase(id)).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    t.clock.set('2025-04-30T00:00:00Z');
    await t.engine.idle();
    await t.restart();
    await t.engine.idle();
    expect(staffMail(t)).toEqual([]);
    expect(await events(t, id, 'reminder_queued')).toEqual([]);
    expect(await events(t, id, 'escalation_queued')).toEqual([]);
  });

  it('after downtime over both slots, should send only the latest one, and none once the deadline is past', async () => {
    const a = (await t.engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await t.restart(false); // down: nothing runs
    t.clock.set('2025-03-26T10:00:00Z'); // both slots passed, the deadline not yet
    await t.engine.start();
    await t.engine.idle();
    expect((await events(t, a, 'reminder_queued')).map((e) => e.payload.slot)).toEqual(['0wd@09:00']);
    expect(staffMail(t)).toHaveLength(1);
    expect((await t.engine.storage.read.reminders.listForCase(a)).map((r) => [r.slot, r.status])).toEqual([
      ['0wd@09:00', 'sent'],
      ['1wd@09:00', 'skipped'],
    ]);
  });

  it('should never remind late after a clock jump past the deadline (the escalation is sent instead, once)', async () => {
    const id = (await t.engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await t.engine.idle();
    t.clock.jump('2025-03-28T05:00:00Z'); // past both slots and the deadline
    await t.engine.idle();
    await t.restart();
    t.clock.advance(86_400_000);
    await t.engine.idle();
    expect(await events(t, id, 'reminder_queued')).toEqual([]);
    expect((await events(t, id, 'deadline_missed')).map((e) => e.payload.key)).toEqual(['review']);
    const esc = await events(t, id, 'escalation_queued');
    expect(esc.map((e) => e.payload)).toEqual([{ key: 'review', recipients: ['Deputy'] }]);
    const mails = staffMail(t);
    expect(mails.map((m) => m.to)).toEqual(['deputy@corp.kz']);
    expect(mails[0]!.subject).toContain('Deadline missed'); // Deputy reads English
    expect(await t.engine.verify(id)).toMatchObject({ ok: true });
  });
});
