/**
 * SIGKILL soak: the REAL server process (`node --import tsx server/main.ts`, SQLITE_SYNCHRONOUS
 * = FULL) under write load over HTTP from several concurrent clients, killed with SIGKILL
 * at a random moment and restarted, 20 times. Every acknowledged (2xx) command must survive,
 * every hash chain must verify, and a command retried with the same Idempotency-Key after a
 * restart (whether its first answer was lost or not) must never apply twice.
 *
 * Wall time is real here (a real process and real sockets); every wait is bounded.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/auth.js';
import { tmpDir } from '../engine/fixtures/helpers.js';
import { generatePrivateKeyPem, loadPrivateKey, publicKeyPem } from '../../lib/signed-note.js';
import { auditOn } from '../helpers/audit.js';
import { callAs, startServer, type Server } from '../helpers/server-process.js';

const CYCLES = Number(process.env.SOAK_CYCLES ?? 20);
const CLIENTS = 6;
const TOKEN = 'soak-token-car';

interface Command {
  n: number;
  key: string;
  /** A unique text stored in the event payload: how the command is found in the history. */
  marker: string;
  op: 'create' | 'comment';
  caseId?: string;
  ifMatch?: number;
}
interface Ack {
  caseId: string;
  seq: number;
}

const call = callAs(TOKEN);

const question = (marker: string) => ({ applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: marker });

/** Sends one command; resolves to its HTTP answer, or throws on a network failure (the answer is unknown). */
function send(base: string, c: Command) {
  const headers: Record<string, string> = { 'idempotency-key': c.key };
  if (c.ifMatch !== undefined) headers['if-match'] = `"${c.ifMatch}"`;
  return c.op === 'create'
    ? call(base, 'POST', '/cases', { procedure: 'feedback-inquiry', input: question(c.marker) }, headers)
    : call(base, 'POST', `/cases/${c.caseId}/events`, { type: 'comment', text: c.marker }, headers);
}

let server: Server | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  server = undefined;
  cleanup?.();
});

