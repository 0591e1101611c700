/**
 * A PostgreSQL batch's writes (storage/postgres/postgres-storage.ts, write-buffer.ts): a
 * command's case update and event append are buffered and sent as one statement each for
 * the whole batch, in the order of the calls; the batch is numbered among the database's
 * commits (`Batch.serial`); the commit of a failed transaction is refused, not taken for
 * done. On a fresh database of TEST_DATABASE_URL's server.
 */
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

describe('a PostgreSQL batch', () => {
  it('sends the batch’s case updates and event appends as one statement each, and answers each update', async () => {
    const setup = await storage.beginBatch();
    for (const id of ['b1', 'b2', 'b3']) {
      await setup.repos.cases.insert(caseRecord(id));
      await setup.repos.events.append(event(id, 1));
    }
    await setup.commit();

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
