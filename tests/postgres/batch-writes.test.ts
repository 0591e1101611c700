/**
 * A PostgreSQL batch's writes (storage/postgres/postgres-storage.ts, write-buffer.ts): a
 * command's case update and event append are buffered and sent as one statement for
 * the whole batch, in the order of the calls, and with the log's append a round trip each;
 * the batch is numbered among the database's
 * commits (`Batch.serial`); the commit of a failed transaction is refused, not taken for
 * done. On a fresh database of TEST_DATABASE_URL's server.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage, StorageError, type EventRecord } from '../../storage/index.js';
import { caseRecord, T0 } from '../helpers/records.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';

let db: TestDatabase;
let storage: PostgresStorage;
beforeAll(async () => {
  db = await createTestDatabase();
  storage = await PostgresStorage.open({ url: db.url });
});
afterAll(async () => {
  await storage.close();
  await db.drop();
});

const event = (caseId: string, seq: number): EventRecord => ({
  caseId,
  seq,
  type: seq === 1 ? 'created' : 'comment',
  payloadJson: JSON.stringify({ text: `«${caseId}» ${seq} \\u0000 "quoted"` }),
  role: 'car',
  actor: 'Айгерим',
  occurredAt: T0,
  recordedAt: T0,
  prevHash: '0',
  hash: `h${seq}`,
  backdatingReason: null,
});

/** Commits the cases `ids`, each with its first event. */
async function created(ids: string[]): Promise<void> {
  const setup = await storage.beginBatch();
  for (const id of ids) {
    await setup.repos.cases.insert(caseRecord(id));
    await setup.repos.events.append(event(id, 1));
  }
  await setup.commit();
}

