/** engine/timer-sync.ts: the stored timers follow a case's deadlines. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syncTimers } from '../../engine/timer-sync.js';
import type { CaseDeadline } from '../../machines/contract.js';
import { openStorage, type Storage, type TimerRepository } from '../../storage/index.js';
import { caseRecord, deadline, T0 } from '../helpers/records.js';

const T1 = '2025-03-06T06:00:00.000Z';
const T2 = '2025-03-06T07:00:00.000Z';
const CASE = 'c1';



const byKey = (...ds: CaseDeadline[]): Record<string, CaseDeadline> => Object.fromEntries(ds.map((d) => [d.key, d]));

describe('syncTimers', () => {
  let storage: Storage;
  let timers: TimerRepository;
  beforeEach(async () => {
    storage = await openStorage({ path: ':memory:' });
    await storage.read.cases.insert(caseRecord(CASE));
    timers = storage.read.timers;
  });
  afterEach(async () => {
    await storage.close();
  });

  /** The timer repository, counting the writes syncTimers makes. */
  const counting = () => {
    const insert = vi.fn(timers.insert);
    const update = vi.fn(timers.update);
    return { repo: { ...timers, insert, update } as TimerRepository, insert, update };
  };

  it('should schedule a timer for an open pending deadline and return its dueAt as UTC ISO', async () => {
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', '2025-03-08T10:00:00+05:00')), T0);
    expect(due).toBe('2025-03-08T05:00:00.000Z');
    expect(await timers.listForCase(CASE)).toEqual([
      { caseId: CASE, key: 'reply', dueAt: '2025-03-08T05:00:00.000Z', status: 'scheduled', firedAt: null, createdAt: T0, updatedAt: T0 },
    ]);
    expect(await timers.nextDueAt()).toBe('2025-03-08T05:00:00.000Z');
  });

  it('should return the earliest of the newly scheduled dueAts', async () => {
    const due = await syncTimers(
      timers,
      CASE,
      byKey(deadline('late', '2025-03-12T05:00:00.000Z'), deadline('early', '2025-03-09T05:00:00.000Z'), deadline('mid', '2025-03-10T05:00:00.000Z')),
      T0,
    );
    expect(due).toBe('2025-03-09T05:00:00.000Z');
    expect((await timers.listForCase(CASE)).map((t) => [t.key, t.status])).toEqual([
      ['early', 'scheduled'],
      ['late', 'scheduled'],
      ['mid', 'scheduled'],
    ]);
  });

  it('should not schedule a timer for a deadline that is already closed', async () => {
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', '2025-03-08T05:00:00.000Z', { open: false, status: 'met' })), T0);
    expect(due).toBeUndefined();
    expect(await timers.listForCase(CASE)).toEqual([]);
  });

  it('should re-arm the timer when dueAt moves', async () => {
    await syncTimers(timers, CASE, byKey(deadline('reply', '2025-03-08T05:00:00.000Z')), T0);
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', '2025-03-11T05:00:00.000Z')), T1);
    expect(due).toBe('2025-03-11T05:00:00.000Z');
    expect(await timers.listForCase(CASE)).toEqual([
      { caseId: CASE, key: 'reply', dueAt: '2025-03-11T05:00:00.000Z', status: 'scheduled', firedAt: null, createdAt: T0, updatedAt: T1 },
    ]);
  });

  it('should re-arm a fired timer whose deadline moved past the observed miss (an extension)', async () => {
    const first = '2025-03-08T05:00:00.000Z';
    await syncTimers(timers, CASE, byKey(deadline('reply', first)), T0);
    expect(await timers.claim(CASE, 'reply', first, first)).toBe(true);
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', '2025-03-12T05:00:00.000Z', { status: 'missed', observedMissedAt: first })), T1);
    expect(due).toBe('2025-03-12T05:00:00.000Z');
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', dueAt: '2025-03-12T05:00:00.000Z', status: 'scheduled', firedAt: null, updatedAt: T1 }]);
  });

  it('should cancel the scheduled timer of a deadline that closed', async () => {
    await syncTimers(timers, CASE, byKey(deadline('reply', '2025-03-08T05:00:00.000Z')), T0);
    const due = await syncTimers(
      timers,
      CASE,
      byKey(deadline('reply', '2025-03-08T05:00:00.000Z', { open: false, status: 'met', closedAt: T1 })),
      T1,
    );
    expect(due).toBeUndefined();
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', dueAt: '2025-03-08T05:00:00.000Z', status: 'cancelled', updatedAt: T1 }]);
    expect(await timers.nextDueAt()).toBeUndefined();
  });

  it('should cancel the scheduled timer of a deadline dropped from the context, and leave the others', async () => {
    await syncTimers(timers, CASE, byKey(deadline('a', '2025-03-08T05:00:00.000Z'), deadline('b', '2025-03-09T05:00:00.000Z')), T0);
    const due = await syncTimers(timers, CASE, byKey(deadline('b', '2025-03-09T05:00:00.000Z')), T1);
    expect(due).toBeUndefined();
    expect((await timers.listForCase(CASE)).map((t) => [t.key, t.status, t.updatedAt])).toEqual([
      ['a', 'cancelled', T1],
      ['b', 'scheduled', T0],
    ]);
    await syncTimers(timers, CASE, {}, T2);
    expect((await timers.listForCase(CASE)).map((t) => [t.key, t.status])).toEqual([
      ['a', 'cancelled'],
      ['b', 'cancelled'],
    ]);
  });

  it('should re-arm a cancelled timer when its deadline reopens at the same dueAt', async () => {
    const d = '2025-03-08T05:00:00.000Z';
    await syncTimers(timers, CASE, byKey(deadline('reply', d)), T0);
    await syncTimers(timers, CASE, byKey(deadline('reply', d, { open: false, status: 'met' })), T1);
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', d)), T2);
    expect(due).toBe(d);
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', status: 'scheduled', updatedAt: T2 }]);
  });

  it('should create an observed-missed deadline timer as fired, not scheduled', async () => {
    const d = '2025-03-08T05:00:00.000Z';
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', d, { status: 'missed', observedMissedAt: d })), T0);
    expect(due).toBeUndefined();
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', dueAt: d, status: 'fired' }]);
    expect(await timers.listDue('2030-01-01T00:00:00.000Z')).toEqual([]);
  });

  it('should keep a fired timer fired (with its firedAt) once the miss is observed', async () => {
    const d = '2025-03-08T05:00:00.000Z';
    await syncTimers(timers, CASE, byKey(deadline('reply', d)), T0);
    expect(await timers.claim(CASE, 'reply', d, d)).toBe(true);
    const { repo, insert, update } = counting();
    const due = await syncTimers(repo, CASE, byKey(deadline('reply', d, { status: 'missed', observedMissedAt: d })), T1);
    expect(due).toBeUndefined();
    expect(insert).not.toHaveBeenCalled();
    expect(update).not.toHaveBeenCalled();
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', dueAt: d, status: 'fired', firedAt: d }]);
  });

  it('should re-fire a cancelled timer as fired, not scheduled, when an observed-missed deadline reopens', async () => {
    const d = '2025-03-08T05:00:00.000Z';
    await syncTimers(timers, CASE, byKey(deadline('reply', d)), T0);
    await syncTimers(timers, CASE, byKey(deadline('reply', d, { open: false, status: 'met' })), T1);
    const due = await syncTimers(timers, CASE, byKey(deadline('reply', d, { status: 'missed', observedMissedAt: d })), T2);
    expect(due).toBeUndefined();
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', status: 'fired' }]);
  });

  it('should leave a fired timer alone when its deadline closes', async () => {
    const d = '2025-03-08T05:00:00.000Z';
    await syncTimers(timers, CASE, byKey(deadline('reply', d)), T0);
    await timers.claim(CASE, 'reply', d, d);
    await syncTimers(timers, CASE, byKey(deadline('reply', d, { open: false, status: 'met_late', observedMissedAt: d })), T1);
    expect(await timers.listForCase(CASE)).toMatchObject([{ key: 'reply', status: 'fired', firedAt: d, updatedAt: d }]);
  });

  it('should write nothing and return undefined on a second sync with nothing changed', async () => {
    const ds = byKey(
      deadline('open', '2025-03-08T10:00:00+05:00'),
      deadline('closed', '2025-03-07T05:00:00.000Z', { open: false, status: 'met' }),
      deadline('seen', '2025-03-06T05:00:00.000Z', { status: 'missed', observedMissedAt: '2025-03-06T05:00:00.000Z' }),
    );
    expect(await syncTimers(timers, CASE, ds, T0)).toBe('2025-03-08T05:00:00.000Z');
    const before = await timers.listForCase(CASE);
    const { repo, insert, update } = counting();
    expect(await syncTimers(repo, CASE, ds, T1)).toBeUndefined();
    expect(insert).not.toHaveBeenCalled();
    expect(update).not.toHaveBeenCalled();
    expect(await timers.listForCase(CASE)).toEqual(before);
  });

  it('should only touch the timers of the given case', async () => {
    await storage.read.cases.insert(caseRecord('c2'));
    await syncTimers(timers, 'c2', byKey(deadline('reply', '2025-03-08T05:00:00.000Z')), T0);
    await syncTimers(timers, CASE, {}, T1);
    expect(await timers.listForCase('c2')).toMatchObject([{ key: 'reply', status: 'scheduled' }]);
    expect(await timers.listForCase(CASE)).toEqual([]);
  });
});
