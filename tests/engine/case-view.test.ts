/** engine/case-view.ts: the case as clients see it, with deadlines judged against the clock. */
import { describe, expect, it } from 'vitest';
import { buildCaseView, deadlinesOf, nextDueAt, waitingRoles } from '../../engine/case-view.js';
import type { AllowedEvent, CaseDeadline } from '../../machines/contract.js';
import type { CaseRecord } from '../../storage/index.js';
import { deadline, T0 } from '../helpers/records.js';

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
      const view = buildCaseView(row({ nextDueAt: '2025-03-08T05:00:00.000Z' }), context, [], NOW);
      expect(view.deadlines).toEqual([{ ...context.deadlines.reply, status: 'missed', overdue: true }]);
      expect(context).toEqual(before);
      expect(view.context).toEqual(before);
      expect((view.context.deadlines as Record<string, CaseDeadline>).reply!.status).toBe('pending');
      expect(view.overdue).toBe(true);
    });

    it('should count a deadline due exactly now as overdue', () => {
      const view = buildCaseView(row(), contextWith(deadline('reply', NOW.toISOString())), [], NOW);
      expect(view.deadlines[0]).toMatchObject({ status: 'missed', overdue: true });
    });

    it('should keep an open pending deadline in the future pending and not overdue', () => {
      const view = buildCaseView(row({ nextDueAt: '2025-03-12T05:00:00.000Z' }), contextWith(deadline('reply', '2025-03-12T05:00:00.000Z')), [], NOW);
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
      );
      expect(view.deadlines.map((d) => [d.key, d.status, d.overdue])).toEqual([
        ['a', 'met', false],
        ['b', 'met_late', false],
        ['c', 'pending', false],
      ]);
    });

    it('should keep an open deadline already observed missed as missed and overdue', () => {
      const due = '2025-03-08T05:00:00.000Z';
      const view = buildCaseView(row(), contextWith(deadline('reply', due, { status: 'missed', observedMissedAt: due })), [], NOW);
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
      );
      expect(view.deadlines.map((d) => d.key)).toEqual(['first', 'a', 'b', 'late-text', 'z']);
    });

    it('should take the identity, roles, nextDueAt and times from the record and the allowed events as given', () => {
      const allowed: AllowedEvent[] = [{ type: 'reply', roles: ['unit'] }];
      const r = row({ nextDueAt: '2025-03-12T05:00:00.000Z' });
      const view = buildCaseView(r, contextWith(), allowed, NOW);
      expect(view).toEqual({
        id: 'c1',
        procedure: 'feedback-inquiry',
        version: '3',
        state: 'open',
        status: 'active',
        seq: 4,
        context: { subject: 'x', deadlines: {} },
        deadlines: [],
        allowedEvents: allowed,
        waitingRoles: ['chairman', 'unit'],
        nextDueAt: '2025-03-12T05:00:00.000Z',
        overdue: false,
        backdated: false,
        undelivered: false,
        createdAt: T0,
        updatedAt: '2025-03-07T05:00:00.000Z',
      });
      expect(view.waitingRoles).not.toBe(r.waitingRoles);
    });

    it('should judge the case overdue from the record nextDueAt (null: never)', () => {
      expect(buildCaseView(row({ nextDueAt: null }), {}, [], NOW).overdue).toBe(false);
      expect(buildCaseView(row({ nextDueAt: NOW.toISOString() }), {}, [], NOW).overdue).toBe(true);
      expect(buildCaseView(row({ nextDueAt: '2025-03-10T05:00:00.001Z' }), {}, [], NOW).overdue).toBe(false);
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
