import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine } from '../../engine/engine.js';
import type { CrashCommand, CrashReply } from './fixtures/crash-child.js';
import { fakeCalendar, makeFakeProcedure } from './fixtures/fake-procedure.js';
import { tmpDir } from './fixtures/helpers.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'crash-child.ts');

interface Acked {
  caseId: string;
  seq: number;
  text?: string;
}

function startChild(db: string, clockAt?: string): Promise<{ child: ChildProcessWithoutNullStreams; replies: AsyncIterator<CrashReply> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, ...(clockAt ? [clockAt] : [])], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', () => {});
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const replies: AsyncIterator<CrashReply> = {
    async next() {
      const l = await lines.next();
      return l.done ? { done: true, value: undefined } : { done: false, value: JSON.parse(l.value) as CrashReply };
    },
  };
  return replies.next().then((first) => {
    if (first.done || first.value.n !== -1) throw new Error('child did not start');
    return { child, replies };
  });
}

describe('crash safety', () => {
  it('should keep every acknowledged command, never half-write a case, and keep every chain verifiable across SIGKILLs', async () => {
    const { dir, cleanup } = tmpDir('crash-');
    const db = join(dir, 'crash.db');
    const acked = new Map<number, Acked>(); // command n → what was acknowledged
    const cases = new Map<string, number>(); // caseId → last acknowledged seq
    const sent = new Map<number, CrashCommand>();
    let n = 0;
    let kills = 0;
    try {
      for (let cycle = 0; cycle < 4; cycle++) {
        const { child, replies } = await startChild(db);
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        // Retry every command that was sent but not acknowledged before the crash (same key).
        const pending = [...sent.values()].filter((c) => !acked.has(c.n));
        const send = (c: CrashCommand) => {
          sent.set(c.n, c);
          child.stdin.write(`${JSON.stringify(c)}\n`);
        };
        const next = (): CrashCommand => {
          const ids = [...cases.keys()];
          if (ids.length < 3 || Math.random() < 0.2) return { n: ++n, op: 'create', key: `k${n}` };
          const caseId = ids[Math.floor(Math.random() * ids.length)]!;
          return { n: ++n, op: 'event', key: `k${n}`, caseId, expectedSeq: cases.get(caseId)!, text: `cmd-${n}` };
        };
        for (const c of pending) send(c);
        for (let i = 0; i < 30; i++) send(next());
        const killAfter = 40 + Math.floor(Math.random() * 120);
        let answers = 0;
        for (;;) {
          const r = await replies.next();
          if (r.done) break;
          const reply = r.value;
          const cmd = sent.get(reply.n)!;
          if (reply.ok) {
            acked.set(reply.n, { caseId: reply.caseId, seq: reply.seq, ...(cmd.op === 'event' ? { text: cmd.text } : {}) });
            cases.set(reply.caseId, Math.max(cases.get(reply.caseId) ?? 0, reply.seq));
          } else {
            expect(reply.code).toBe('version_conflict');
            acked.set(reply.n, { caseId: '', seq: -1 }); // answered (refused): not retried
          }
          if (++answers === killAfter) {
            child.kill('SIGKILL');
            kills++;
            break;
          }
          send(next());
        }
        await exited;

        // After each crash: everything acknowledged is there, nothing is half-written.
        const engine = await createEngine({ databasePath: db, calendar: fakeCalendar, procedures: [makeFakeProcedure()] });
        try {
          for (const [num, a] of acked) {
            if (a.seq < 0) continue;
            const events = await engine.storage.read.events.list(a.caseId);
            const ev = events.find((e) => e.seq === a.seq);
            expect(ev, `command ${num}`).toBeDefined();
            if (a.text) expect(JSON.parse(ev!.payloadJson).text).toBe(a.text);
          }
          for (const id of await engine.storage.read.cases.ids()) {
            const row = (await engine.storage.read.cases.find(id))!;
            const events = await engine.storage.read.events.list(id);
            expect(events.length).toBe(row.seq);
            const texts = events.map((e) => (JSON.parse(e.payloadJson) as { text?: string }).text).filter(Boolean);
            expect(new Set(texts).size, 'a retried command was applied twice').toBe(texts.length);
            expect(await engine.storage.read.timers.listForCase(id)).toHaveLength(1);
            expect(await engine.storage.read.outbox.listForCase(id)).toHaveLength(1);
            const v = await engine.verify(id);
            expect(v.problems).toEqual([]);
          }
        } finally {
          await engine.close();
        }
      }
      expect(kills).toBe(4);
      expect([...acked.values()].filter((a) => a.seq > 0).length).toBeGreaterThan(100);
    } finally {
      cleanup();
    }
  }, 30_000);

  it('should fire each past-due timer exactly once when the process is killed while firing', async () => {
    const { dir, cleanup } = tmpDir('crash-timers-');
    const db = join(dir, 'timers.db');
    try {
      const clock = new SimulatedClock('2025-03-06T05:00:00Z');
      const setup = await createEngine({ databasePath: db, clock, calendar: fakeCalendar, procedures: [makeFakeProcedure()] });
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          setup.createCase('test-procedure', { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', days: 1 + (i % 3) }, {
            actor: { name: 'c', role: 'car' },
          }),
        ),
      );
      await setup.close();
      let finished = false;
      for (let cycle = 0; cycle < 4 && !finished; cycle++) {
        const { child, replies } = await startChild(db, '2025-03-20T00:00:00Z');
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        const idle = replies.next().then((r) => !r.done && r.value.n === -2);
        const killer = new Promise<boolean>((r) => setTimeout(() => r(false), 20 + Math.random() * 120));
        finished = await Promise.race([idle, killer]);
        child.kill('SIGKILL');
        await exited;
        if (process.env.CRASH_DEBUG) {
          const probe = await createEngine({ databasePath: db, calendar: fakeCalendar, procedures: [makeFakeProcedure()] });
          let fired = 0;
          for (const id of await probe.storage.read.cases.ids()) fired += (await probe.storage.read.events.list(id)).filter((e) => e.type === 'deadline_missed').length;
          console.log(`cycle ${cycle}: finished=${finished} fired=${fired}`);
          await probe.close();
        }
      }
      const engine = await createEngine({ databasePath: db, clock: new SimulatedClock('2025-03-20T00:00:00Z'), calendar: fakeCalendar, procedures: [makeFakeProcedure()] });
      try {
        await engine.start();
        await engine.idle();
        const ids = await engine.storage.read.cases.ids();
        expect(ids).toHaveLength(300);
        for (const id of ids) {
          const missed = (await engine.storage.read.events.list(id)).filter((e) => e.type === 'deadline_missed');
          expect(missed.map((e) => JSON.parse(e.payloadJson).key)).toEqual(['reply']);
          expect((await engine.storage.read.timers.listForCase(id))[0]!.status).toBe('fired');
          expect((await engine.verify(id)).ok).toBe(true);
        }
      } finally {
        await engine.close();
      }
    } finally {
      cleanup();
    }
  }, 30_000);
});
