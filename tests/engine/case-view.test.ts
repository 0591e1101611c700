/** engine/case-view.ts: the case as clients see it, with deadlines judged against the clock. */
import { describe, expect, it } from 'vitest';
import { buildCaseView, deadlinesOf, nextDueAt, waitingRoles } from '../../engine/case-view.js';
import type { AllowedEvent, CaseDeadline } from '../../machines/contract.js';
import type { CaseRecord } from '../../storage/index.js';
import { deadline, T0 } from '../helpers/records.js';
import { loadKzCalendar } from '../../calendars/index.js';

const ENV = { calendar: loadKzCalendar() };

const NOW = new Date('2025-03-10T05:00:00.000Z');


const row = (extra: Partial<CaseRecord> = {}): CaseRecord => ({
  id: 'c1',
  procedure: 'feedback-inquiry',
  machineVersion: '3',
  snapshotJson: '{}',
  contextJson: '{}',
  state: 'open',
  status: 'active',
  seq: 4,
  headHash: 'h4',
  nextDueAt: null,
  waitingRoles: ['chairman', 'unit'],
  lastStaffOccurredAt: T0,
  backdated: false,
  createdAt: T0,
  updatedAt: '2025-03-07T05:00:00.000Z',
  ...extra,
});

const contextWith = (...ds: CaseDeadline[]) => ({ subject: 'x', deadlines: Object.fromEntries(ds.map((d) => [d.key, d])) });

