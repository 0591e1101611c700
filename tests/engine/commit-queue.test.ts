/** engine/commit-queue.ts: group commit over a real SQLite storage. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommitQueue } from '../../engine/commit-queue.js';
import { EngineError } from '../../engine/errors.js';
import { openStorage, StorageError, type Repositories, type Storage } from '../../storage/index.js';
import { openSqliteFile, itSqlite } from '../helpers/sqlite-file.js';
import { tmpDir } from './fixtures/helpers.js';
import { caseRecord, T0 } from '../helpers/records.js';


async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('CommitQueue', () => {
  let storage: Storage;
  let path: string;
  let cleanup: () => void;
  beforeEach(async () => {
    const t = tmpDir('commit-queue-');
    cleanup = t.cleanup;
    path = join(t.dir, 'q.db');
    storage = await openStorage({ path });
  });
  afterEach(async () => {
    await storage.close();
    cleanup();
  });

  it('should run the units submitted in the same tick in one transaction', async () => {
    const q = new CommitQueue(storage);
    const results = await Promise.all(
      ['c1', 'c2', 'c3', 'c4'].map((id) =>
        q.submit(async (repos) => {
          await repos.cases.insert(caseRecord(id));
          return id.toUpperCase();
        }),
      ),
    );
    expect(results).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(q.stats).toEqual({ transactions: 1, units: 4 });
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('should fail a throwing unit alone, rolling back its writes while the others commit', async () => {
    const q = new CommitQueue(storage);
    const boom = new Error('boom');
    const a = q.submit(async (repos) => repos.cases.insert(caseRecord('c1')));
    const b = q.submit(async (repos) => {
      await repos.cases.insert(caseRecord('c2'));
      await repos.events.append({
        caseId: 'c2',
        seq: 1,
        type: 'created',
        payloadJson: '{}',
        role: 'car',
        actor: 'x',
        occurredAt: T0,
        recordedAt: T0,
        prevHash: '0',
        hash: 'h',
        backdatingReason: null,
      });
      throw boom;
    });
    const c = q.submit(async (repos) => repos.cases.insert(caseRecord('c3')));
    await expect(a).resolves.toBeUndefined();
    expect(await rejection(b)).toBe(boom);
    await expect(c).resolves.toBeUndefined();
    // SQLite rolls the unit back to its savepoint; PostgreSQL's units take none (a round
    // trip each): the batch rolls back and a and c commit again, each on its own.
    expect(q.stats).toEqual(storage.dialect === 'sqlite' ? { transactions: 1, units: 3 } : { transactions: 2, units: 2 });
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c3']);
    expect(await storage.read.events.list('c2')).toEqual([]);
  });

  it('should fail a unit that throws having changed nothing alone, in the same transaction as the others', async () => {
    const q = new CommitQueue(storage);
    const a = q.submit(async (repos) => repos.cases.insert(caseRecord('c1')));
    const refused = q.submit(async (repos) => {
      // A read, then a refusal (as a command refused by its machine or its If-Match).
      if (!(await repos.cases.find('c9'))) throw new Error('c9 not found');
    });
    const c = q.submit(async (repos) => repos.cases.insert(caseRecord('c3')));
    await expect(a).resolves.toBeUndefined();
    await expect(refused).rejects.toThrow('c9 not found');
    await expect(c).resolves.toBeUndefined();
    expect(q.stats).toEqual({ transactions: 1, units: 3 });
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c3']);
  });

  it('should fail a unit whose write the database refuses, and commit the others', async () => {
    const q = new CommitQueue(storage);
    const a = q.submit(async (repos) => repos.cases.insert(caseRecord('c1')));
    const dup = q.submit(async (repos) => {
      await repos.cases.insert(caseRecord('c2'));
      await repos.cases.insert(caseRecord('c1'));
    });
    const after = q.submit(async (repos) => repos.cases.insert(caseRecord('c3')));
    await a;
    await expect(dup).rejects.toThrow();
    await expect(after).resolves.toBeUndefined();
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c3']);
  });

  itSqlite('should run after-commit hooks only for committed units, once the commit is visible to another connection', async () => {
    const q = new CommitQueue(storage);
    const other = openSqliteFile(path, { readonly: true });
    try {
      const seen: string[][] = [];
      const hookRan: string[] = [];
      let hookCallsDuringUnit = -1;
      const ok = q.submit(async (repos, tx) => {
        await repos.cases.insert(caseRecord('c1'));
        tx.afterCommit(() => {
          hookRan.push('c1');
          seen.push((other.prepare('select id from cases order by id').all() as { id: string }[]).map((r) => r.id));
        });
        hookCallsDuringUnit = hookRan.length;
        return 'ok';
      });
      const failed = q.submit(async (repos, tx) => {
        await repos.cases.insert(caseRecord('c2'));
        tx.afterCommit(() => hookRan.push('c2'));
        throw new Error('no');
      });
      const later = q.submit(async (repos, tx) => {
        await repos.cases.insert(caseRecord('c3'));
        tx.afterCommit(() => hookRan.push('c3'));
      });
      await expect(ok).resolves.toBe('ok');
      await expect(failed).rejects.toThrow('no');
      await later;
      expect(hookCallsDuringUnit).toBe(0);
      expect(hookRan).toEqual(['c1', 'c3']);
      // Read by another connection inside the hook: only committed rows are visible there.
      expect(seen).toEqual([['c1', 'c3']]);
    } finally {
      other.close();
    }
  });

  it('should report a throwing after-commit hook to onError and still answer the caller and run the other hooks', async () => {
    const onError = vi.fn();
    const q = new CommitQueue(storage, { onError });
    const ran: string[] = [];
    const hookError = new Error('hook failed');
    const v = await q.submit(async (repos, tx) => {
      await repos.cases.insert(caseRecord('c1'));
      tx.afterCommit(() => {
        throw hookError;
      });
      tx.afterCommit(() => ran.push('second'));
      return 42;
    });
    expect(v).toBe(42);
    expect(ran).toEqual(['second']);
    expect(onError).toHaveBeenCalledWith(hookError);
  });

  it('should roll back only the inner writes of a failed nested() and keep the outer ones', async () => {
    const q = new CommitQueue(storage);
    const inner = new Error('inner');
    const out = await q.submit(async (repos, tx) => {
      await repos.cases.insert(caseRecord('c1'));
      const caught = await tx
        .nested(async () => {
          await repos.cases.insert(caseRecord('c2'));
          throw inner;
        })
        .catch((e: unknown) => e);
      const kept = await tx.nested(async () => {
        await repos.cases.insert(caseRecord('c3'));
        return 'kept';
      });
      return { caught, kept };
    });
    expect(out.caught).toBe(inner);
    expect(out.kept).toBe('kept');
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c3']);
  });

  it('should undo a committed nested() when its unit fails afterwards', async () => {
    const q = new CommitQueue(storage);
    const p = q.submit(async (repos, tx) => {
      await tx.nested(() => repos.cases.insert(caseRecord('c1')));
      throw new Error('after nested');
    });
    await expect(p).rejects.toThrow('after nested');
    expect(await storage.read.cases.ids()).toEqual([]);
  });

  it('should use one transaction per unit with groupCommit: false', async () => {
    const q = new CommitQueue(storage, { groupCommit: false });
    await Promise.all(['c1', 'c2', 'c3'].map((id) => q.submit((repos) => repos.cases.insert(caseRecord(id)))));
    expect(q.stats).toEqual({ transactions: 3, units: 3 });
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c2', 'c3']);
  });

  it('should split a tick into batches of at most maxBatch units', async () => {
    const q = new CommitQueue(storage, { maxBatch: 2 });
    await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => q.submit((repos) => repos.cases.insert(caseRecord(id)))));
    expect(q.stats).toEqual({ transactions: 3, units: 5 });
    expect(await storage.read.cases.ids()).toHaveLength(5);
  });

  it('should let close() wait for queued work, then refuse new work with storage_unavailable', async () => {
    const q = new CommitQueue(storage);
    const queued = q.submit((repos) => repos.cases.insert(caseRecord('c1')));
    await q.close();
    await expect(queued).resolves.toBeUndefined();
    expect(await storage.read.cases.ids()).toEqual(['c1']);
    const ran = vi.fn();
    const e = await rejection(q.submit(async () => ran()));
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('storage_unavailable');
    expect((e as EngineError).status).toBe(503);
    expect(ran).not.toHaveBeenCalled();
  });

  it('should turn a StorageError thrown by a unit into an EngineError with the same code, failing that unit alone', async () => {
    const q = new CommitQueue(storage);
    const busy = q.submit(async (repos) => {
      await repos.cases.insert(caseRecord('c1'));
      throw new StorageError('storage_busy', 'database is locked', 'SQLITE_BUSY');
    });
    const full = q.submit(async () => {
      throw new StorageError('storage_unavailable', 'disk full', 'SQLITE_FULL');
    });
    const fine = q.submit((repos) => repos.cases.insert(caseRecord('c2')));
    const e1 = await rejection(busy);
    expect(e1).toBeInstanceOf(EngineError);
    expect(e1).toMatchObject({ code: 'storage_busy', message: 'database is locked', details: { cause: 'SQLITE_BUSY' }, status: 503 });
    const e2 = await rejection(full);
    expect(e2).toBeInstanceOf(EngineError);
    expect(e2).toMatchObject({ code: 'storage_unavailable', details: { cause: 'SQLITE_FULL' } });
    await fine;
    expect(await storage.read.cases.ids()).toEqual(['c2']);
  });

  it('should reject every unit of a batch that cannot begin with storage_unavailable and tell onError', async () => {
    const onError = vi.fn();
    const broken = await openStorage({ path: ':memory:' });
    await broken.close();
    const q = new CommitQueue(broken, { onError });
    const ran = vi.fn();
    const [e1, e2] = await Promise.all([rejection(q.submit(async () => ran())), rejection(q.submit(async () => ran()))]);
    for (const e of [e1, e2]) {
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('storage_unavailable');
    }
    expect(e1).toBe(e2);
    expect(ran).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(q.stats).toEqual({ transactions: 0, units: 0 });
  });

  it('should resolve whenIdle at once when idle, and after the queue drains when busy', async () => {
    const q = new CommitQueue(storage);
    expect(q.busy).toBe(false);
    await q.whenIdle();
    const done: string[] = [];
    const pending = ['c1', 'c2', 'c3'].map((id) =>
      q.submit(async (repos) => {
        await repos.cases.insert(caseRecord(id));
        done.push(id);
      }),
    );
    expect(q.busy).toBe(true);
    await q.whenIdle();
    expect(q.busy).toBe(false);
    expect(done).toEqual(['c1', 'c2', 'c3']);
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c2', 'c3']);
    await Promise.all(pending);
  });

  it('should not resolve whenIdle while a batch is running with nothing left queued', async () => {
    const q = new CommitQueue(storage);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const unit = q.submit(async (repos) => {
      started();
      await gate;
      await repos.cases.insert(caseRecord('c1'));
    });
    await running;
    let idle = false;
    const idleP = q.whenIdle().then(() => (idle = true));
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    expect(q.busy).toBe(true);
    expect(idle).toBe(false);
    open();
    await idleP;
    expect(idle).toBe(true);
    expect(q.busy).toBe(false);
    await unit;
    expect(await storage.read.cases.ids()).toEqual(['c1']);
  });

  it('should wait in whenIdle for work submitted by a unit woken by an earlier commit', async () => {
    const q = new CommitQueue(storage);
    const chained = q.submit((repos) => repos.cases.insert(caseRecord('c1'))).then(() => q.submit((repos) => repos.cases.insert(caseRecord('c2'))));
    await new Promise<void>((r) => setImmediate(r));
    await q.whenIdle();
    // The second unit was submitted after the first commit; whenIdle must not resolve between them.
    expect(await storage.read.cases.ids()).toEqual(['c1', 'c2']);
    await chained;
    expect(q.stats.transactions).toBe(2);
  });
});

describe('CommitQueue marks (Batch.serial: whether another process committed since)', () => {
  /** A storage whose batches get the serials given, in turn; `commitFails` serials roll back. */
  function serialStorage(serials: number[], commitFails: number[] = []): Storage {
    return {
      dialect: 'postgres',
      beginBatch: async () => {
        const serial = serials.shift()!;
        return {
          repos: {},
          serial,
          savepoint: async () => {},
          releaseSavepoint: async () => {},
          rollbackToSavepoint: async () => {},
          rollback: async () => {},
          commit: async () => {
            if (commitFails.includes(serial)) throw new StorageError('storage_unavailable', 'commit lost');
          },
        };
      },
    } as unknown as Storage;
  }
  const markOf = (q: CommitQueue) => q.submit(async (_repos, tx) => tx.mark);

  it('should trust a mark while the serials of this process follow each other, and no longer once another batch came between', async () => {
    const q = new CommitQueue(serialStorage([5, 6, 8, 9]));
    const m5 = await markOf(q);
    const at6 = await q.submit(async (_r, tx) => ({ m5: tx.unchanged(m5, 'c1'), mark: tx.mark }));
    expect(at6.m5).toBe(true);
    // Batch 7 was another process's: what was known at 5 or 6 proves nothing any more.
    const at8 = await q.submit(async (_r, tx) => ({ m5: tx.unchanged(m5, 'c1'), m6: tx.unchanged(at6.mark, 'c1'), mark: tx.mark }));
    expect(at8).toMatchObject({ m5: false, m6: false });
    const at9 = await q.submit(async (_r, tx) => ({ m6: tx.unchanged(at6.mark, 'c1'), m8: tx.unchanged(at8.mark, 'c1') }));
    expect(at9).toEqual({ m6: false, m8: true });
  });

  it('should trust nothing from before its first batch, a batch whose commit failed, or a count that went backwards', async () => {
    const q = new CommitQueue(serialStorage([3, 4, 5, 5, 2], [4]));
    const m3 = await markOf(q);
    // 4's commit is lost (it may have happened): 5 cannot tell whose 4 was.
    const m4 = await markOf(q).catch(() => undefined);
    expect(m4).toBeUndefined();
    const at5 = await q.submit(async (_r, tx) => ({ m3: tx.unchanged(m3, 'c1'), mark: tx.mark }));
    expect(at5.m3).toBe(false);
    expect(await q.submit(async (_r, tx) => tx.unchanged(undefined, 'c1'))).toBe(false);
    // 2 after 5: the database was replaced (restored): nothing known before is trusted.
    expect(await q.submit(async (_r, tx) => tx.unchanged(at5.mark, 'c1'))).toBe(false);
  });

  it('should distrust only the cases other processes changed, when the journal can tell which', async () => {
    const told: (ReadonlySet<string> | undefined)[] = [new Set(['c2']), undefined];
    const journal = {
      wrap: (repos: Repositories) => repos,
      append: async () => undefined,
      foreignCases: async () => told.shift(),
    };
    const q = new CommitQueue(serialStorage([5, 6, 8, 9, 11]), { journal });
    const m5 = await markOf(q);
    await markOf(q);
    // Batch 7 was another process's, which changed c2 only.
    const at8 = await q.submit(async (_r, tx) => ({ c1: tx.unchanged(m5, 'c1'), c2: tx.unchanged(m5, 'c2'), mark: tx.mark }));
    expect(at8).toMatchObject({ c1: true, c2: false });
    expect(await q.submit(async (_r, tx) => tx.unchanged(at8.mark, 'c2'))).toBe(true);
    // Batch 10 too, and the journal cannot tell what it changed: nothing older is trusted.
    expect(await q.submit(async (_r, tx) => [tx.unchanged(m5, 'c1'), tx.unchanged(at8.mark, 'c1')])).toEqual([false, false]);
  });

  it('should give no mark on a storage without serials (SQLite)', async () => {
    const t = tmpDir('commit-queue-marks-');
    const storage = await openStorage({ path: join(t.dir, 'q.db') });
    try {
      const q = new CommitQueue(storage);
      const m = await markOf(q);
      expect(m === undefined).toBe(storage.dialect === 'sqlite');
      if (m === undefined) expect(await q.submit(async (_r, tx) => tx.unchanged(m, 'c1'))).toBe(false);
    } finally {
      await storage.close();
      t.cleanup();
    }
  });
});

