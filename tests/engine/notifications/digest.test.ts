import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestId, parseNotificationPolicy } from '../../../engine/notifications/index.js';
import { car, notifyEngine, question, staffMail, type NotifyEngine } from './helpers.js';

// Digests only (no reminders): every staff mail below is a digest.
const digestOnly = parseNotificationPolicy({ deadlines: {}, digest: { at: '08:30' } }, 'test policy');

describe('the daily digest', () => {
  let t: NotifyEngine;
  beforeEach(async () => {
    t = await notifyEngine({ notificationPolicy: digestOnly });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should send each person their queue (due today, overdue) at the hour, on working days, once a day, across restarts', async () => {
    const id = (await t.engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    await t.engine.idle();
    // 2025-03-26 (Wed): the review's last day. 08:29 Almaty: not yet.
    t.clock.set('2025-03-26T03:29:00Z');
    await t.engine.idle();
    expect(staffMail(t)).toEqual([]);
    t.clock.set('2025-03-26T03:30:00Z');
    await t.engine.idle();
    let mails = staffMail(t);
    // Only Dana (car: the case waits on registration) has a queue; the others get nothing.
    expect(mails.map((m) => m.to)).toEqual(['dana@corp.kz']);
    expect(mails[0]!.subject).toBe('Сводка на 2025-03-26: срок сегодня 1, просрочено 0');
    expect(mails[0]!.text).toContain(`/ui/cases/${id}`);
    expect(mails[0]!.text).not.toContain('Айгерим');
    expect(mails[0]!.messageId).toBe(`<${digestId('2025-03-26', 'Dana').replace(/:/g, '.')}@engine.qazindustry.kz>`);
    // A restart later that day sends nothing more.
    await t.restart();
    t.clock.set('2025-03-26T09:00:00Z');
    await t.engine.idle();
    expect(staffMail(t)).toHaveLength(1);
    // The next working day: overdue now.
    t.clock.set('2025-03-27T03:30:00Z');
    await t.engine.idle();
    mails = staffMail(t);
    expect(mails.map((m) => m.subject)).toEqual(['Сводка на 2025-03-26: срок сегодня 1, просрочено 0', 'Сводка на 2025-03-27: срок сегодня 0, просрочено 1']);
    // The digest belongs to no case: not among the case's messages.
    expect((await t.engine.messages(id)).filter((m) => m.kind === 'staff_mail')).toEqual([]);
  });

  it('should send none on a day off, and never a past day\'s after downtime', async () => {
    await t.engine.createCase('feedback-inquiry', question, { actor: car });
    await t.engine.idle();
    // 2025-03-21 (Fri) and 22 (Sat): days off (Nauryz, the weekend).
    t.clock.set('2025-03-21T06:00:00Z');
    await t.engine.idle();
    t.clock.set('2025-03-22T06:00:00Z');
    await t.engine.idle();
    expect(staffMail(t)).toEqual([]);
    // Down over the whole of 2025-03-26 (a working day); back the next day before 08:30.
    await t.restart(false);
    t.clock.set('2025-03-27T02:00:00Z');
    await t.engine.start();
    await t.engine.idle();
    expect(staffMail(t)).toEqual([]);
    t.clock.set('2025-03-27T03:30:00Z');
    await t.engine.idle();
    expect(staffMail(t).map((m) => m.subject)).toEqual(['Сводка на 2025-03-27: срок сегодня 0, просрочено 1']);
  });
});
