/**
 * Disk full and read-only database under write load (in-process app, simulated clock):
 * the API answers 503 `storage_unavailable` (never 500), acknowledges nothing it did not
 * store, GET /health reports the database unavailable, and writes succeed again as soon
 * as the disk does — without a restart.
 *
 * Disk full is made three ways: `PRAGMA max_page_count` lowered on the engine's live
 * connection (SQLITE_FULL, portable), and — where this process may mount (root on Linux) —
 * a real tmpfs that runs out of space (ENOSPC) and is then grown with `mount -o remount`.
 * Read-only is `PRAGMA query_only = 1` on the live connection (root ignores file modes).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { HUMAN_ROLES, sha256Hex, UserDirectory } from '../../server/auth.js';
import { buildTestApp, kz, token, type TestApp } from '../helpers/app.js';
import { onConnection, openSqliteFile } from '../helpers/sqlite-file.js';

const auth = (role: string) => ({ authorization: `Bearer ${token(role as never)}`, 'content-type': 'application/json' });
const input = (text: string) => ({ applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text });

interface Outcome {
  marker: string;
  status: number;
  code?: string;
  caseId?: string;
  seq?: number;
}

/** A write load: `clients` concurrent clients, each sending `perClient` commands with a unique marker. */
class Load {
  readonly outcomes: Outcome[] = [];
  readonly caseIds: string[] = [];
  #n = 0;
  constructor(private readonly app: TestApp['app']) {}

  async one(prefix: string): Promise<Outcome> {
    const n = ++this.#n;
    const marker = `${prefix}-${n}-${'x'.repeat(600)}`;
    const create = this.caseIds.length < 3 || n % 3 === 0;
    const target = create ? undefined : this.caseIds[n % this.caseIds.length]!;
    const res = create
      ? await this.app.inject({
          method: 'POST',
          url: '/cases',
          headers: { ...auth('car'), 'idempotency-key': `k-${marker.slice(0, 40)}` },
          payload: JSON.stringify({ procedure: 'feedback-inquiry', input: input(marker) }),
        })
      : await this.app.inject({
          method: 'POST',
          url: `/cases/${target}/events`,
          headers: { ...auth('car'), 'idempotency-key': `k-${marker.slice(0, 40)}` },
          payload: JSON.stringify({ type: 'comment', text: marker }),
        });
    const body = res.json() as { id?: string; seq?: number; error?: { code: string } };
    const o: Outcome = { marker, status: res.statusCode };
    if (res.statusCode < 300) {
      o.caseId = body.id!;
      o.seq = body.seq!;
      if (create) this.caseIds.push(body.id!);
    } else o.code = body.error?.code ?? '?';
    this.outcomes.push(o);
    return o;
  }

  /** Runs `clients` loops of `perClient` commands each. */
  async run(prefix: string, clients: number, perClient: number): Promise<void> {
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) await this.one(`${prefix}${c}`);
      }),
    );
  }
}

/** Checks every outcome against the database through a separate read-only connection. */
function audit(databasePath: string, outcomes: Outcome[]): { acked: number; refused: number; lost: number; phantom: number; fiveHundreds: number } {
  const ro = openSqliteFile(databasePath, { readonly: true });
  try {
    const events = ro.prepare('select case_id, seq, type, payload from events').all() as { case_id: string; seq: number; type: string; payload: string }[];
    const byMarker = new Map<string, { case_id: string; seq: number }>();
    for (const e of events) {
      const p = JSON.parse(e.payload) as { text?: string };
      if (typeof p.text === 'string') byMarker.set(p.text, e);
    }
    let lost = 0;
    let phantom = 0;
    let fiveHundreds = 0;
    for (const o of outcomes) {
      const stored = byMarker.get(o.marker);
      if (o.status < 300) {
        if (!stored || stored.case_id !== o.caseId || stored.seq !== o.seq) lost++;
      } else if (stored) phantom++;
      if (o.status >= 500 && !(o.status === 503 && o.code === 'storage_unavailable')) fiveHundreds++;
    }
    const acked = outcomes.filter((o) => o.status < 300).length;
    return { acked, refused: outcomes.length - acked, lost, phantom, fiveHundreds };
  } finally {
    ro.close();
  }
}

/** Yields to the event loop until `n` commands with this prefix were answered (bounded). */
async function answered(load: Load, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < 100_000 && load.outcomes.filter((o) => o.marker.startsWith(prefix)).length < n; i++) {
    await new Promise<void>((r) => setImmediate(r));
  }
}

async function health(app: TestApp['app']): Promise<{ status: number; database: string }> {
  const r = await app.inject({ url: '/health' });
  return { status: r.statusCode, database: (r.json() as { database: string }).database };
}

