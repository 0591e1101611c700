import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFakeProcedure } from './fixtures/fake-procedure.js';
import { car, chairman, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';
import { onConnection, dropTripwires, itSqlite } from '../helpers/sqlite-file.js';

describe('replay and verify', () => {
  let t: TestEngine;
  let id: string;
  beforeEach(async () => {
    t = await testEngine();
    await t.engine.start();
    id = (await t.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    t.clock.advance(3600_000);
    await t.engine.applyEvent(id, { type: 'comment', payload: { text: 'first' } }, { actor: unit });
    await t.engine.applyEvent(id, { type: 'extend', payload: { days: 2 } }, { actor: chairman });
    t.clock.advance(2 * 86_400_000); // the notice deadline fires
    await t.engine.idle();
    await t.engine.applyEvent(id, { type: 'reply', payload: { text: 'answer' } }, { actor: unit });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should verify an intact case', async () => {
    const v = await t.engine.verify(id);
    expect(v).toEqual({ ok: true, events: 5, problems: [] });
  });

  it('should show the case as it was after event N', async () => {
    const at2 = await t.engine.replay(id, 2);
    expect(at2).toMatchObject({ seq: 2, state: 'open', status: 'active' });
    expect(at2.context.comments).toBe(1);
    expect(at2.deadlines.map((d) => d.key)).toEqual(['reply']);
    const at3 = await t.engine.replay(id, 3);
    expect(at3.deadlines.map((d) => d.key)).toEqual(['notice', 'reply']);
    const last = await t.engine.replay(id);
    const stored = await t.engine.getCase(id);
    expect(last).toMatchObject({ seq: stored.seq, state: stored.state, status: 'done' });
    expect(last.context).toEqual(stored.context);
    await expect(t.engine.replay(id, 9)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  itSqlite('should detect a tampered payload, snapshot or a lost event', async () => {
    onConnection(t.engine, (db) => (dropTripwires(db), db).prepare(`update events set payload = '{"text":"forged"}' where case_id = ? and seq = 2`).run(id));
    let v = await t.engine.verify(id);
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual(expect.objectContaining({ seq: 2, kind: 'hash_mismatch' }));

    const row = (await t.engine.storage.read.cases.find(id))!;
    const snap = JSON.parse(row.snapshotJson) as { context: { comments: number } };
    snap.context.comments = 99;
    onConnection(t.engine, (db) => db.prepare('update cases set snapshot = ? where id = ?').run(JSON.stringify(snap), id));
    v = await t.engine.verify(id);
    expect(v.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['hash_mismatch', 'snapshot_mismatch']));

    onConnection(t.engine, (db) => (dropTripwires(db), db).prepare('delete from events where case_id = ? and seq = 5').run(id));
    v = await t.engine.verify(id);
    expect(v.problems.map((p) => p.kind)).toContain('head_mismatch');
  });

  it('should replay a case pinned to an older machine version with that version', async () => {
    await t.reopen({ procedures: [makeFakeProcedure('2')], legacyModules: [makeFakeProcedure('1')] });
    expect((await t.engine.getCase(id)).version).toBe('1');
    expect((await t.engine.verify(id)).ok).toBe(true);
    const fresh = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    expect(fresh.view.version).toBe('2');
    await t.reopen({ procedures: [makeFakeProcedure('2')] });
    const v = await t.engine.verify(id);
    expect(v.problems.map((p) => p.kind)).toEqual(['unknown_version']);
  });
});
