/**
 * Background checkpoints (storage/checkpointer.ts): a worker thread checkpoints the WAL,
 * the WAL stays bounded under sustained writes, the database stays intact, a dead worker
 * gives the connection SQLite's own checkpoint back, and a clean close removes the WAL.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointerOf, openDatabase, stopCheckpointer, type Db } from '../../storage/connection.js';

const PAGE = 4096;
let dir: string;
let db: Db | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
});
afterEach(async () => {
  if (db) {
    await stopCheckpointer(db);
    await db.destroy();
    db = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
});

const pragma = async (d: Db, name: string) => Object.values((await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(d)).rows[0] ?? {})[0];

async function writeMany(d: Db, transactions: number): Promise<void> {
  await sql`create table if not exists blobs (id integer primary key, body text not null)`.execute(d);
  for (let i = 0; i < transactions; i++) {
    // About one page per transaction, as a command writes a case row and an event.
    await d.transaction().execute((trx) => sql`insert into blobs (body) values (${'x'.repeat(3000) + i})`.execute(trx));
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
  }
}

describe('background checkpoints', () => {
  it('should checkpoint in the worker and keep the WAL bounded under sustained writes', async () => {
    const threshold = 200;
    db = await openDatabase({ path: join(dir, 'c.db'), backgroundCheckpoints: { intervalMs: 5, mainThreshold: threshold } });
    expect(Number(await pragma(db, 'wal_autocheckpoint'))).toBe(threshold);
    await writeMany(db, 3000);
    const stats = checkpointerOf(db)!.stats;
    expect(stats.runs).toBeGreaterThan(5);
    expect(stats.lastCheckpointed).toBeGreaterThan(0);
    // 3,000 pages written, the WAL never much past the connection's own threshold.
    expect(stats.maxLog).toBeLessThan(threshold * 2);
    expect(statSync(join(dir, 'c.db-wal')).size).toBeLessThan(threshold * 2 * (PAGE + 24));
    expect(await pragma(db, 'integrity_check')).toBe('ok');
    expect(Number((await sql<{ n: number }>`select count(*) as n from blobs`.execute(db)).rows[0]!.n)).toBe(3000);
  }, 60_000);

  it("should give the connection SQLite's own checkpoint back when the worker dies", async () => {
    const errors: unknown[] = [];
    db = await openDatabase({ path: join(dir, 'd.db'), backgroundCheckpoints: { intervalMs: 5, mainThreshold: 5000, onError: (e) => errors.push(e) } });
    expect(Number(await pragma(db, 'wal_autocheckpoint'))).toBe(5000);
    await checkpointerOf(db)!.crashForTest();
    expect(errors).toHaveLength(1);
    expect(Number(await pragma(db, 'wal_autocheckpoint'))).toBe(1000);
    await writeMany(db, 100);
    expect(await pragma(db, 'integrity_check')).toBe('ok');
  });

  it('should close the worker first so the closing connection removes the WAL', async () => {
    const d = await openDatabase({ path: join(dir, 'e.db'), backgroundCheckpoints: { intervalMs: 5 } });
    await writeMany(d, 50);
    expect(existsSync(join(dir, 'e.db-wal'))).toBe(true);
    await stopCheckpointer(d);
    await d.destroy();
    expect(existsSync(join(dir, 'e.db-wal'))).toBe(false);
    const reopened = await openDatabase({ path: join(dir, 'e.db') });
    expect(Number((await sql<{ n: number }>`select count(*) as n from blobs`.execute(reopened)).rows[0]!.n)).toBe(50);
    await reopened.destroy();
  });
});
