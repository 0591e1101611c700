import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/errors.js';
import { makeFakeProcedure } from './fixtures/fake-procedure.js';
import { car, chairman, engineRejection, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';

describe('runner', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should create a case with event 1, a timer for its open deadline and the acknowledgement queued', async () => {
    const { status, view, replayed } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    expect(status).toBe(201);
    expect(replayed).toBe(false);
    expect(view).toMatchObject({ procedure: 'test-procedure', version: '1', state: 'open', status: 'active', seq: 1 });
    expect(view.deadlines.map((d) => [d.key, d.dueAt, d.status])).toEqual([['reply', '2025-03-08T05:00:00.000Z', 'pending']]);
    expect(view.nextDueAt).toBe('2025-03-08T05:00:00.000Z');
    expect(view.waitingRoles).toEqual(expect.arrayContaining(['unit', 'chairman']));
    const events = await t.engine.storage.read.events.list(view.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ seq: 1, type: 'created', role: 'car', actor: car.name, prevHash: '0'.repeat(64) });
    expect(events[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    const timers = await t.engine.storage.read.timers.listForCase(view.id);
    expect(timers).toMatchObject([{ key: 'reply', dueAt: '2025-03-08T05:00:00.000Z', status: 'scheduled' }]);
    const outbox = await t.engine.storage.read.outbox.listForCase(view.id);
    expect(outbox).toMatchObject([{ kind: 'mail', template: 'acknowledgement', status: 'queued', recipient: 'aigerim@example.kz' }]);
  });

  it('should append events with a hash chain and cancel the timer of a met deadline', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    t.clock.advance(3600_000);
    const r = await t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'Answer' } }, { actor: unit, expectedSeq: 1 });
    expect(r.view).toMatchObject({ seq: 2, state: 'answered', status: 'done', nextDueAt: null, allowedEvents: [] });
    expect(r.view.deadlines[0]).toMatchObject({ key: 'reply', status: 'met', open: false });
    const events = await t.engine.storage.read.events.list(view.id);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect((await t.engine.storage.read.timers.listForCase(view.id))[0]!.status).toBe('cancelled');
    expect((await t.engine.verify(view.id)).ok).toBe(true);
  });

  it('should report a schema violation as invalid_request with the exact path', async () => {
    const e = await engineRejection(
      t.engine.createCase('test-procedure', { applicant: { name: 'A', email: 42 }, language: 'en' }, { actor: car }),
    );
    expect(e.code).toBe('invalid_request');
    expect(e.status).toBe(400);
    expect(e.message).toContain('input/applicant/email');
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const e2 = await engineRejection(t.engine.applyEvent(view.id, { type: 'extend', payload: { days: 31 } }, { actor: chairman }));
    expect(e2.code).toBe('invalid_request');
    expect(e2.message).toMatch(/^extend\/days: /);
    const e3 = await engineRejection(t.engine.createCase('test-procedure', { ...inquiry(), extra: 1 }, { actor: car }));
    expect(e3.message).toContain('extra');
  });

  it('should refuse a role that may not send the event, and system events from outside', async () => {
    expect((await engineRejection(t.engine.createCase('test-procedure', inquiry(), { actor: unit }))).code).toBe('forbidden');
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const e = await engineRejection(t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'x' } }, { actor: chairman }));
    expect(e).toMatchObject({ code: 'forbidden', status: 403 });
    const s = await engineRejection(
      t.engine.applyEvent(view.id, { type: 'deadline_missed', payload: { key: 'reply' } }, { actor: { name: 'x', role: 'system' } }),
    );
    expect(s.code).toBe('forbidden');
  });

  it('should refuse an event the state does not accept with the allowed events', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    // Not an event of the procedure at all: invalid_request listing the procedure's events.
    const unknown = await engineRejection(t.engine.applyEvent(view.id, { type: 'nope' }, { actor: unit }));
    expect(unknown.code).toBe('invalid_request');
    expect(unknown.details.events).toEqual(expect.arrayContaining(['reply']));
    await t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'ok' } }, { actor: unit });
    const closed = await engineRejection(t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'late' } }, { actor: unit }));
    expect(closed).toMatchObject({ code: 'event_not_allowed', status: 409, details: { allowed: [] } });
  });

  it('should turn a guard refusal into invalid_request and write nothing', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const e = await engineRejection(t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'bad' } }, { actor: unit }));
    expect(e.code).toBe('invalid_request');
    expect((await t.engine.getCase(view.id)).seq).toBe(1);
  });

  it('should apply the occurredAt rules', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), {
      actor: car,
      occurredAt: '2025-03-06T09:00:00+05:00', // = 04:00Z, an hour before the server time
      backdatingReason: 'received by post',
    });
    expect((await t.engine.history(view.id))[0]).toMatchObject({ occurredAt: '2025-03-06T04:00:00.000Z', recordedAt: '2025-03-06T05:00:00.000Z' });
    const future = await engineRejection(
      t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'x' }, occurredAt: '2025-03-06T05:00:01Z' }, { actor: unit }),
    );
    expect(future.code).toBe('invalid_request');
    const noOffset = await engineRejection(
      t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'x' }, occurredAt: '2025-03-06T04:30:00' }, { actor: unit }),
    );
    expect(noOffset.message).toContain('offset');
    const beforePrev = await engineRejection(
      t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'x' }, occurredAt: '2025-03-06T03:59:59Z' }, { actor: unit }),
    );
    expect(beforePrev.details.notBefore).toBe('2025-03-06T04:00:00.000Z');
    const same = await t.engine.applyEvent(
      view.id,
      { type: 'comment', payload: { text: 'x' }, occurredAt: '2025-03-06T04:00:00Z', backdatingReason: 'noted on paper' },
      { actor: unit },
    );
    expect(same.view.seq).toBe(2);
  });

  it('should let a back-dated staff event precede a system deadline_missed event', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.start();
    t.clock.set('2025-03-09T00:00:00Z'); // past the reply deadline (2025-03-08T05:00Z)
    await t.engine.idle();
    const h = await t.engine.history(view.id);
    expect(h.map((e) => e.type)).toEqual(['created', 'deadline_missed']);
    expect(h[1]).toMatchObject({ role: 'system', occurredAt: '2025-03-08T05:00:00.000Z' });
    // Replied on time in the office, registered late: still met.
    const r = await t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'on time' }, occurredAt: '2025-03-07T10:00:00Z', backdatingReason: 'signed on paper on the 7th' }, { actor: unit });
    expect(r.view.deadlines[0]).toMatchObject({ key: 'reply', status: 'met' });
  });

  it('should fail a stale expectedSeq with version_conflict', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'a' } }, { actor: unit, expectedSeq: 1 });
    const e = await engineRejection(t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'b' } }, { actor: unit, expectedSeq: 1 }));
    expect(e).toMatchObject({ code: 'version_conflict', status: 409, details: { currentSeq: 2 } });
  });

  it('should let exactly one of concurrent commands with the same expectedSeq win', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        t.engine.applyEvent(view.id, { type: 'comment', payload: { text: `c${i}` } }, { actor: unit, expectedSeq: 1 }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.every((r) => (r.reason as EngineError).code === 'version_conflict')).toBe(true);
    expect((await t.engine.getCase(view.id)).seq).toBe(2);
    expect((await t.engine.verify(view.id)).ok).toBe(true);
  });

  it('should answer an idempotent retry with the first answer and apply nothing twice', async () => {
    const first = await t.engine.createCase('test-procedure', inquiry(), { actor: car, idempotencyKey: 'create-1' });
    const again = await t.engine.createCase('test-procedure', inquiry(), { actor: car, idempotencyKey: 'create-1' });
    expect(again).toMatchObject({ status: 201, replayed: true });
    expect(again.view.id).toBe(first.view.id);
    const id = first.view.id;
    const send = () => t.engine.applyEvent(id, { type: 'comment', payload: { text: 'once' } }, { actor: unit, idempotencyKey: 'ev-1' });
    const [a, b] = await Promise.all([send(), send()]); // even in the same batch
    const c = await send();
    expect([a.view.seq, b.view.seq, c.view.seq]).toEqual([2, 2, 2]);
    expect((await t.engine.history(id)).length).toBe(2);
    const reused = await engineRejection(
      t.engine.applyEvent(id, { type: 'comment', payload: { text: 'other' } }, { actor: unit, idempotencyKey: 'ev-1' }),
    );
    expect(reused).toMatchObject({ code: 'idempotency_key_reused', status: 422 });
  });

  it('should commit a batch where one command fails without failing its neighbours', async () => {
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const before = { ...t.engine.runner.queue.stats };
    const results = await Promise.allSettled([
      t.engine.applyEvent(view.id, { type: 'comment', payload: { text: '1' } }, { actor: unit }),
      t.engine.applyEvent(view.id, { type: 'reply', payload: { text: 'bad' } }, { actor: unit }),
      t.engine.createCase('test-procedure', inquiry(), { actor: car }),
      t.engine.applyEvent('missing', { type: 'comment', payload: { text: 'x' } }, { actor: unit }),
      t.engine.applyEvent(view.id, { type: 'comment', payload: { text: '2' } }, { actor: unit }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((results[3] as PromiseRejectedResult).reason as EngineError).code).toBe('not_found');
    expect(t.engine.runner.queue.stats.transactions - before.transactions).toBe(1);
    expect((await t.engine.history(view.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('should map a calendar that does not know the year to calendar_year_unknown', async () => {
    const base = makeFakeProcedure('cal');
    const failing = {
      ...base,
      start: () => {
        throw Object.assign(new Error('year 2031 is not in the calendar data'), { code: 'calendar_year_unknown' });
      },
    };
    await t.reopen({ procedures: [failing] });
    const e = await engineRejection(t.engine.createCase('test-procedure', inquiry(), { actor: car }));
    expect(e).toMatchObject({ code: 'calendar_year_unknown', status: 422 });
  });

  it('should list cases by procedure, state and overdue', async () => {
    const a = (await t.engine.createCase('test-procedure', inquiry(1), { actor: car })).view;
    const b = (await t.engine.createCase('test-procedure', inquiry(5), { actor: car })).view;
    t.clock.advance(2 * 86_400_000);
    const overdue = await t.engine.listCases({ overdue: true });
    expect(overdue.cases.map((c) => c.id)).toEqual([a.id]);
    expect(overdue.cases[0]!.deadlines[0]!.status).toBe('missed');
    expect((await t.engine.listCases({ procedure: 'test-procedure', state: 'open' })).cases.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    const page1 = await t.engine.listCases({ limit: 1 });
    expect(page1.cases).toHaveLength(1);
    const page2 = await t.engine.listCases({ limit: 1, after: page1.next! });
    expect(page2.cases[0]!.id).not.toBe(page1.cases[0]!.id);
    expect(page2.next).toBeUndefined();
    expect((await t.engine.listCases({ waitingRoles: ['unit'] })).cases).toHaveLength(2);
    expect((await t.engine.listCases({ waitingRoles: ['auditor', 'chairman'] })).cases).toHaveLength(2);
    expect((await t.engine.listCases({ waitingRoles: [] })).cases).toHaveLength(0);
    expect((await t.engine.listCases({ dueBefore: '2025-03-11T00:00:00.000Z' })).cases.map((c) => c.id)).toEqual([a.id]);
    expect((await t.engine.listCases({ dueBefore: '2025-03-11T05:00:00.000Z' })).cases).toHaveLength(2);
  });
});
