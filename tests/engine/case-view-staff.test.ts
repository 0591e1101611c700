/**
 * Issue 12 §7: the case view tells staff what to do, by when — run through a real engine
 * with the real procedures and the Kazakhstan calendar (the clock is simulated).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import type { CaseView } from '../../engine/case-view.js';
import type { Actor } from '../../machines/contract.js';
import { blogQuestionLegacy } from '../../machines/blog-question/index.js';
import { legacyProcedures, procedures } from '../../machines/index.js';
import { testEngine, type TestEngine } from './fixtures/helpers.js';

const calendar = loadKzCalendar();
const as = (role: Actor['role']): { actor: Actor } => ({ actor: { name: `${role}-user`, role } });
/** Mon 2026-04-06 10:00 in Almaty. */
const START = '2026-04-06T05:00:00.000Z';

let t: TestEngine;
beforeEach(async () => {
  t = await testEngine({ calendar, procedures }, START);
});
afterEach(async () => {
  await t.cleanup();
});

const inquiry = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' };

async function send(id: string, type: string, payload: Record<string, unknown>, role: Actor['role']): Promise<CaseView> {
  return (await t.engine.applyEvent(id, { type, payload }, as(role))).view;
}

describe('case view for staff (issue 12 §7)', () => {
  it('should list no system events nor the system role in allowedEvents', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', inquiry, as('car'));
    const types = view.allowedEvents.map((a) => a.type);
    expect(types).toContain('register');
    expect(types).not.toContain('deadline_missed');
    expect(types).not.toContain('message_delivered');
    expect(view.allowedEvents.flatMap((a) => a.roles)).not.toContain('system');
    expect((await t.engine.getCase(view.id)).allowedEvents.map((a) => a.type)).toEqual(types);
  });

  it('should stop offering extend once the 30 days of п. 39 are used, and keep offering it before', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', inquiry, as('car'));
    const after20 = await send(view.id, 'extend', { days: 20, reason: 'проверка' }, 'chairman');
    expect(after20.allowedEvents.map((a) => a.type)).toContain('extend');
    const after30 = await send(view.id, 'extend', { days: 10, reason: 'ещё' }, 'chairman');
    expect(after30.allowedEvents.map((a) => a.type)).not.toContain('extend');
    expect((await t.engine.getCase(view.id)).allowedEvents.map((a) => a.type)).not.toContain('extend');
    // Nothing else waits on the chairman now.
    expect(after30.waitingRoles).not.toContain('chairman');
  });

  it('should show every instant of the view and of its deadlines in Asia/Almaty time beside UTC', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', inquiry, as('car'));
    expect(view.zone).toBe('Asia/Almaty');
    expect(view.createdAt).toBe(START);
    expect(view.createdAtLocal).toBe('2026-04-06T10:00:00.000+05:00');
    expect(view.updatedAtLocal).toBe('2026-04-06T10:00:00.000+05:00');
    // 15 calendar days from Mon 04-06 → Tue 04-21; due at the start of 04-22 in Almaty.
    expect(view.nextDueAt).toBe('2026-04-21T19:00:00.000Z');
    expect(view.nextDueAtLocal).toBe('2026-04-22T00:00:00.000+05:00');
    const review = view.deadlines.find((d) => d.key === 'review')!;
    expect(review).toMatchObject({ dueAt: '2026-04-21T19:00:00.000Z', dueAtLocal: '2026-04-22T00:00:00.000+05:00', fromLocal: '2026-04-06T10:00:00.000+05:00' });
  });

  it('should show the calendar days that remain of an open deadline, counted from the clock, negative when past', async () => {
    const { view } = await t.engine.createCase('feedback-inquiry', inquiry, as('car'));
    expect(view.deadlines.find((d) => d.key === 'review')!.remaining).toEqual({ today: '2026-04-06', calendarDays: 15 });
    t.clock.set('2026-04-21T18:00:00.000Z'); // 23:00 on the last day
    expect((await t.engine.getCase(view.id)).deadlines[0]!.remaining).toEqual({ today: '2026-04-21', calendarDays: 0 });
    t.clock.set('2026-04-24T05:00:00.000Z');
    const late = (await t.engine.getCase(view.id)).deadlines[0]!;
    expect(late).toMatchObject({ overdue: true, remaining: { today: '2026-04-24', calendarDays: -3 } });
  });

  it('should count working days too where the rule reads working days', async () => {
    // The deployment reads P4's unqualified "2 дней" of п. 46 as working days.
    await t.reopen({ calendar, procedures, readings: { to_chairman: 'working' } });
    t.clock.set('2026-04-09T05:00:00.000Z'); // Thu
    const { view } = await t.engine.createCase('blog-question', { channel: 'blog', author: { name: 'Е' }, language: 'ru', text: 'Вопрос' }, as('press_secretary'));
    await send(view.id, 'register', { registrationNumber: 'Б-1' }, 'car');
    await send(view.id, 'assign', { unit: 'hr' }, 'press_secretary');
    await send(view.id, 'submit_answer', { text: 'черновик' }, 'unit');
    const agreed = await send(view.id, 'agree_answer', {}, 'supervisor');
    const d = agreed.deadlines.find((x) => x.key === 'to_chairman')!;
    // 2 working days from Thu 04-09: Fri 04-10, Mon 04-13.
    expect(d).toMatchObject({ reading: 'working', lastDay: '2026-04-13' });
    expect(d.remaining).toEqual({ today: '2026-04-09', calendarDays: 4, workingDays: 2 });
    t.clock.set('2026-04-11T05:00:00.000Z'); // Sat
    const sat = (await t.engine.getCase(view.id)).deadlines.find((x) => x.key === 'to_chairman')!;
    expect(sat.remaining).toEqual({ today: '2026-04-11', calendarDays: 2, workingDays: 1 });
    // A calendar-reading deadline of the same case has no working-day count.
    expect(sat.remaining).toBeDefined();
    expect(agreed.deadlines.find((x) => x.key === 'unit_answer')).not.toHaveProperty('remaining');
    t.clock.set('2026-04-15T05:00:00.000Z'); // Wed: Tue 04-14 and Wed 04-15 past the last day
    const late = (await t.engine.getCase(view.id)).deadlines.find((x) => x.key === 'to_chairman')!;
    expect(late).toMatchObject({ overdue: true, remaining: { today: '2026-04-15', calendarDays: -2, workingDays: -2 } });
  });

  it('should leave remaining out of closed deadlines', async () => {
    const { view } = await t.engine.createCase('publication', { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2026-04-10' }, as('initiator'));
    expect(view.deadlines.find((d) => d.key === 'submission')).not.toHaveProperty('remaining');
  });

  it('should name the translation languages still awaited and the channels not yet posted', async () => {
    const { view } = await t.engine.createCase(
      'publication',
      { title: 'T', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2026-04-10' },
      as('initiator'),
    );
    expect(view.pending).toEqual([]);
    const sent = await send(view.id, 'send_for_translation', { languages: ['kk', 'en'] }, 'press_secretary');
    expect(sent.pending).toEqual([{ step: 'translation', event: 'deliver_translation', field: 'language', awaited: ['kk', 'en'], done: [] }]);
    const kk = await send(view.id, 'deliver_translation', { language: 'kk', text: 'аударма' }, 'car');
    expect(kk.state).toBe('translation');
    expect(kk.pending).toEqual([{ step: 'translation', event: 'deliver_translation', field: 'language', awaited: ['en'], done: ['kk'] }]);
    await send(view.id, 'deliver_translation', { language: 'en', text: 'translation' }, 'car');
    const admin = await send(view.id, 'send_to_administrator', {}, 'press_secretary');
    expect(admin.pending).toEqual([{ step: 'posting', event: 'post', field: 'channel', awaited: ['site', 'telegram'], done: [] }]);
    const site = await send(view.id, 'post', { channel: 'site', url: 'https://example.kz/a' }, 'administrator');
    expect(site.pending).toEqual([{ step: 'posting', event: 'post', field: 'channel', awaited: ['telegram'], done: ['site'] }]);
  });

  it('should show the planned publication date P as a target, following a reschedule', async () => {
    const { view } = await t.engine.createCase('publication', { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2026-04-10' }, as('initiator'));
    expect(view.targets).toEqual([
      { key: 'publication', date: '2026-04-10', rule: 'п. 11', description: expect.any(String), remaining: { today: '2026-04-06', calendarDays: 4, workingDays: 4 } },
    ]);
    const moved = await send(view.id, 'reschedule', { plannedFor: '2026-04-15' }, 'press_secretary');
    expect(moved.targets.map((x) => x.date)).toEqual(['2026-04-15']);
    const { view: proc } = await t.engine.createCase(
      'publication',
      { title: 'Tender', kind: 'procurement', channels: ['site'], announcementPublishedAt: '2026-04-06T09:00:00+05:00' },
      as('initiator'),
    );
    expect(proc.targets).toEqual([]);
  });

  it('should keep every turn of the rework deadline with its own status, the current one under its key', async () => {
    const at = (iso: string) => {
      t.clock.set(iso);
    };
    const { view } = await t.engine.createCase('blog-question', { channel: 'blog', author: { name: 'Е' }, language: 'ru', text: 'Вопрос' }, as('press_secretary'));
    expect(view.version).toBe('1.1.0');
    await send(view.id, 'register', { registrationNumber: 'Б-1' }, 'car');
    await send(view.id, 'assign', { unit: 'hr' }, 'press_secretary');
    await send(view.id, 'submit_answer', { text: 'черновик' }, 'unit');
    await send(view.id, 'agree_answer', {}, 'supervisor');
    await send(view.id, 'forward_to_chairman', {}, 'press_secretary');
    await send(view.id, 'return_for_rework', { comment: 'уточнить' }, 'chairman'); // turn 1, due end of Tue 04-07
    at('2026-04-08T05:00:00.000Z');
    await send(view.id, 'forward_to_chairman', {}, 'press_secretary'); // late by 1 day
    const second = await send(view.id, 'return_for_rework', { comment: 'ещё раз' }, 'chairman'); // turn 2, due end of Thu 04-09
    const current = second.deadlines.find((d) => d.key === 'rework')!;
    expect(current).toMatchObject({ turn: 2, open: true, status: 'pending', lastDay: '2026-04-09' });
    expect(second.deadlineHistory).toEqual([
      expect.objectContaining({ key: 'rework', turn: 1, open: false, status: 'met_late', lastDay: '2026-04-07', closedAtLocal: '2026-04-08T10:00:00.000+05:00' }),
    ]);
    expect(second.context.deadlineHistory).toHaveLength(1);
    await send(view.id, 'forward_to_chairman', {}, 'press_secretary');
    const done = await t.engine.getCase(view.id);
    expect(done.deadlines.find((d) => d.key === 'rework')).toMatchObject({ turn: 2, status: 'met' });
    expect(done.deadlineHistory.map((d) => [d.turn, d.status])).toEqual([[1, 'met_late']]);
    expect((await t.engine.verify(view.id)).ok).toBe(true);
  });

  it('should go on running and verifying a case pinned to blog-question 1.0.0 with the legacy module registered', async () => {
    await t.reopen({ calendar, procedures: { ...procedures, 'blog-question': blogQuestionLegacy[0]! } });
    const { view } = await t.engine.createCase('blog-question', { channel: 'blog', author: { name: 'Е' }, language: 'ru', text: 'Вопрос' }, as('press_secretary'));
    expect(view.version).toBe('1.0.0');
    for (const [type, payload, role] of [
      ['register', { registrationNumber: 'Б-1' }, 'car'],
      ['assign', { unit: 'hr' }, 'press_secretary'],
      ['submit_answer', { text: 'черновик' }, 'unit'],
      ['agree_answer', {}, 'supervisor'],
      ['forward_to_chairman', {}, 'press_secretary'],
      ['return_for_rework', { comment: 'уточнить' }, 'chairman'],
      ['forward_to_chairman', {}, 'press_secretary'],
    ] as const) {
      await send(view.id, type, payload, role);
    }
    await t.reopen({ calendar, procedures, legacyModules: legacyProcedures });
    const again = await send(view.id, 'return_for_rework', { comment: 'ещё' }, 'chairman');
    expect(again.version).toBe('1.0.0');
    expect(again.context).not.toHaveProperty('deadlineHistory');
    expect(again.deadlineHistory).toEqual([]);
    expect((await t.engine.verify(view.id)).ok).toBe(true);
    expect((await t.engine.replay(view.id)).deadlines.find((d) => d.key === 'rework')).not.toHaveProperty('turn');
  });
});
