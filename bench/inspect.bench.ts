/**
 * Cost of the live inspector on the engine's command path: the same workload with the
 * commit observer off (INSPECT unset: one null check) and on (the real inspector server
 * on 127.0.0.1 with one connected WebSocket client receiving every message), in one run.
 *
 *   npx tsx bench/inspect.bench.ts [clients] [commandsPerClient]
 *
 * Each of `clients` concurrent clients creates a P4 blog-question case, then sends
 * `commandsPerClient` comments one after another (each awaited). SQLite synchronous=NORMAL,
 * so the commands are CPU-bound and the observer's share is visible, not hidden by fsync.
 * The modes alternate (off, on, off, on, …) and the best round of each counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { loadKzCalendar } from '../calendars/index.js';
import { createEngine } from '../engine/engine.js';
import { engineMachines, startInspectorServer } from '../inspector/index.js';
import type { Actor } from '../machines/contract.js';
import { procedures } from '../machines/index.js';

export interface InspectModeResult {
  commands: number;
  seconds: number;
  commandsPerSecond: number;
  /** Inspection messages the client received (0 when off). */
  messages: number;
}
export interface InspectBenchResult {
  clients: number;
  commandsPerClient: number;
  rounds: number;
  off: InspectModeResult;
  on: InspectModeResult;
  /** on.commandsPerSecond / off.commandsPerSecond */
  ratio: number;
}

const press: Actor = { name: 'bench-press', role: 'press_secretary' };
const car: Actor = { name: 'bench-car', role: 'car' };
const calendar = loadKzCalendar();

async function runMode(inspect: boolean, clients: number, perClient: number): Promise<InspectModeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'inspect-bench-'));
  const engine = await createEngine({ databasePath: join(dir, 'bench.db'), synchronous: 'NORMAL', calendar, procedures });
  const inspector = inspect ? await startInspectorServer({ port: 0, machineOf: engineMachines(engine) }) : undefined;
  let messages = 0;
  let client: WebSocket | undefined;
  try {
    if (inspector) {
      client = new WebSocket(inspector.url);
      client.on('message', () => messages++);
      await new Promise<void>((resolve, reject) => {
        client!.once('open', () => resolve());
        client!.once('error', reject);
      });
      engine.observe(inspector.observe);
    }
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const { view } = await engine.createCase(
          'blog-question',
          { channel: 'blog', author: { name: `Author ${c}` }, language: 'ru', text: `Question ${c}` },
          { actor: press },
        );
        for (let i = 0; i < perClient; i++) {
          await engine.applyEvent(view.id, { type: 'comment', payload: { text: `comment ${i}` } }, { actor: car });
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const commands = clients * (perClient + 1);
    if (inspector) {
      // Every command's messages must have reached the client: the work was really done.
      const expected = clients + 2 * commands;
      const until = Date.now() + 10_000;
      while (messages < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      if (messages < expected) throw new Error(`inspect bench: the client got ${messages} of ${expected} messages`);
    }
    return { commands, seconds: Number(seconds.toFixed(3)), commandsPerSecond: Math.round(commands / seconds), messages };
  } finally {
    client?.close();
    await inspector?.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureInspect(options: { clients?: number; commandsPerClient?: number; rounds?: number } = {}): Promise<InspectBenchResult> {
  const clients = options.clients ?? 100;
  const perClient = options.commandsPerClient ?? 20;
  const rounds = options.rounds ?? 3;
  await runMode(false, 5, 2); // warm-up: module loading, JIT
  let off: InspectModeResult | undefined;
  let on: InspectModeResult | undefined;
  for (let i = 0; i < rounds; i++) {
    const a = await runMode(false, clients, perClient);
    const b = await runMode(true, clients, perClient);
    if (!off || a.commandsPerSecond > off.commandsPerSecond) off = a;
    if (!on || b.commandsPerSecond > on.commandsPerSecond) on = b;
  }
  return { clients, commandsPerClient: perClient, rounds, off: off!, on: on!, ratio: Number((on!.commandsPerSecond / off!.commandsPerSecond).toFixed(2)) };
}

/** The bench part for bench/run.ts. */
export async function runInspectBench(): Promise<{ markdown: string[]; summary: string }> {
  const r = await measureInspect();
  const row = (name: string, m: InspectModeResult) => `| ${name} | ${m.commands} | ${m.seconds} | ${m.commandsPerSecond.toLocaleString('en-US')} | ${m.messages} |`;
  return {
    markdown: [
      `${r.clients} concurrent clients × (1 create + ${r.commandsPerClient} comments), P4 machine, SQLite synchronous=NORMAL; best of ${r.rounds} alternating rounds.`,
      '',
      '| commit observer | commands | seconds | commands/s | inspection messages |',
      '|---|---|---|---|---|',
      row('off (INSPECT unset)', r.off),
      row('on (inspector + 1 WebSocket client)', r.on),
      '',
      `With the inspector on, the engine runs at **${Math.round(r.ratio * 100)}%** of its throughput with it off (ratio ${r.ratio}).`,
    ],
    summary: `inspector on: ${r.on.commandsPerSecond} cmd/s, off: ${r.off.commandsPerSecond} cmd/s; ratio ${r.ratio}`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [clients, perClient] = process.argv.slice(2).map(Number);
  const r = await measureInspect({ ...(clients ? { clients } : {}), ...(perClient ? { commandsPerClient: perClient } : {}) });
  console.log(JSON.stringify(r, null, 2));
}
