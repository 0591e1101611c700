/**
 * The SIGKILL soak on PostgreSQL (issue 17 §6): three REAL server processes
 * (`node --import tsx server/main.ts`, DATABASE_URL) on one fresh database of
 * TEST_DATABASE_URL's server, sharing the users file, the ledger key and the checkpoint
 * directory, as a deployment behind a load balancer does. Concurrent clients write through
 * all three (each request to a random live one); meanwhile random processes are killed
 * with SIGKILL and restarted, PG_SOAK_KILLS times (default 10). A command whose answer
 * was lost is retried with the same Idempotency-Key on another process at once.
 *
 * Then: every acknowledged (2xx) command is in the history at its seq, once; nothing
 * refused is; every chain verifies; acknowledged commands sent again to any process give
 * the first answer; `ledger verify` holds every checkpoint signed at a start.
 *
 * Timers: a third of the cases are created with their receipt back-dated 20 days
 * (MAX_BACKDATING=30d), so their `review` deadline (15 calendar days) is past due the
 * moment they are committed: its timer falls due during the run, to be fired by whichever
 * process claims it (the committing one at once, or any one at its start when that one was
 * killed first). Each must have fired `deadline_missed` exactly once, at its dueAt; no
 * other case may have fired any. (Deadlines that fall due at a chosen later instant need
 * a simulated clock, which a real server process does not have: the day-granular dueAt of
 * every deadline here lies days away from the wall clock.)
 *
 * Wall time is real (real processes and sockets); every wait is bounded.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePrivateKeyPem, loadPrivateKey, publicKeyPem } from '../../lib/signed-note.js';
import { tmpDir } from '../engine/fixtures/helpers.js';
import { auditOn } from '../helpers/audit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';
import { killServer, startServer, type Server } from '../helpers/server-process.js';
import { Workload, writeUsersFile } from './helpers/workload.js';

const KILLS = Number(process.env.PG_SOAK_KILLS ?? 10);
const PROCESSES = 3;
const CLIENTS = 6;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let db: TestDatabase | undefined;
const servers: (Server | undefined)[] = [];
let cleanup: (() => void) | undefined;
afterAll(async () => {
  for (const s of servers) await killServer(s);
  await db?.drop();
  cleanup?.();
});

describe('SIGKILL soak on PostgreSQL', () => {
  it(`should lose no acknowledged write, keep every chain valid and fire every due timer once across ${KILLS} SIGKILLs of ${PROCESSES} server processes on one database`, async () => {
    const started = Date.now();
    db = await createTestDatabase();
    const dir = tmpDir('pg-soak-');
    cleanup = dir.cleanup;
    const keyPem = generatePrivateKeyPem();
    const ledgerKey = join(dir.dir, 'ledger.pem');
    writeFileSync(ledgerKey, keyPem);
    const checkpoints = join(dir.dir, 'checkpoints');
    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      AUTH_FILE: writeUsersFile(dir.dir),
      LEDGER_KEY_FILE: ledgerKey,
      LEDGER_CHECKPOINTS: checkpoints,
      MAX_BACKDATING: '30d',
      WRITE_RATE_LIMIT: '0',
    };

    // The first migrates the empty database; the others start on it.
    for (let i = 0; i < PROCESSES; i++) servers[i] = await startServer(env);
    const ports = servers.map((s) => s!.port);
    const up = new Set(servers.map((_, i) => i));
    const w = new Workload({ backdatedShare: 0.33, prefix: 'soak' });
    const randomUp = (): string | undefined => {
      const live = [...up];
      return live.length === 0 ? undefined : servers[live[Math.floor(Math.random() * live.length)]!]!.base;
    };

    // Clients: an in-doubt command first (retried on another process), else a new one.
    let stop = false;
    const client = async () => {
      while (!stop) {
        const base = randomUp();
        if (!base) {
          await sleep(20);
          continue;
        }
        const retry = [...w.inDoubt][0];
        const c = retry !== undefined ? w.commands.get(retry)! : w.next();
        const { outcome } = await w.sendAndRecord(base, c);
        if (outcome === 'retry') await sleep(10);
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    // The killer: random processes at random moments, each restarted on its port.
    let kills = 0;
    const restartMs: number[] = [];
    try {
      for (; kills < KILLS; kills++) {
        const ackedBefore = w.stats.acked;
        const until = Date.now() + 10_000;
        const wantAcks = 30 + Math.floor(Math.random() * 120);
        while (w.stats.acked - ackedBefore < wantAcks && Date.now() < until) await sleep(5);
        expect(w.stats.acked - ackedBefore, `before kill ${kills + 1}: the load acknowledged nothing in 10 s (${JSON.stringify(w.stats)} ${w.unexpected.slice(0, 3).join('; ')})`).toBeGreaterThan(0);
        const i = Math.floor(Math.random() * PROCESSES);
        up.delete(i);
        servers[i]!.child.kill('SIGKILL');
        await servers[i]!.exited;
        const t0 = Date.now();
        servers[i] = await startServer(env, ports[i]);
        restartMs.push(Date.now() - t0);
        up.add(i);
      }
      // A little more load with every process up, then the clients stop.
      const last = w.stats.acked;
      while (w.stats.acked - last < 50) await sleep(5);
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    // Every command whose answer was lost is answered now (bounded).
    for (let round = 0; round < 50 && w.inDoubt.size > 0; round++) {
      for (const k of [...w.inDoubt]) await w.sendAndRecord(randomUp()!, w.commands.get(k)!);
    }
    expect(w.inDoubt.size, 'commands never answered').toBe(0);
    expect(w.unexpected).toEqual([]);

    // Acknowledged commands again, to every process: the first answer, nothing applied again.
    const ackedKeys = [...w.acked.keys()];
    for (let i = 0; i < 30; i++) {
      const k = ackedKeys[Math.floor(Math.random() * ackedKeys.length)]!;
      w.record(w.commands.get(k)!, await w.send(servers[i % PROCESSES]!.base, w.commands.get(k)!));
    }
    expect(w.stats.replayMismatches).toBe(0);

    // Every due timer has fired (each process fires the past-due ones at its start; bounded wait).
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    let pending = -1;
    try {
      for (let i = 0; i < 100; i++) {
        pending = Number((await admin.query<{ n: string }>(`select count(*) as n from timers where status = 'scheduled' and due_at <= $1`, [new Date().toISOString()])).rows[0]!.n);
        if (pending === 0) break;
        await sleep(100);
      }
    } finally {
      await admin.end();
    }
    expect(pending, 'past-due timers still scheduled').toBe(0);

    const a = await w.audit(servers[0]!.base);
    console.log(
      `[pg sigkill soak] processes=${PROCESSES} kills=${kills} sent=${w.stats.sent} acknowledged=${w.stats.acked} cases=${a.cases} ` +
        `lost=${a.lost} verifyFailures=${a.verifyFailures} appliedTwice=${a.appliedTwice} refusedButStored=${a.refusedButStored} ` +
        `backdatedCases=${a.backdatedCases} timersFired=${a.timersFired} timerProblems=${a.timerProblems.length} ` +
        `networkFailures=${w.stats.networkFailures} answered503=${w.stats.answered503} ${JSON.stringify(Object.fromEntries(w.codes503))} ` +
        `replayChecks=${w.stats.replayChecks} versionConflicts=${w.stats.refused409} http5xx=${w.stats.fiveHundreds} ` +
        `restartMs(max)=${Math.max(...restartMs)} wallSeconds=${Math.round((Date.now() - started) / 1000)}`,
    );
    expect(a).toMatchObject({ lost: 0, verifyFailures: 0, appliedTwice: 0, refusedButStored: 0, timerProblems: [] });
    expect(a.backdatedCases).toBeGreaterThan(10);
    expect(a.timersFired).toBe(a.backdatedCases);
    expect(w.stats.fiveHundreds).toBe(0);
    expect(w.stats.acked).toBeGreaterThan(KILLS * 30);

    // The last runs end gracefully.
    for (const s of servers) {
      s!.child.kill('SIGTERM');
      expect(await s!.exited).toBe(0);
    }

    // The log across every kill: each checkpoint signed at a start (by any process) still
    // holds for the final tree, and every record is in it. A kill may leave a half-written
    // temporary file (`.…tmp`): only published checkpoints count.
    const files = readdirSync(checkpoints)
      .filter((f) => f.endsWith('.checkpoint'))
      .map((f) => join(checkpoints, f));
    expect(files.length).toBeGreaterThanOrEqual(KILLS);
    const publicKey = join(dir.dir, 'ledger.pub.pem');
    writeFileSync(publicKey, publicKeyPem(loadPrivateKey(keyPem)));
    const ledger = await auditOn(db.url, ['ledger', 'verify', ...files.flatMap((f) => ['--checkpoint', f]), '--public-key', publicKey], { env: { DATABASE_URL: db.url } });
    expect(ledger.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(ledger.code, ledger.err).toBe(0);
  });
});