/**
 * A storage with one write lock, as PostgreSQL's head row is: a batch's begin waits until
 * the batch before committed or rolled back. Its batches take no savepoints (`rowsChangedSince`:
 * every statement changed a row), as PostgreSQL's do.
 */
function lockedStorage(overlapsBatches: boolean): { storage: Storage; log: string[] } {
  const log: string[] = [];
  let n = 0;
  let lock: Promise<void> = Promise.resolve();
  const storage = {
    dialect: 'postgres',
    overlapsBatches,
    beginBatch: async () => {
      const k = ++n;
      log.push(`begin ${k}`);
      const held = lock;
      let free!: () => void;
      lock = new Promise<void>((r) => (free = r));
      await held;
      log.push(`locked ${k}`);
      return {
        repos: {},
        statements: () => 0,
        rowsChangedSince: () => 1,
        savepoint: async () => {},
        releaseSavepoint: async () => {},
        rollbackToSavepoint: async () => {},
        announce: async (c: { cases: unknown[]; logSize?: number }) => void log.push(`announce ${c.cases.length} case(s), log size ${c.logSize}`),
        rollback: async () => {
          log.push(`rollback ${k}`);
          free();
        },
        commit: async () => {
          log.push(`commit ${k}`);
          await new Promise((r) => setTimeout(r, 5));
          free();
          log.push(`committed ${k}`);
        },
      };
    },
  } as unknown as Storage;
  return { storage, log };
}