describe('a PostgreSQL batch', () => {
  it('buffers the batch’s case updates and event appends, sends them before a read, and answers each update', async () => {
    await created(['b1', 'b2', 'b3']);

    const batch = await storage.beginBatch();
    const before = batch.statements!();
    const writes = ['b1', 'b2', 'b3'].map((id) => {
      const next = { ...caseRecord(id), seq: 2, headHash: `h2-${id}`, state: 'commented' };
      // b3's expected seq is wrong: its update changes nothing and answers false.
      return [batch.repos.cases.updateIfSeq(id === 'b3' ? 7 : 1, next), batch.repos.events.append(event(id, 2))] as const;
    });
    // A read after the writes sees them (they are sent before it, in the order of the calls).
    const seen = await batch.repos.cases.find('b2');
    expect(seen).toMatchObject({ seq: 2, headHash: 'h2-b2', state: 'commented' });
    expect(await Promise.all(writes.map(([u]) => u))).toEqual([true, true, false]);
    await Promise.all(writes.map(([, a]) => a));
    // Six writes and the read: seven statement numbers; b3’s update changed no row.
    expect(batch.statements!() - before).toBe(7);
    expect(batch.rowsChangedSince!(before)).toBe(5);
    await batch.commit();

    expect((await storage.read.events.list('b1')).map((e) => [e.seq, e.payloadJson])).toEqual([
      [1, event('b1', 1).payloadJson],
      [2, event('b1', 2).payloadJson],
    ]);
    expect((await storage.read.cases.find('b3'))?.seq).toBe(1);
  });

  it('sends the buffered updates and appends as ONE statement, and the log’s whole append as one more', async () => {
    await created(['r1', 'r2', 'r3']);

    const batch = await storage.beginBatch();
    // What reaches the server: every query of pg's clients (the pool's clients are pg.Client).
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    let advanced: boolean;
    let head;
    try {
      const writes = ['r1', 'r2', 'r3'].flatMap((id) => [
        batch.repos.cases.updateIfSeq(1, { ...caseRecord(id), seq: 2, headHash: `h2-${id}` }),
        batch.repos.events.append(event(id, 2)),
      ]);
      expect(await Promise.all(writes)).toEqual([true, undefined, true, undefined, true, undefined]);
      head = await batch.repos.ledger.head();
      const entries = ['r1', 'r2', 'r3'].map((id, i) => ({ position: head!.size + i, kind: 'event', caseId: id, ref: `${id}/2`, entry: `{"e":"${id}"}`, leafHash: `l${i}` }));
      const next = { size: head.size + 3, rootHash: 'root-3', frontierJson: '{"size":3,"hashes":[]}', updatedAt: T0 };
      advanced = await batch.repos.ledger.append({ entries, nodes: [{ level: 1, index: 0, hash: 'n10' }], from: head.size, next });
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(sent).toHaveLength(2);
    expect(advanced).toBe(true);
    await batch.commit();

    // From a size the head is no longer at: it does not advance (and the caller fails its transaction).
    const late = await storage.beginBatch();
    const stale = await late.repos.ledger.append({ entries: [], nodes: [], from: head.size, next: { size: head.size + 4, rootHash: 'x', frontierJson: '{}', updatedAt: T0 } });
    await late.rollback();
    expect(stale).toBe(false);

    expect((await storage.read.cases.find('r2'))?.seq).toBe(2);
    expect((await storage.read.events.list('r3')).map((e) => e.seq)).toEqual([1, 2]);
    expect(await storage.read.ledger.head()).toMatchObject({ size: head.size + 3, rootHash: 'root-3' });
    expect((await storage.read.ledger.entries(head.size, 10)).map((e) => [e.position, e.caseId, e.ref, e.leafHash])).toEqual([
      [head.size, 'r1', 'r1/2', 'l0'],
      [head.size + 1, 'r2', 'r2/2', 'l1'],
      [head.size + 2, 'r3', 'r3/2', 'l2'],
    ]);
    expect(await storage.read.ledger.nodes(1, 0, 1)).toEqual(['n10']);
    expect(await storage.read.ledger.treeHead(head.size + 3)).toBe('root-3');
  });

  it('sends neither the snapshot nor the context of a case whose update left them as they were (`previous`), and the row keeps them', async () => {
    await created(['k1', 'k2', 'k3']);
    const before = Object.fromEntries(['k1', 'k2', 'k3'].map((id) => [id, caseRecord(id)]));
    // k1: a comment (nothing of the case changes); k2: its context changes; k3: no `previous` given.
    const next = {
      k1: { ...before.k1!, seq: 2, headHash: 'h2-k1' },
      k2: { ...before.k2!, seq: 2, headHash: 'h2-k2', contextJson: JSON.stringify({ title: 'Новое «название»' }), snapshotJson: '{"value":"next"}' },
      k3: { ...before.k3!, seq: 2, headHash: 'h2-k3' },
    };
    const batch = await storage.beginBatch();
    const values: unknown[][] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as { values?: unknown[] };
      if (typeof q === 'object' && q.values) values.push(q.values);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      const done = await Promise.all([
        batch.repos.cases.updateIfSeq(1, next.k1, before.k1),
        batch.repos.cases.updateIfSeq(1, next.k2, before.k2),
        batch.repos.cases.updateIfSeq(1, next.k3),
      ]);
      expect(done).toEqual([true, true, true]);
    } finally {
      pg.Client.prototype.query = query;
    }
    await batch.commit();
    expect(values).toHaveLength(1);
    const rows = JSON.parse(values[0]![0] as string) as { id: string; snapshot: string | null; context: string | null; seq: number }[];
    const sent = Object.fromEntries(rows.map((r) => [r.id, { snapshot: r.snapshot, context: r.context, seq: r.seq }]));
    expect(sent).toEqual({
      k1: { snapshot: null, context: null, seq: 2 },
      k2: { snapshot: next.k2.snapshotJson, context: next.k2.contextJson, seq: 2 },
      k3: { snapshot: next.k3.snapshotJson, context: next.k3.contextJson, seq: 2 },
    });
    for (const id of ['k1', 'k2', 'k3'] as const) {
      const row = await storage.read.cases.find(id);
      expect(row).toMatchObject({ seq: 2, headHash: `h2-${id}`, snapshotJson: next[id].snapshotJson, contextJson: next[id].contextJson });
    }
    const words = await storage.withClientForTests((c) => c.query<{ id: string; search_words: string }>(`select id, search_words from cases where id in ('k1', 'k2') order by id`));
    expect(words.rows.map((r) => r.search_words)).toEqual([expect.any(String), 'новое «название»']);
  });

  it('numbers its batches among the database’s commits, without gaps (a rolled-back batch gives its number to the next)', async () => {
    const a = await storage.beginBatch();
    const n = a.serial!;
    await a.commit();
    const b = await storage.beginBatch();
    expect(b.serial).toBe(n + 1);
    await b.rollback();
    const c = await storage.beginBatch();
    expect(c.serial).toBe(n + 1);
    await c.commit();
  });

  it('refuses the commit of a transaction one of whose buffered writes failed, and writes nothing of it', async () => {
    const batch = await storage.beginBatch();
    await batch.repos.cases.insert(caseRecord('f1'));
    // An event of a case that does not exist: the buffered insert fails at its flush.
    const failing = batch.repos.events.append(event('no-such-case', 1));
    const other = batch.repos.events.append(event('f1', 1));
    await expect(failing).rejects.toThrow();
    await expect(other).rejects.toThrow();
    expect(batch.rowsChangedSince!(0)).toBeUndefined();
    const commit = await batch.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(commit).toBeInstanceOf(StorageError);
    expect(await storage.read.cases.find('f1')).toBeUndefined();
  });
});
