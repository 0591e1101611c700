/**
 * Issue 17 §2: commits of other processes reach this one (storage/postgres/notifications.ts).
 * Two storages on one fresh database stand for two processes: a batch's announcement is
 * delivered to the other only when the batch commits, never to itself, in pieces under
 * PostgreSQL's 8000-byte limit when large, and the listener comes back (saying `resync`)
 * after its connection was killed.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteCommit } from '../../storage/port.js';
import { PostgresStorage } from '../../storage/postgres/postgres-storage.js';
import { commitChannelName, decodeAnnouncement, encodeAnnouncement, MAX_PAYLOAD_BYTES } from '../../storage/postgres/notifications.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('commit notices between processes (LISTEN/NOTIFY)', () => {
  let db: TestDatabase;
  let a: PostgresStorage;
  let b: PostgresStorage;
  const heardByA: RemoteCommit[] = [];
  const heardByB: RemoteCommit[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await PostgresStorage.open({ url: db.url, poolSize: 2 });
    b = await PostgresStorage.open({ url: db.url, poolSize: 2, migrate: false });
    a.commits.subscribe((c) => heardByA.push(c));
    b.commits.subscribe((c) => heardByB.push(c));
    await a.commits.listening();
    await b.commits.listening();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('should deliver a batch’s notice to the other process only when it commits, and never to its own', async () => {
    heardByA.length = 0;
    heardByB.length = 0;
    const batch = await a.beginBatch();
    await batch.announce!({ cases: [{ id: 'c1', fromSeq: 3, toSeq: 4 }], scheduledDueAt: '2025-03-08T05:00:00.000Z', mailQueued: 1 });
    await sleep(200);
    expect(heardByB).toEqual([]);
    await batch.commit();
    await until('the notice', () => heardByB.length === 1);
    expect(heardByB[0]).toEqual({ cases: [{ id: 'c1', fromSeq: 3, toSeq: 4 }], scheduledDueAt: '2025-03-08T05:00:00.000Z', mailQueued: 1 });
    await sleep(100);
    expect(heardByA).toEqual([]);
  });

  it('should deliver nothing of a batch that rolled back', async () => {
    heardByB.length = 0;
    const batch = await a.beginBatch();
    await batch.announce!({ cases: [{ id: 'rolled-back', fromSeq: 1, toSeq: 1 }], mailQueued: 0 });
    await batch.rollback();
    // A later commit's notice arrives: the rolled-back one would have come before it.
    const next = await b.beginBatch();
    await next.announce!({ cases: [{ id: 'after', fromSeq: 1, toSeq: 1 }], mailQueued: 0 });
    await next.commit();
    await until('the later notice', () => heardByA.length > 0);
    await sleep(100);
    expect(heardByB).toEqual([]);
    expect(heardByA.at(-1)).toEqual({ cases: [{ id: 'after', fromSeq: 1, toSeq: 1 }], mailQueued: 0 });
  });

  it('should split a large batch’s notice under 8000 bytes and lose no case', async () => {
    const cases = Array.from({ length: 600 }, (_, i) => ({ id: `case-${i.toString().padStart(4, '0')}-0b1e1d7c-4a86-4f6e-9a0e-7c3f5c1d2e3f`, fromSeq: i + 1, toSeq: i + 2 }));
    const payloads = encodeAnnouncement('p', { cases, mailQueued: 7, scheduledDueAt: '2025-03-08T05:00:00.000Z' });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const decoded = payloads.map((p) => decodeAnnouncement(p)!.commit);
    expect(decoded.flatMap((d) => (d.resync ? [] : d.cases))).toEqual(cases);
    expect(decoded.map((d) => (d.resync ? 0 : d.mailQueued))).toEqual([7, ...payloads.slice(1).map(() => 0)]);

    heardByB.length = 0;
    const batch = await a.beginBatch();
    await batch.announce!({ cases, mailQueued: 7 });
    await batch.commit();
    await until('every piece', () => heardByB.length === payloads.length);
    expect(heardByB.flatMap((d) => (d.resync ? [] : d.cases))).toEqual(cases);
  });

  it('should leave out an entry too large for any notice and count it (the receiver looks again)', () => {
    const payloads = encodeAnnouncement('p', { cases: [{ id: 'x'.repeat(9000), fromSeq: 1, toSeq: 1 }, { id: 'ok', fromSeq: 2, toSeq: 2 }], mailQueued: 1 });
    expect(payloads).toHaveLength(1);
    expect(decodeAnnouncement(payloads[0]!)).toEqual({ processId: 'p', commit: { cases: [{ id: 'ok', fromSeq: 2, toSeq: 2 }], mailQueued: 1 }, omitted: 1 });
  });

  it('should carry the log’s size after the batch on every piece, and refuse one that is not a count', () => {
    const cases = Array.from({ length: 400 }, (_, i) => ({ id: `case-${i}-${'x'.repeat(20)}`, fromSeq: 1, toSeq: 2 }));
    const payloads = encodeAnnouncement('p', { cases, mailQueued: 0, logSize: 4242 });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      expect(decodeAnnouncement(p)!.commit).toMatchObject({ logSize: 4242 });
    }
    expect(decodeAnnouncement(JSON.stringify({ v: 1, p: 'p', c: [], m: 0, l: -1 }))).toBeUndefined();
    expect(decodeAnnouncement(JSON.stringify({ v: 1, p: 'p', c: [], m: 0 }))!.commit).not.toHaveProperty('logSize');
  });

  it('should ignore a NOTIFY on the channel that is not one of ours', async () => {
    heardByB.length = 0;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('select pg_notify($1, $2)', [commitChannelName(), 'not json']);
      await c.query('select pg_notify($1, $2)', [commitChannelName(), JSON.stringify({ v: 1, p: 'x', c: [['id', 0, 1]], m: 0 })]);
      await c.query('select pg_notify($1, $2)', [commitChannelName(), JSON.stringify({ v: 1, p: 'x', c: [['ok', 1, 1]], m: 0 })]);
    } finally {
      await c.end();
    }
    await until('the valid notice', () => heardByB.length === 1);
    expect(heardByB).toEqual([{ cases: [{ id: 'ok', fromSeq: 1, toSeq: 1 }], mailQueued: 0 }]);
  });

  it('should listen again after its connection was killed, and say resync', async () => {
    heardByB.length = 0;
    const before = b.commits.connections;
    await a.withClientForTests((c) =>
      c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'qazindustry-procedures-listen' and pid <> pg_backend_pid()`),
    );
    await until('the reconnection', () => b.commits.connections > before && a.commits.connections > before);
    expect(heardByB).toEqual([{ resync: true }]);
    const batch = await a.beginBatch();
    await batch.announce!({ cases: [{ id: 'again', fromSeq: 2, toSeq: 2 }], mailQueued: 0 });
    await batch.commit();
    await until('a notice on the new connection', () => heardByB.length === 2);
    expect(heardByB[1]).toEqual({ cases: [{ id: 'again', fromSeq: 2, toSeq: 2 }], mailQueued: 0 });
  });

  it('should give each schema its own channel (databases of tests share one server database)', () => {
    expect(commitChannelName()).toBe('qaz_commits');
    expect(commitChannelName('t_1')).toBe('qaz_commits_t_1');
    const long = commitChannelName('s'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).not.toBe(commitChannelName('s'.repeat(62) + 't'));
  });
});
