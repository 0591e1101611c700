/**
 * Issue 15 §1, §2 and §4 together: when a decree moves a deadline's last day, everything
 * derived from the deadline follows it in the re-count's unit of work — the staff
 * reminders are placed again on the NEW calendar's days (they were computed with the
 * shipped one before the merge fix), the on-time report's ledger row carries the new day
 * and version, and the reminders go out at the new times only, once.
 *
 * The decree (as tests/engine/calendar-recount.test.ts): 2027-01-05 (Tue) a transfer day
 * off, Saturday 2027-01-09 its working day. A question received 2026-12-21 has its 15-day
 * review term end on 2027-01-05 under the shipped calendar, on 2027-01-06 under the decree.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { candidateOf } from '../../engine/calendar-versions.js';
import { localTime } from '../../engine/notifications/schedule.js';
import { car, notifyEngine, question, reminderPolicy, staffMail, type NotifyEngine } from './notifications/helpers.js';
import { decree, decreeData, kz } from './fixtures/decree.js';

const NINE = 9 * 60;

describe('a calendar change moves the reminders and the ledger with the deadline', () => {
  let t: NotifyEngine;
  beforeEach(async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy, calendarPollMs: 0 }, '2026-12-21T05:00:00Z');
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should place the reminders again with the new calendar and send them at the new times only', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    const id = view.id;
    const before = view.deadlines.find((d) => d.key === 'review')!;
    expect(before.lastDay).toBe('2027-01-05');
    const slots = async () =>
      (await t.engine.storage.read.reminders.listForCase(id)).filter((r) => r.status === 'scheduled').map((r) => [r.slot, r.dueAt]);
    expect(await slots()).toEqual([
      ['0wd@09:00', localTime(kz, '2027-01-05', NINE)],
      ['1wd@09:00', localTime(kz, kz.workingDayBefore('2027-01-05', 1).lastDay, NINE)],
    ]);

    t.clock.set('2026-12-28T05:00:00Z');
    const { recount } = await t.engine.installCalendar(candidateOf(decreeData()), 'cli');
    expect(recount.changes.map((c) => [c.caseId, c.key, c.oldLastDay, c.newLastDay])).toEqual([[id, 'review', '2027-01-05', '2027-01-06']]);

    // The reminders: counted back from the new last day on the decree's working days.
    const newOneBefore = decree.workingDayBefore('2027-01-06', 1).lastDay;
    expect(await slots()).toEqual([
      ['0wd@09:00', localTime(decree, '2027-01-06', NINE)],
      ['1wd@09:00', localTime(decree, newOneBefore, NINE)],
    ]);
    // The ledger: the new day, due and version, in the same unit as the event.
    const [row] = await t.engine.storage.read.deadlineLedger.listForCase(id);
    const after = (await t.engine.getCase(id)).deadlines.find((d) => d.key === 'review')!;
    expect(row).toMatchObject({ key: 'review', lastDay: '2027-01-06', dueAt: after.dueAt, calendarVersion: decree.version, open: true });

    // The old last day's morning passes without a reminder; the new one's brings one, once.
    t.clock.set(localTime(kz, '2027-01-05', NINE + 1));
    await t.engine.idle();
    const lastDayMails = () => staffMail(t).filter((m) => m.text.includes('2027-01-06'));
    const atOldTimes = (await t.engine.history(id)).filter((e) => e.type === 'reminder_queued').map((e) => e.payload);
    // Only the 1wd reminder may have gone (its new time is on or before 2027-01-05).
    expect(atOldTimes.every((p) => (p as { slot: string }).slot === '1wd@09:00')).toBe(true);
    t.clock.set(localTime(decree, '2027-01-06', NINE + 1));
    await t.engine.idle();
    await t.restart();
    await t.engine.idle();
    const queued = (await t.engine.history(id)).filter((e) => e.type === 'reminder_queued').map((e) => (e.payload as { slot: string }).slot);
    expect(queued.sort()).toEqual(['0wd@09:00', '1wd@09:00']);
    expect(lastDayMails().length).toBeGreaterThan(0);
    expect(await t.engine.verify(id)).toMatchObject({ ok: true, problems: [] });
  });
});