describe('SIGKILL soak', () => {
  it(`should lose no acknowledged write and keep every chain valid across ${CYCLES} SIGKILLs of the real server under load`, async () => {
    const dir = tmpDir('soak-');
    cleanup = dir.cleanup;
    const authFile = join(dir.dir, 'users.json');
    writeFileSync(authFile, JSON.stringify({ users: [{ name: 'soak-car', roles: ['car'], tokenSha256: sha256Hex(TOKEN) }] }));
    const ledgerKey = join(dir.dir, 'ledger.pem');
    const keyPem = generatePrivateKeyPem();
    writeFileSync(ledgerKey, keyPem);
    // Each start signs a checkpoint of the log as it found it (the tree grew since the last).
    const checkpoints = join(dir.dir, 'checkpoints');
    const env = { DATABASE: join(dir.dir, 'soak.sqlite'), AUTH_FILE: authFile, LEDGER_KEY_FILE: ledgerKey, LEDGER_CHECKPOINTS: checkpoints, SQLITE_SYNCHRONOUS: 'FULL' };

    const commands = new Map<number, Command>();
    const acked = new Map<number, Ack>(); // command n → its first 2xx answer
    const refused = new Map<number, number>(); // command n → its 4xx status (answered: not retried)
    let inDoubt = new Set<number>(); // sent, no answer (the server died): retried after the restart
    const seqOf = new Map<string, number>(); // caseId → highest acknowledged seq
    let n = 0;
    const stats = { kills: 0, acked: 0, inDoubtRetried: 0, inDoubtCommitted: 0, replayChecks: 0, replayMismatches: 0, fiveHundreds: 0, refused409: 0 };

    const record = (c: Command, r: { status: number; body: Record<string, unknown> }) => {
      if (r.status >= 500) stats.fiveHundreds++;
      if (r.status >= 200 && r.status < 300) {
        const ack = { caseId: String(r.body.id), seq: Number(r.body.seq) };
        const first = acked.get(c.n);
        if (first) {
          // A retry of an acknowledged command: the first answer again, never a second application.
          stats.replayChecks++;
          if (first.caseId !== ack.caseId || first.seq !== ack.seq) stats.replayMismatches++;
        } else {
          acked.set(c.n, ack);
          stats.acked++;
        }
        seqOf.set(ack.caseId, Math.max(seqOf.get(ack.caseId) ?? 0, ack.seq));
      } else {
        refused.set(c.n, r.status);
        if (r.status === 409) stats.refused409++;
        expect([409], `${c.op} ${c.key} → ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
      }
    };

    const next = (): Command => {
      const ids = [...seqOf.keys()];
      const k = ++n;
      const c: Command =
        ids.length < 4 || Math.random() < 0.25
          ? { n: k, key: `soak-${k}`, marker: `m-${k}`, op: 'create' }
          : (() => {
              const caseId = ids[Math.floor(Math.random() * ids.length)]!;
              return { n: k, key: `soak-${k}`, marker: `m-${k}`, op: 'comment', caseId, ...(Math.random() < 0.3 ? { ifMatch: seqOf.get(caseId)! } : {}) };
            })();
      commands.set(k, c);
      return c;
    };

    /** Everything acknowledged is in the history, once, at its seq; nothing refused or lost is; every chain verifies. */
    const audit = async (base: string) => {
      const caseIds = [...new Set([...acked.values()].map((a) => a.caseId))];
      const markers = new Map<string, { caseId: string; seq: number }[]>();
      let verifyFailures = 0;
      for (const id of caseIds) {
        const h = await call(base, 'GET', `/cases/${id}/history`);
        expect(h.status).toBe(200);
        for (const ev of h.body.events as { seq: number; payload: { text?: string } }[]) {
          const text = ev.payload.text;
          if (typeof text === 'string' && text.startsWith('m-')) markers.set(text, [...(markers.get(text) ?? []), { caseId: id, seq: ev.seq }]);
        }
        const v = await call(base, 'GET', `/cases/${id}/verify`);
        if (!(v.status === 200 && v.body.ok === true)) verifyFailures++;
      }
      let lost = 0;
      for (const [k, a] of acked) {
        const where = markers.get(commands.get(k)!.marker) ?? [];
        if (!where.some((w) => w.caseId === a.caseId && w.seq === a.seq)) lost++;
      }
      let appliedTwice = 0;
      for (const where of markers.values()) if (where.length > 1) appliedTwice++;
      let refusedButStored = 0;
      for (const k of refused.keys()) if (markers.has(commands.get(k)!.marker)) refusedButStored++;
      return { cases: caseIds.length, lost, verifyFailures, appliedTwice, refusedButStored };
    };

    const started = Date.now();
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      server = await startServer(env);
      const base = server.base;

      // After a restart: retry every command whose answer was lost, with the same key and body.
      for (const k of [...inDoubt]) {
        const c = commands.get(k)!;
        let committed = false;
        if (c.op === 'comment') {
          const h = await call(base, 'GET', `/cases/${c.caseId}/history`);
          committed = (h.body.events as { payload: { text?: string } }[]).some((e) => e.payload.text === c.marker);
        }
        const r = await send(base, c);
        if (c.op === 'create' && r.status === 200) committed = true; // the stored first answer (replayed)
        if (committed) stats.inDoubtCommitted++;
        record(c, r);
        stats.inDoubtRetried++;
      }
      inDoubt = new Set();
      // And a few acknowledged ones: the stored first answer comes back, nothing is applied again.
      const ackedKeys = [...acked.keys()];
      for (let i = 0; i < Math.min(5, ackedKeys.length); i++) {
        const k = ackedKeys[Math.floor(Math.random() * ackedKeys.length)]!;
        record(commands.get(k)!, await send(base, commands.get(k)!));
      }
      const a = await audit(base);
      expect(a, `after restart ${cycle}`).toMatchObject({ lost: 0, verifyFailures: 0, appliedTwice: 0, refusedButStored: 0 });
      if (cycle === CYCLES) {
        console.log(
          `[sigkill soak] cycles=${CYCLES} kills=${stats.kills} acknowledged=${stats.acked} cases=${a.cases} lost=${a.lost} ` +
            `verifyFailures=${a.verifyFailures} appliedTwice=${a.appliedTwice} refusedButStored=${a.refusedButStored} ` +
            `inDoubtRetried=${stats.inDoubtRetried} inDoubtCommittedBeforeKill=${stats.inDoubtCommitted} replayChecks=${stats.replayChecks} replayMismatches=${stats.replayMismatches} ` +
            `versionConflicts=${stats.refused409} http5xx=${stats.fiveHundreds} wallSeconds=${Math.round((Date.now() - started) / 1000)}`,
        );
        server.child.kill('SIGTERM'); // the last run ends gracefully
        expect(await server.exited).toBe(0);
        // The log across every kill: each checkpoint signed at a start still holds for the
        // final tree (nothing logged was lost or rewritten), and every record is in it.
        const files = readdirSync(checkpoints).map((f) => join(checkpoints, f));
        expect(files.length).toBeGreaterThanOrEqual(CYCLES);
        const publicKey = join(dir.dir, 'ledger.pub.pem');
        writeFileSync(publicKey, publicKeyPem(loadPrivateKey(keyPem)));
        const ledger = await auditOn(env.DATABASE, ['ledger', 'verify', ...files.flatMap((f) => ['--checkpoint', f]), '--public-key', publicKey]);
        expect(ledger.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
        expect(ledger.code).toBe(0);
        break;
      }

      // Load: CLIENTS concurrent clients until a random number of acknowledgements, then SIGKILL.
      const killAt = stats.acked + 10 + Math.floor(Math.random() * 90);
      let dead = false;
      const clients = Array.from({ length: CLIENTS }, async () => {
        // Each client writes until the server is gone (its request fails: the answer is unknown).
        for (let i = 0; i < 1000; i++) {
          const c = next();
          let answer: Awaited<ReturnType<typeof send>>;
          try {
            answer = await send(base, c);
          } catch {
            inDoubt.add(c.n);
            return;
          }
          record(c, answer);
          if (!dead && stats.acked >= killAt) {
            dead = true;
            // A random moment: now or a few ms later, while the other clients' requests are in flight.
            setTimeout(() => {
              server!.child.kill('SIGKILL');
              stats.kills++;
            }, Math.floor(Math.random() * 15));
          }
        }
      });
      await Promise.all(clients);
      expect(dead, `cycle ${cycle}: the load ended before the kill`).toBe(true);
      await server.exited;
    }
    expect(stats.kills).toBe(CYCLES);
    expect(stats.fiveHundreds).toBe(0);
    expect(stats.replayMismatches).toBe(0);
    expect(stats.acked).toBeGreaterThan(CYCLES * 10);
  });
});
