/**
 * The SMTP server is down, then flaky (451), then up — through the real engine with an
 * SMTP_URL pointing at a real smtp-server on 127.0.0.1, restarted during the outage. No
 * message is lost, none is accepted twice (counted by Message-ID at the server), every
 * attempt is recorded, and a notice that closes a deadline closes it exactly once.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import type { Actor } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { tmpDir } from '../engine/fixtures/helpers.js';
import { kz } from '../helpers/app.js';

interface Smtp {
  port: number;
  accepted: string[];
  rejected: number;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1; the first `failFirst` messages get a transient 451. */
async function smtp(port = 0, failFirst = 0): Promise<Smtp> {
  const state = { accepted: [] as string[], rejected: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.rejected < failFirst) {
          state.rejected++;
          const err = Object.assign(new Error('try again later'), { responseCode: 451 });
          cb(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        state.accepted.push(/^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '(none)');
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    port: addr.port,
    get accepted() {
      return state.accepted;
    },
    get rejected() {
      return state.rejected;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const car: Actor = { name: 'car', role: 'car' };
const supervisor: Actor = { name: 'sup', role: 'supervisor' };
const unit: Actor = { name: 'unit', role: 'unit' };
const chairman: Actor = { name: 'chair', role: 'chairman' };
const LANGUAGES = ['ru', 'kk', 'en'] as const;
const question = (i: number) => ({ applicant: { name: `A${i}`, email: `a${i}@example.kz` }, language: LANGUAGES[i % 3], kind: 'question', text: 'Q' });

let engine: Engine | undefined;
let server: Smtp | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await engine?.close();
  await server?.close();
  cleanup?.();
  engine = undefined;
  server = undefined;
});

describe('SMTP outage', () => {
  it('should deliver every message exactly once after the server was down and flaky, with every attempt recorded', async () => {
    const dir = tmpDir('smtp-');
    cleanup = dir.cleanup;
    const databasePath = join(dir.dir, 'smtp.db');
    const probe = await smtp();
    const port = probe.port;
    await probe.close(); // the port is free: the server is down
    const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
    const open = async () => {
      await engine?.close();
      engine = await createEngine({
        databasePath,
        synchronous: 'NORMAL',
        calendar: kz,
        procedures,
        clock,
        smtpUrl: `smtp://127.0.0.1:${port}`,
        retry: { baseDelayMs: 1000, maxDelayMs: 60_000 },
      });
      await engine.start();
      return engine;
    };
    let e = await open();

    // While down: acknowledgements for 8 cases, extension notices (they close a deadline) for 3, answers for 2.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await e.createCase('feedback-inquiry', question(i), { actor: car })).view.id);
    clock.advance(60_000);
    for (const id of ids.slice(0, 3)) await e.applyEvent(id, { type: 'extend', payload: { days: 10, reason: 'check' } }, { actor: chairman });
    for (const [k, id] of ids.slice(3, 5).entries()) {
      await e.applyEvent(id, { type: 'register', payload: { registrationNumber: 'R' } }, { actor: car });
      await e.applyEvent(id, { type: 'assign', payload: { unit: 'U' } }, { actor: supervisor });
      await e.applyEvent(id, { type: 'submit_answer', payload: { text: 'A', citations: ['Law'], language: LANGUAGES[(3 + k) % 3] } }, { actor: unit });
      await e.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor });
    }
    await e.idle();
    for (const step of [1000, 2000, 4000]) {
      clock.advance(step);
      await e.idle();
    }
    const all = async () => (await Promise.all(ids.map((id) => engine!.messages(id)))).flat().filter((m) => m.kind === 'mail');
    let msgs = await all();
    expect(msgs).toHaveLength(8 + 3 + 2);
    // One case's mail goes out in the order it was queued: only each case's first message
    // (its acknowledgement) is tried; the later ones wait untried.
    const firsts = (list: typeof msgs) => list.filter((m) => m.eventSeq === 1);
    for (const m of msgs) {
      expect(m.status).toBe('queued');
      expect(m.deliveryAttempts.every((a) => a.outcome === 'failed' && a.error)).toBe(true);
    }
    for (const m of firsts(msgs)) expect(m.attempts).toBeGreaterThanOrEqual(3);
    for (const m of msgs.filter((m) => m.eventSeq > 1)) expect(m.attempts).toBe(0);

    // Restart during the outage: the retry state is durable.
    e = await open();
    clock.advance(8000);
    await e.idle();
    const attemptsAfterRestart = firsts(await all()).map((m) => m.attempts);
    expect(Math.min(...attemptsAfterRestart)).toBeGreaterThanOrEqual(4);

    // Back up, but the first 4 messages get a transient 451.
    server = await smtp(port, 4);
    for (let i = 0; i < 40; i++) {
      clock.advance(60_000);
      await e.idle();
      msgs = await all();
      if (msgs.every((m) => m.status === 'sent')) break;
    }
    // Two more cases while the server is up: sent at once.
    for (let i = 8; i < 10; i++) ids.push((await e.createCase('feedback-inquiry', question(i), { actor: car })).view.id);
    await e.idle();
    msgs = await all();

    const expectedIds = msgs.map((m) => `<${m.id.replace(/:/g, '.')}@engine.qazindustry.kz>`).sort();
    const received = [...server.accepted].sort();
    const duplicates = received.length - new Set(received).size;
    const lost = expectedIds.filter((id) => !received.includes(id)).length;
    const attempts = msgs.reduce((n, m) => n + m.deliveryAttempts.length, 0);
    console.log(
      `[smtp outage] messages=${msgs.length} received=${received.length} lost=${lost} duplicates=${duplicates} transient451=${server.rejected} attemptsRecorded=${attempts}`,
    );
    expect(server.rejected).toBe(4);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(received).toEqual(expectedIds);
    for (const m of msgs) {
      expect(m.status).toBe('sent');
      expect(m.attempts).toBe(m.deliveryAttempts.length);
      expect(m.deliveryAttempts.map((a) => a.attempt)).toEqual(m.deliveryAttempts.map((_, i) => i + 1));
      expect(m.deliveryAttempts.slice(0, -1).every((a) => a.outcome === 'failed')).toBe(true);
      expect(m.deliveryAttempts.at(-1)?.outcome).toBe('sent');
    }
    for (const id of ids.slice(0, 3)) {
      const h = await e.history(id);
      expect(h.filter((ev) => ev.type === 'message_delivered')).toHaveLength(1);
      expect((await e.getCase(id)).deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: false });
    }
    for (const id of ids) expect((await e.verify(id)).problems).toEqual([]);
  });
});