describe('case view', () => {
  describe('buildCaseView', () => {
    it('should show an open pending deadline past now as missed and overdue, leaving the stored context unchanged', () => {
      const context = contextWith(deadline('reply', '2025-03-08T05:00:00.000Z'));
      const before = structuredClone(context);
      const view = buildCaseView(row({ nextDueAt: '2025-03-08T05:00:00.000Z' }), context, [], NOW, ENV);
      expect(view.deadlines).toEqual([
        {
          ...context.deadlines.reply,
          status: 'missed',
          overdue: true,
          dueAtLocal: '2025-03-08T10:00:00.000+05:00',
          fromLocal: '2025-03-06T10:00:00.000+05:00',
          // Mon 2025-03-10 is the carry-over day off of 8 March: no working day after the last day yet.
          remaining: { today: '2025-03-10', calendarDays: -2, workingDays: 0 },
        },
      ]);
      expect(context).toEqual(before);
      expect(view.context).toEqual(before);
      expect((view.context.deadlines as Record<string, CaseDeadline>).reply!.status).toBe('pending');
      expect(view.overdue).toBe(true);
    });

    it('should count a deadline due exactly now as overdue', () => {
      const view = buildCaseView(row(), contextWith(deadline('reply', NOW.toISOString())), [], NOW, ENV);
      expect(view.deadlines[0]).toMatchObject({ status: 'missed', overdue: true });
    });

    it('should keep an open pending deadline in the future pending and not overdue', () => {
      const view = buildCaseView(row({ nextDueAt: '2025-03-12T05:00:00.000Z' }), contextWith(deadline('reply', '2025-03-12T05:00:00.000Z')), [], NOW, ENV);
      expect(view.deadlines[0]).toMatchObject({ status: 'pending', overdue: false });
      expect(view.overdue).toBe(false);
    });

    it('should never mark a closed deadline overdue, and keep its stored status', () => {
      const view = buildCaseView(
        row(),
        contextWith(
          deadline('a', '2025-03-07T05:00:00.000Z', { open: false, status: 'met', closedAt: '2025-03-07T04:00:00.000Z' }),
          deadline('b', '2025-03-08T05:00:00.000Z', { open: false, status: 'met_late', closedAt: '2025-03-09T04:00:00.000Z' }),
          deadline('c', '2025-03-09T05:00:00.000Z', { open: false, status: 'pending' }),
        ),
        [],
        NOW,
        ENV,
      );
      expect(view.deadlines.map((d) => [d.key, d.status, d.overdue])).toEqual([
        ['a', 'met', false],
        ['b', 'met_late', false],
        ['c', 'pending', false],
      ]);
    });

    it('should keep an open deadline already observed missed as missed and overdue', () => {
      const due = '2025-03-08T05:00:00.000Z';
      const view = buildCaseView(row(), contextWith(deadline('reply', due, { status: 'missed', observedMissedAt: due })), [], NOW, ENV);
      expect(view.deadlines[0]).toMatchObject({ status: 'missed', overdue: true });
    });

    it('should sort deadlines by dueAt as instants, then by key', () => {
      const view = buildCaseView(
        row(),
        contextWith(
          deadline('z', '2025-03-12T05:00:00.000Z'),
          // 09:00+05:00 is 04:00Z: earlier than 05:00Z although it sorts later as text.
          deadline('late-text', '2025-03-12T09:00:00+05:00'),
          deadline('b', '2025-03-11T05:00:00.000Z'),
          deadline('a', '2025-03-11T05:00:00.000Z'),
          deadline('first', '2025-03-01T00:00:00.000Z', { open: false, status: 'met' }),
        ),
        [],
        NOW,
        ENV,
      );
      expect(view.deadlines.map((d) => d.key)).toEqual(['first', 'a', 'b', 'late-text', 'z']);
    });

    it('should take the identity, roles, nextDueAt and times from the record and the allowed events as given', () => {
      const allowed: AllowedEvent[] = [{ type: 'reply', roles: ['unit'] }];
      const r = row({ nextDueAt: '2025-03-12T05:00:00.000Z' });
      const view = buildCaseView(r, contextWith(), allowed, NOW, ENV);
      expect(view).toEqual({
        id: 'c1',
        procedure: 'feedback-inquiry',
        version: '3',
        state: 'open',
        status: 'active',
        seq: 4,
        context: { subject: 'x', deadlines: {} },
        deadlines: [],
        deadlineHistory: [],
        pending: [],
        targets: [],
        allowedEvents: allowed,
        waitingRoles: ['chairman', 'unit'],
        nextDueAt: '2025-03-12T05:00:00.000Z',
        overdue: false,
        backdated: false,
        undelivered: false,
        createdAt: T0,
        updatedAt: '2025-03-07T05:00:00.000Z',
        zone: 'Asia/Almaty',
        nextDueAtLocal: '2025-03-12T10:00:00.000+05:00',
        createdAtLocal: '2025-03-06T10:00:00.000+05:00',
        updatedAtLocal: '2025-03-07T10:00:00.000+05:00',
      });
      expect(view.waitingRoles).not.toBe(r.waitingRoles);
    });

    it('should judge the case overdue from the record nextDueAt (null: never)', () => {
      expect(buildCaseView(row({ nextDueAt: null }), {}, [], NOW, ENV).overdue).toBe(false);
      expect(buildCaseView(row({ nextDueAt: NOW.toISOString() }), {}, [], NOW, ENV).overdue).toBe(true);
      expect(buildCaseView(row({ nextDueAt: '2025-03-10T05:00:00.001Z' }), {}, [], NOW, ENV).overdue).toBe(false);
    });

    it('should list only what a person can send: no system-only event, no system role', () => {
      const allowed: AllowedEvent[] = [
        { type: 'register', roles: ['car'] },
        { type: 'message_delivered', roles: ['system'] },
        { type: 'comment', roles: ['unit', 'system'] },
        { type: 'deadline_missed', roles: ['system'] },
      ];
      const view = buildCaseView(row(), contextWith(), allowed, NOW, ENV);
      expect(view.allowedEvents).toEqual([
        { type: 'register', roles: ['car'] },
        { type: 'comment', roles: ['unit'] },
      ]);
      // The record's waiting roles (computed from the full list) are shown as stored.
      expect(view.waitingRoles).toEqual(['chairman', 'unit']);
    });

    it('should show local times with the offset the zone had then (UTC+6 before 2024-03-01), never a fixed one', () => {
      const view = buildCaseView(row({ createdAt: '2024-02-20T04:00:00.000Z', updatedAt: '2024-03-04T04:00:00.000Z' }), {}, [], NOW, ENV);
      expect(view.createdAtLocal).toBe('2024-02-20T10:00:00.000+06:00');
      expect(view.updatedAtLocal).toBe('2024-03-04T09:00:00.000+05:00');
      expect(view.nextDueAtLocal).toBeNull();
    });

    it('should show closing and observation instants locally, and no remaining on a closed deadline', () => {
      const d = deadline('a', '2025-03-07T19:00:00.000Z', {
        open: false,
        status: 'met_late',
        closedAt: '2025-03-09T04:00:00.000Z',
        observedMissedAt: '2025-03-07T19:00:00.000Z',
        from: '2025-03-12',
      });
      const [v] = buildCaseView(row(), contextWith(d), [], NOW, ENV).deadlines;
      expect(v).toMatchObject({
        dueAtLocal: '2025-03-08T00:00:00.000+05:00',
        closedAtLocal: '2025-03-09T09:00:00.000+05:00',
        observedMissedAtLocal: '2025-03-08T00:00:00.000+05:00',
      });
      expect(v).not.toHaveProperty('remaining');
      // A lead time counts back from a date: no local instant for it.
      expect(v).not.toHaveProperty('fromLocal');
    });

    it('should count calendar days only for a deadline read in calendar days', () => {
      const d = deadline('c', '2025-03-14T19:00:00.000Z', { reading: 'calendar', unit: 'calendar_days', lastDay: '2025-03-14' });
      expect(buildCaseView(row(), contextWith(d), [], NOW, ENV).deadlines[0]!.remaining).toEqual({ today: '2025-03-10', calendarDays: 4 });
    });

    it('should show the past turns of a repeated deadline from context.deadlineHistory, judged like the others', () => {
      const past = deadline('rework', '2025-03-05T19:00:00.000Z', { open: false, status: 'met', closedAt: '2025-03-05T10:00:00.000Z', turn: 1 });
      const current = deadline('rework', '2025-03-11T19:00:00.000Z', { turn: 2 });
      const view = buildCaseView(row(), { ...contextWith(current), deadlineHistory: [past] }, [], NOW, ENV);
      expect(view.deadlines.map((x) => [x.key, x.turn])).toEqual([['rework', 2]]);
      expect(view.deadlineHistory).toEqual([expect.objectContaining({ key: 'rework', turn: 1, status: 'met', overdue: false, closedAtLocal: '2025-03-05T15:00:00.000+05:00' })]);
      expect(buildCaseView(row(), { deadlineHistory: 'x' }, [], NOW, ENV).deadlineHistory).toEqual([]);
    });

    it('should take pending parts and targets from the procedure, with what remains of a target while active', () => {
      const progress = () => ({
        pending: [{ step: 'translation', event: 'deliver_translation', field: 'language', awaited: ['en'], done: ['kk'] }],
        targets: [{ key: 'publication', date: '2025-03-12', rule: 'п. 11', description: 'P' }],
      });
      const view = buildCaseView(row(), {}, [], NOW, { ...ENV, progress });
      expect(view.pending).toEqual(progress().pending);
      expect(view.targets).toEqual([{ ...progress().targets[0], remaining: { today: '2025-03-10', calendarDays: 2, workingDays: 2 } }]);
      expect(buildCaseView(row({ status: 'done' }), {}, [], NOW, { ...ENV, progress }).targets).toEqual(progress().targets);
    });
  });

  describe('deadlinesOf', () => {
    it('should return the deadlines object of a context, or {} when there is none', () => {
      const ctx = contextWith(deadline('reply', T0));
      expect(deadlinesOf(ctx)).toBe(ctx.deadlines);
      expect(deadlinesOf({})).toEqual({});
      expect(deadlinesOf({ deadlines: null })).toEqual({});
      expect(deadlinesOf({ deadlines: 'soon' })).toEqual({});
    });
  });

  describe('nextDueAt', () => {
    it('should return the earliest open dueAt as UTC ISO, ignoring closed deadlines', () => {
      const ds = contextWith(
        deadline('closed-earlier', '2025-03-07T05:00:00.000Z', { open: false, status: 'met' }),
        deadline('later', '2025-03-12T05:00:00.000Z'),
        deadline('offset', '2025-03-11T10:00:00+05:00'),
      ).deadlines;
      expect(nextDueAt(ds)).toBe('2025-03-11T05:00:00.000Z');
    });

    it('should return null without open deadlines, and skip an unparsable dueAt', () => {
      expect(nextDueAt({})).toBeNull();
      expect(nextDueAt(contextWith(deadline('a', T0, { open: false, status: 'met' })).deadlines)).toBeNull();
      expect(nextDueAt(contextWith(deadline('bad', 'not a date'), deadline('ok', '2025-03-12T05:00:00Z')).deadlines)).toBe('2025-03-12T05:00:00.000Z');
    });

    it('should count an open missed deadline', () => {
      expect(nextDueAt(contextWith(deadline('m', '2025-03-08T05:00:00.000Z', { status: 'missed' })).deadlines)).toBe('2025-03-08T05:00:00.000Z');
    });
  });

  describe('waitingRoles', () => {
    it('should list the roles of work events, sorted and without duplicates', () => {
      expect(
        waitingRoles([
          { type: 'reply', roles: ['unit', 'chairman'] },
          { type: 'extend', roles: ['chairman', 'car'] },
        ]),
      ).toEqual(['car', 'chairman', 'unit']);
    });

    it('should leave out comment, deadline_missed and message_delivered and the system and auditor roles', () => {
      expect(
        waitingRoles([
          { type: 'comment', roles: ['press_secretary', 'unit'] },
          { type: 'deadline_missed', roles: ['system', 'supervisor'] },
          { type: 'message_delivered', roles: ['system', 'administrator'] },
          { type: 'close', roles: ['system', 'auditor', 'initiator'] },
        ]),
      ).toEqual(['initiator']);
      expect(waitingRoles([])).toEqual([]);
      expect(waitingRoles([{ type: 'tick', roles: ['system', 'auditor'] }])).toEqual([]);
    });
  });
});
