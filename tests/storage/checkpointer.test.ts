/**
 * Background checkpoints (storage/sqlite/checkpointer.ts): a worker thread checkpoints the WAL,
 * the WAL stays bounded under sustained writes, the database stays intact, a dead worker
 * gives the connection SQLite's own checkpoint back, and a clean close removes the WAL.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type SqliteStorage } from '../../storage/index.js';

const PAGE = 4096;
let dir: string;
let db: SqliteStorage | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
});
afterEach(async () => {
  if (db) {
    await db.close();
    db = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
});

const pragma = (d: SqliteStorage, name: string): unknown => d.withConnectionForTests((c) => c.pragma(name, { simple: true }));
const count = (d: SqliteStorage): number => d.withConnectionForTests((c) => Number((c.prepare('select count(*) as n from blobs').get() as { n: number }).n));

async function writeMany(d: SqliteStorage, transactions: number): Promise<void> {
  d.withConnectionForTests((c) => c.exec('create table if not exists blobs (id integer primary key, body text not null)'));
  for (let i = 0; i < transactions; i++) {
    // About one page per transaction, as a command writes a case row and an event.
    d.withConnectionForTests((c) => c.transaction(() => c.prepare('insert into blobs (body) values (?)').run('x'.repeat(3000) + i))());
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
  }
}

describe('background checkpoints', () => {
  it('should checkpoint in the worker and keep the WAL bounded under sustained writes', async () => {
    const threshold = 200;
    db = await openStorage({ path: join(dir, 'c.db'), backgroundCheckpoints: { intervalMs: 5, mainThreshold: threshold } });
    expect(Number(pragma(db, 'wal_autocheckpoint'))).toBe(threshold);
    await writeMany(db, 3000);
    const stats = db.checkpointer!.stats;
    expect(stats.runs).toBeGreaterThan(5);
    expect(stats.lastCheckpointed).toBeGreaterThan(0);
    // 3,000 pages written, the WAL never much past the connection's own threshold.
    expect(stats.maxLog).toBeLessThan(threshold * 2);
    expect(statSync(join(dir, 'c.db-wal')).size).toBeLessThan(threshold * 2 * (PAGE + 24));
    expect(pragma(db, 'integrity_check')).toBe('ok');
    expect(count(db)).toBe(3000);
  }, 60_000);

  it("should give the connection SQLite's own checkpoint back when the worker dies", async () => {
    const errors: unknown[] = [];
    db = await openStorage({ path: join(dir, 'd.db'), backgroundCheckpoints: { intervalMs: 5, mainThreshold: 5000, onError: (e) => errors.push(e) } });
    expect(Number(pragma(db, 'wal_autocheckpoint'))).toBe(5000);
    await db.checkpointer!.crashForTest();
    expect(errors).toHaveLength(1);
    expect(Number(pragma(db, 'wal_autocheckpoint'))).toBe(1000);
    await writeMany(db, 100);
    expect(pragma(db, 'integrity_check')).toBe('ok');
  });

  it('should close the worker first so the closing connection removes the WAL', async () => {
    const d = await openStorage({ path: join(dir, 'e.db'), backgroundCheckpoints: { intervalMs: 5 } });
    await writeMany(d, 50);
    expect(existsSync(join(dir, 'e.db-wal'))).toBe(true);
    await d.close();
    expect(existsSync(join(dir, 'e.db-wal'))).toBe(false);
    const reopened = await openStorage({ path: join(dir, 'e.db') });
    expect(count(reopened)).toBe(50);
    await reopened.close();
  });
});
