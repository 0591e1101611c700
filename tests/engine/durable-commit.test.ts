/**
 * Durable commits off the JavaScript thread (storage/wal-sync.ts, `durableCommit: 'async'`;
 * the default is SQLite's own sync inside COMMIT): a command is answered
 * only after the WAL flush that followed its commit; reads that show state wait for it too;
 * a failed flush is a 503 and an unhealthy store until a flush succeeds; and the next batch
 * commits while the previous one is being flushed.
 */
import SqliteDatabase from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { walSyncOf } from '../../storage/connection.js';
import { WalSync, type FileSync } from '../../storage/wal-sync.js';
import { car, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';

/** A flush the test releases (or fails) by hand, recording which file was asked for. */
function heldFlush() {
  const waiting: { path: string; release: () => void; fail: (e: unknown) => void }[] = [];
  const flush: FileSync = (path) =>
    new Promise<void>((release, fail) => {
      waiting.push({ path, release, fail });
    });
  return { flush, waiting };
}

/** Whether `p` has settled after the event loop had a few turns. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('durable commits', () => {
  it('should answer a command, and show its case, only after the WAL flush that follows the commit', async () => {
    const held = heldFlush();
    t = await testEngine({ durableCommit: 'async', fileSync: held.flush });
    const first = t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await until(() => held.waiting.length === 1);
    expect(held.waiting[0]!.path).toBe(`${t.path}-wal`);
    // Committed (another connection sees it) but not answered: the disk has not confirmed it.
    const other = new SqliteDatabase(t.path, { readonly: true });
    try {
      expect((other.prepare('select count(*) as n from cases').get() as { n: number }).n).toBe(1);
    } finally {
      other.close();
    }
    expect(await settled(first)).toBe(false);
    const listed = t.engine.listCases({});
    expect(await settled(listed)).toBe(false);
    held.waiting[0]!.release();
    const { view } = await first;
    expect((await listed).cases.map((c) => c.id)).toEqual([view.id]);
  });

  it('should commit the next batch while the previous one is being flushed, and answer them in order', async () => {
    const held = heldFlush();
    t = await testEngine({ durableCommit: 'async', fileSync: held.flush });
    const answered: string[] = [];
    const a = t.engine.createCase('test-procedure', inquiry(), { actor: car }).then((r) => (answered.push('a'), r));
    await until(() => held.waiting.length === 1);
    const b = t.engine.createCase('test-procedure', inquiry(), { actor: car }).then((r) => (answered.push('b'), r));
    // b is committed while a's flush is still out; its own flush waits for a's to end.
    const other = new SqliteDatabase(t.path, { readonly: true });
    try {
      await until(() => (other.prepare('select count(*) as n from cases').get() as { n: number }).n === 2);
    } finally {
      other.close();
    }
    expect(held.waiting).toHaveLength(1);
    held.waiting[0]!.release();
    await a;
    await until(() => held.waiting.length === 2);
    expect(answered).toEqual(['a']);
    held.waiting[1]!.release();
    await b;
    expect(answered).toEqual(['a', 'b']);
  });

  it('should answer storage_unavailable when the flush fails, be unhealthy, and recover with the next good flush', async () => {
    // The command's flush fails, and so does the test write /health makes before it gives up.
    let failures = 2;
    const flush: FileSync = async () => {
      if (failures-- > 0) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    };
    t = await testEngine({ durableCommit: 'async', fileSync: flush });
    const e = await t.engine.createCase('test-procedure', inquiry(), { actor: car }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'storage_unavailable', status: 503 });
    expect(await t.engine.health()).toEqual({ ok: false });
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    expect(await t.engine.health()).toEqual({ ok: true });
    await t.engine.applyEvent(view.id, { type: 'comment', payload: { text: 'after the disk came back' } }, { actor: unit });
    expect((await t.engine.verify(view.id)).ok).toBe(true);
  });

  it('should flush the real WAL file with fdatasync', async () => {
    t = await testEngine({ durableCommit: 'async' });
    await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    const wal = walSyncOf(t.engine.db)!;
    expect(existsSync(wal.path)).toBe(true);
    expect(wal.flushes).toBeGreaterThan(0);
  });

  it('should flush again for calls made while a flush runs, once for all of them', async () => {
    const held = heldFlush();
    const wal = new WalSync('/x-wal', held.flush);
    const first = wal.sync();
    const during = [wal.sync(), wal.sync(), wal.sync()];
    expect(held.waiting).toHaveLength(1);
    held.waiting[0]!.release();
    await first;
    // The flush running when they were called may have started before their writes.
    expect(await settled(Promise.all(during))).toBe(false);
    await until(() => held.waiting.length === 2);
    held.waiting[1]!.release();
    await Promise.all(during);
    expect(wal.flushes).toBe(2);
    // Nothing running: a call starts its own flush at once.
    const later = wal.sync();
    await until(() => held.waiting.length === 3);
    held.waiting[2]!.fail(new Error('EIO'));
    await expect(later).rejects.toThrow('EIO');
    await wal.settled();
  });
});