describe('CommitQueue overlapping batches (Storage.overlapsBatches: the next batch begun as one commits)', () => {
  it('should begin the next batch while a batch commits when units wait for it, and only where the storage allows it', async () => {
    for (const overlaps of [true, false]) {
      const { storage, log } = lockedStorage(overlaps);
      const q = new CommitQueue(storage);
      let later: Promise<string>[] = [];
      const first = await q.submit(async () => {
        later = [q.submit(async () => 'b'), q.submit(async () => 'c')];
        return 'a';
      });
      expect([first, ...(await Promise.all(later))]).toEqual(['a', 'b', 'c']);
      await q.whenIdle();
      expect(log).toEqual(
        overlaps
          ? ['begin 1', 'locked 1', 'commit 1', 'begin 2', 'committed 1', 'locked 2', 'commit 2', 'committed 2']
          : ['begin 1', 'locked 1', 'commit 1', 'committed 1', 'begin 2', 'locked 2', 'commit 2', 'committed 2'],
      );
    }
  });

  it('should run the reruns of a failed batch on the batch begun ahead, never waiting for the lock it holds', async () => {
    const { storage, log } = lockedStorage(true);
    const q = new CommitQueue(storage);
    let runsOfC = 0;
    let d: Promise<string> | undefined;
    const results = await Promise.allSettled([
      q.submit(async () => {
        // c's first run queues d: when c's rerun commits, a batch is begun ahead for d.
        if (runsOfC++ === 0) d = q.submit(async () => 'd');
        return 'c';
      }),
      q.submit(async () => {
        throw new EngineError('invalid_request', 'b is refused');
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(await d).toBe('d');
    await q.whenIdle();
    // Batch 1 [c, b] rolled back; c alone (2), b alone (3, begun ahead as 2 committed), d (4).
    expect(log).toEqual([
      'begin 1', 'locked 1', 'rollback 1',
      'begin 2', 'locked 2', 'commit 2', 'begin 3', 'committed 2',
      'locked 3', 'rollback 3',
      'begin 4', 'locked 4', 'commit 4', 'committed 4',
    ]);
  });
});

describe('CommitQueue lazy batches (no savepoints): the log appended behind the units’ deferred writes', () => {
  const journal = (log: string[]) => ({
    wrap: (repos: Repositories, sink: unknown[]) => Object.assign(repos, { sink }),
    append: async (_repos: Repositories, entries: readonly unknown[]) => void log.push(`append ${entries.join(',')}`),
  });
  /** A unit that captures `entry` and defers a write settled by the returned handle. */
  function unit(entry: string, log: string[], write: { settle?: (ok: boolean) => void }) {
    return async (repos: Repositories, tx: Parameters<Parameters<CommitQueue['submit']>[0]>[1]) => {
      (repos as unknown as { sink: unknown[] }).sink.push(entry);
      tx.defer(
        new Promise<void>((resolve, reject) => {
          write.settle = (ok) => {
            log.push(`write ${entry} ${ok ? 'answered' : 'failed'}`);
            if (ok) resolve();
            else reject(new StorageError('storage_unavailable', 'the write failed'));
          };
        }),
      );
      return entry;
    };
  }

  it('should send the append before the deferred writes are answered, and commit only after them', async () => {
    const { storage, log } = lockedStorage(false);
    const q = new CommitQueue(storage, { journal: journal(log) });
    const wa: { settle?: (ok: boolean) => void } = {};
    const wb: { settle?: (ok: boolean) => void } = {};
    const done = Promise.all([q.submit(unit('a', log, wa)), q.submit(unit('b', log, wb))]);
    await vi.waitFor(() => expect(log).toContain('append a,b'));
    expect(log).toEqual(['begin 1', 'locked 1', 'append a,b']);
    wa.settle!(true);
    wb.settle!(true);
    expect(await done).toEqual(['a', 'b']);
    expect(log).toEqual(['begin 1', 'locked 1', 'append a,b', 'write a answered', 'write b answered', 'commit 1', 'committed 1']);
  });

  it('should roll the speculative append back with the batch when a deferred write fails, and rerun the units alone', async () => {
    const { storage, log } = lockedStorage(false);
    const q = new CommitQueue(storage, { journal: journal(log) });
    const writes = new Map<string, boolean>([['a', true], ['b', false]]);
    let runs = 0;
    const auto = (entry: string) => async (repos: Repositories, tx: Parameters<Parameters<CommitQueue['submit']>[0]>[1]) => {
      const handle: { settle?: (ok: boolean) => void } = {};
      const value = await unit(entry, log, handle)(repos, tx);
      runs++;
      // The first run of each fails for b; alone, b's write succeeds.
      setImmediate(() => handle.settle!(runs > 2 ? true : writes.get(entry)!));
      return value;
    };
    expect(await Promise.all([q.submit(auto('a')), q.submit(auto('b'))])).toEqual(['a', 'b']);
    expect(log).toEqual([
      'begin 1', 'locked 1', 'append a,b', 'write a answered', 'write b failed', 'rollback 1',
      'begin 2', 'locked 2', 'write a answered', 'append a', 'commit 2', 'committed 2',
      'begin 3', 'locked 3', 'write b answered', 'append b', 'commit 3', 'committed 3',
    ]);
  });

  it('should tell the other processes the log’s size after the batch with its notice', async () => {
    const { storage, log } = lockedStorage(false);
    const q = new CommitQueue(storage, { journal: { ...journal(log), append: async () => ({ size: 17 }), sizeAfter: (a: unknown) => (a as { size: number }).size } });
    const stepped = (id: string) => async (repos: Repositories, tx: Parameters<Parameters<CommitQueue['submit']>[0]>[1]) => {
      (repos as unknown as { sink: unknown[] }).sink.push(id);
      tx.announce({ caseId: id, seq: 2, mailQueued: 0 });
      return id;
    };
    expect(await Promise.all([q.submit(stepped('a')), q.submit(stepped('b'))])).toEqual(['a', 'b']);
    expect(log).toContain('announce 2 case(s), log size 17');
  });
});
