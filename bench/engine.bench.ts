/**
 * Durable write throughput of the engine: one commit per command vs group commit, both
 * with `synchronous=FULL` on a file database, in one run.
 *
 *   npx tsx bench/engine.bench.ts [clients] [commandsPerClient]
 *
 * Each of `clients` concurrent clients creates a case, then sends `commandsPerClient`
 * comments one after another (each awaited: answered only after its commit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine } from '../engine/engine.js';
import type { Actor } from '../machines/contract.js';
import { fakeCalendar, makeFakeProcedure, TEST_PROCEDURE } from '../tests/engine/fixtures/fake-procedure.js';

export interface ModeResult {
  commands: number;
  seconds: number;
  commandsPerSecond: number;
  transactions: number;
}
export interface EngineBenchResult {
  clients: number;
  commandsPerClient: number;
  synchronous: 'FULL' | 'NORMAL';
  perCommand: ModeResult;
  groupCommit: ModeResult;
  /** groupCommit.commandsPerSecond / perCommand.commandsPerSecond */
  ratio: number;
}

const car: Actor = { name: 'bench', role: 'car' };
const unit: Actor = { name: 'bench-unit', role: 'unit' };

async function runMode(groupCommit: boolean, clients: number, perClient: number, synchronous: 'FULL' | 'NORMAL'): Promise<ModeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  const engine = await createEngine({
    databasePath: join(dir, 'bench.db'),
    synchronous,
    calendar: fakeCalendar,
    procedures: [makeFakeProcedure()],
    groupCommit,
  });
  try {
    const before = engine.runner.queue.stats.transactions;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const { view } = await engine.createCase(
          TEST_PROCEDURE,
          { applicant: { name: `A${c}`, email: `a${c}@example.kz` }, language: 'ru' },
          { actor: car },
        );
        for (let i = 0; i < perClient; i++) {
          await engine.applyEvent(view.id, { type: 'comment', payload: { text: `c${i}` } }, { actor: unit, expectedSeq: i + 1 });
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const commands = clients * (perClient + 1);
    return {
      commands,
      seconds: Number(seconds.toFixed(3)),
      commandsPerSecond: Math.round(commands / seconds),
      transactions: engine.runner.queue.stats.transactions - before,
    };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runEngineBench(options: { clients?: number; commandsPerClient?: number; synchronous?: 'FULL' | 'NORMAL' } = {}): Promise<EngineBenchResult> {
  const clients = options.clients ?? 100;
  const perClient = options.commandsPerClient ?? 20;
  const synchronous = options.synchronous ?? 'FULL';
  const perCommand = await runMode(false, clients, perClient, synchronous);
  const groupCommit = await runMode(true, clients, perClient, synchronous);
  return {
    clients,
    commandsPerClient: perClient,
    synchronous,
    perCommand,
    groupCommit,
    ratio: Number((groupCommit.commandsPerSecond / perCommand.commandsPerSecond).toFixed(2)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [clients, perClient] = process.argv.slice(2).map(Number);
  const r = await runEngineBench({
    ...(clients ? { clients } : {}),
    ...(perClient ? { commandsPerClient: perClient } : {}),
  });
  console.log(JSON.stringify(r, null, 2));
  console.log(
    `group commit: ${r.groupCommit.commandsPerSecond} cmd/s in ${r.groupCommit.transactions} tx; one commit per command: ${r.perCommand.commandsPerSecond} cmd/s; ratio ${r.ratio}x`,
  );
}