async function verifyAll(engine: Engine, ids: string[]): Promise<number> {
  let failures = 0;
  for (const id of new Set(ids)) if (!(await engine.verify(id)).ok) failures++;
  return failures;
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('storage failures under load', () => {
  it('should answer 503 storage_unavailable while the database is full (max_page_count), store nothing refused, and recover without restart', async () => {
    t = await buildTestApp();
    const load = new Load(t.app);
    await load.run('before', 4, 10);
    expect(load.outcomes.every((o) => o.status < 300)).toBe(true);
    expect(await health(t.app)).toEqual({ status: 200, database: 'ok' });

    // The disk fills up while clients are writing: freeze the file at its current size.
    const during = load.run('during', 4, 15);
    await answered(load, 'during', 8); // mid-load: some of this phase's commands are already stored
    onConnection(t.engine, (db) => db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`));
    await during;
    const full = load.outcomes.filter((o) => o.marker.startsWith('during'));
    expect(full.filter((o) => o.status === 503).length).toBeGreaterThan(10);
    for (const o of full) if (o.status >= 300) expect([o.status, o.code]).toEqual([503, 'storage_unavailable']);
    expect(await health(t.app)).toEqual({ status: 503, database: 'unavailable' });

    // Space comes back: the same process takes writes again.
    onConnection(t.engine, (db) => db.pragma('max_page_count = 1073741823'));
    expect(await health(t.app)).toEqual({ status: 200, database: 'ok' });
    await load.run('after', 4, 5);
    expect(load.outcomes.filter((o) => o.marker.startsWith('after')).every((o) => o.status < 300)).toBe(true);

    await t.engine.idle();
    const r = audit(t.databasePath, load.outcomes);
    console.log(`[disk full / max_page_count] ${JSON.stringify(r)}`);
    expect(r).toMatchObject({ lost: 0, phantom: 0, fiveHundreds: 0 });
    expect(await verifyAll(t.engine, load.caseIds)).toBe(0);
  });

  it('should answer 503 storage_unavailable while the database is read-only, store nothing refused, and recover without restart', async () => {
    t = await buildTestApp();
    const load = new Load(t.app);
    await load.run('before', 4, 5);
    const during = load.run('during', 4, 10);
    await answered(load, 'during', 8);
    onConnection(t.engine, (db) => db.pragma('query_only = 1'));
    await during;
    const ro = load.outcomes.filter((o) => o.marker.startsWith('during'));
    expect(ro.filter((o) => o.status === 503).length).toBeGreaterThan(10);
    for (const o of ro) if (o.status >= 300) expect([o.status, o.code]).toEqual([503, 'storage_unavailable']);
    expect(await health(t.app)).toEqual({ status: 503, database: 'unavailable' });
    // Reads still work while writes are refused.
    const get = await t.app.inject({ url: `/cases/${load.caseIds[0]}`, headers: auth('auditor') });
    expect(get.statusCode).toBe(200);

    onConnection(t.engine, (db) => db.pragma('query_only = 0'));
    expect(await health(t.app)).toEqual({ status: 200, database: 'ok' });
    await load.run('after', 4, 5);
    expect(load.outcomes.filter((o) => o.marker.startsWith('after')).every((o) => o.status < 300)).toBe(true);
    await t.engine.idle();
    const r = audit(t.databasePath, load.outcomes);
    console.log(`[read-only / query_only] ${JSON.stringify(r)}`);
    expect(r).toMatchObject({ lost: 0, phantom: 0, fiveHundreds: 0 });
    expect(await verifyAll(t.engine, load.caseIds)).toBe(0);
  });

  it('should answer 503 while a real file system is full (tmpfs, ENOSPC) and recover when it grows', async (ctx) => {
    const mnt = mkdtempSync(join(tmpdir(), 'qi-tmpfs-'));
    let mounted = false;
    try {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'ignore' });
        mounted = true;
      } catch {
        ctx.skip(); // not root, or no mount(8): the max_page_count test above covers SQLITE_FULL
        return;
      }
      const databasePath = join(mnt, 'db', 'engine.sqlite');
      mkdirSync(join(mnt, 'db'));
      const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
      const engine = await createEngine({ databasePath, synchronous: 'FULL', calendar: kz, procedures, clock });
      const users = new UserDirectory({
        users: HUMAN_ROLES.map((role) => ({ name: `${role}-user`, roles: [role], tokenSha256: sha256Hex(token(role)) })) as ConstructorParameters<
          typeof UserDirectory
        >[0]['users'],
      });
      const app = await buildApp({ calendars: { kz }, engine, users, intakeRateLimit: 1000 });
      await engine.start();
      try {
        const load = new Load(app);
        // Write until the file system is full (bounded: 2 MiB holds far fewer than 4000 commands).
        let refusedInARow = 0;
        for (let i = 0; i < 1000 && refusedInARow < 12; i++) {
          await Promise.all([load.one('fill'), load.one('fill'), load.one('fill'), load.one('fill')]);
          const last4 = load.outcomes.slice(-4);
          refusedInARow = last4.every((o) => o.status === 503) ? refusedInARow + 4 : 0;
        }
        expect(refusedInARow, 'the tmpfs never filled up').toBeGreaterThanOrEqual(12);
        for (const o of load.outcomes) if (o.status >= 300) expect([o.status, o.code]).toEqual([503, 'storage_unavailable']);
        expect(await health(app)).toEqual({ status: 503, database: 'unavailable' });

        execFileSync('mount', ['-o', 'remount,size=64m', mnt], { stdio: 'ignore' });
        expect(await health(app)).toEqual({ status: 200, database: 'ok' });
        await load.run('after', 4, 5);
        expect(load.outcomes.filter((o) => o.marker.startsWith('after')).every((o) => o.status < 300)).toBe(true);
        await engine.idle();
        const r = audit(databasePath, load.outcomes);
        console.log(`[disk full / tmpfs ENOSPC] ${JSON.stringify(r)}`);
        expect(r.acked).toBeGreaterThan(20);
        expect(r).toMatchObject({ lost: 0, phantom: 0, fiveHundreds: 0 });
        expect(await verifyAll(engine, load.caseIds)).toBe(0);
      } finally {
        await app.close();
        await engine.close();
      }
    } finally {
      if (mounted) execFileSync('umount', [mnt], { stdio: 'ignore' });
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
