/**
 * `npm run bench`: runs every benchmark part, prints the ratios against baselines measured
 * in the same run, and writes bench/RESULTS.md with the machine description and date.
 * Parts: `npm run bench -- calendar http` runs only the named parts
 * (calendar, engine, inspect, http, replay, queues, pages, peer, startup, reminders, reports, ledger, postgres).
 * `postgres` needs PostgreSQL's server binaries (Debian's postgresql, or PG_BIN): it starts
 * throw-away clusters of its own; without them it says it was skipped.
 * BENCH_CACHE_DIR keeps the large generated databases between runs (default: a temp
 * directory removed at the end).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCalendarBench } from './calendar.bench.js';
import { cleanupDatasets } from './lib/dataset.js';
import type { PartResult } from './lib/measure.js';

interface Section {
  title: string;
  lines: string[];
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** The engine part's own result shape (bench/engine.bench.ts), rendered here. */
interface EngineBenchResult {
  clients: number;
  commandsPerClient: number;
  synchronous: string;
  perCommand: { commands: number; seconds: number; commandsPerSecond: number; transactions: number };
  groupCommit: { commands: number; seconds: number; commandsPerSecond: number; transactions: number };
  ratio: number;
}

function engineMarkdown(r: EngineBenchResult): PartResult {
  return {
    markdown: [
      `${r.clients} concurrent clients, each creates a case then sends ${r.commandsPerClient} comments one after another (each awaited), synchronous=${r.synchronous}, file database, the test procedure of tests/engine/fixtures.`,
      '',
      '| mode | commands | seconds | commands/s | transactions | ratio |',
      '|---|---|---|---|---|---|',
      `| one commit per command | ${r.perCommand.commands} | ${r.perCommand.seconds} | ${fmt(r.perCommand.commandsPerSecond)} | ${r.perCommand.transactions} | 1.00× |`,
      `| group commit | ${r.groupCommit.commands} | ${r.groupCommit.seconds} | ${fmt(r.groupCommit.commandsPerSecond)} | ${r.groupCommit.transactions} | **${r.ratio.toFixed(2)}×** |`,
    ],
    summary: `group commit ${fmt(r.groupCommit.commandsPerSecond)} cmd/s vs ${fmt(r.perCommand.commandsPerSecond)} one commit per command: ${r.ratio.toFixed(2)}×`,
  };
}

/** Loads an optional part through a variable specifier (a missing file is tolerated). */
async function optional(file: string, fn: string): Promise<(() => Promise<unknown>) | undefined> {
  try {
    const mod = (await import(file)) as Record<string, unknown>;
    const f = mod[fn];
    return typeof f === 'function' ? (f as () => Promise<unknown>) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(file.replace('./', ''))) return undefined;
    throw error;
  }
}

const PARTS: { id: string; title: string; load: () => Promise<(() => Promise<unknown>) | undefined> }[] = [
  { id: 'engine', title: 'Engine: durable commands, group commit vs one commit per command', load: () => optional('./engine.bench.js', 'runEngineBench') },
  { id: 'inspect', title: 'Inspector: cost of the live inspector on the command path', load: () => optional('./inspect.bench.js', 'runInspectBench') },
  { id: 'http', title: 'HTTP: durable advances through the real server vs a naive Fastify + better-sqlite3 server', load: async () => (await import('./http.bench.js')).runHttpBench },
  { id: 'replay', title: 'Replay and verify of long cases (100,000 events)', load: async () => (await import('./replay.bench.js')).runReplayBench },
  { id: 'queues', title: 'Work queues over 1,000,000 cases: overdue list and "my queue"', load: async () => (await import('./queues.bench.js')).runQueuesBench },
  { id: 'pages', title: 'Staff pages: the queue page of 50 rows over 100,000 cases vs the JSON list of the same rows', load: async () => (await import('./pages.bench.js')).runPagesBench },
  { id: 'peer', title: 'Peer: the P3 flow in bpmn-engine + SQLite vs our engine', load: async () => (await import('./peer.bench.js')).runPeerBench },
  { id: 'reminders', title: 'Reminders: staff reminders per second through the outbox vs applicant mail', load: async () => (await import('./reminders.bench.js')).runRemindersBench },
  { id: 'startup', title: 'Start-up time: 1,000,000 cases vs an empty database', load: async () => (await import('./startup.bench.js')).runStartupBench },
  { id: 'ledger', title: 'Transparency log: its cost on HTTP advances (log on vs off) and `ledger verify` over 1,000,000 entries', load: async () => (await import('./ledger.bench.js')).runLedgerBench },
  { id: 'postgres', title: 'PostgreSQL: the engine with 1 and 2 processes vs a naive Fastify + pg server; group commit vs one transaction per command', load: async () => (await import('./postgres.bench.js')).runPostgresBench },
  { id: 'reports', title: 'On-time report over 100,000 cases: the deadline ledger vs scanning the cases\' contexts', load: async () => (await import('./reports.bench.js')).runReportsBench },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (part: string) => only.length === 0 || only.includes(part);
  const sections: Section[] = [];
  const started = performance.now();

  if (want('calendar')) {
    const rows = runCalendarBench();
    const lines = [
      '| operation | indexed ops/s | naive luxon loop ops/s | ratio |',
      '|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${fmt(r.indexedOpsPerSec)} | ${fmt(r.naiveOpsPerSec)} | **${r.ratio.toFixed(0)}×** |`),
      '',
      `Target ≥ 100×: ${rows.every((r) => r.ratio >= 100) ? 'met' : 'NOT met'}. Both implementations are checked to agree on all ${rows[0]?.inputs} inputs first.`,
    ];
    sections.push({ title: 'Calendar: deadlines vs a naive luxon day-by-day loop', lines });
    for (const r of rows) console.log(`calendar: ${r.name}: ${r.ratio.toFixed(0)}× (${fmt(r.indexedOpsPerSec)} vs ${fmt(r.naiveOpsPerSec)} ops/s)`);
  }

  try {
    for (const part of PARTS) {
      if (!want(part.id)) continue;
      const t = performance.now();
      try {
        const run = await part.load();
        if (!run) continue;
        const raw = await run();
        const r = raw && typeof raw === 'object' && 'markdown' in raw ? (raw as PartResult) : engineMarkdown(raw as EngineBenchResult);
        const took = ((performance.now() - t) / 1000).toFixed(0);
        sections.push({ title: part.title, lines: [...r.markdown, '', `_Part took ${took} s._`] });
        console.log(`${part.id}: ${r.summary} (${took} s)`);
      } catch (error) {
        process.exitCode = 1;
        console.error(`${part.id}: FAILED`, error);
        sections.push({ title: part.title, lines: [`FAILED: ${error instanceof Error ? error.message : String(error)}`] });
      }
    }
  } finally {
    cleanupDatasets();
  }

  const cpus = os.cpus();
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${only.length ? ` -- ${only.join(' ')}` : ''}\` on ${new Date().toISOString()} (${((performance.now() - started) / 1000).toFixed(0)} s).`,
    '',
    `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}.`,
    'These machines are noisy: compare the ratios (measured against a baseline in the same run), not absolute numbers.',
    '',
  ];
  const body = sections.flatMap((s) => [`## ${s.title}`, '', ...s.lines, '']);
  writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), [...header, ...body].join('\n'));
  console.log('wrote bench/RESULTS.md');
}

main().catch((error: unknown) => {
  console.error(error);
  cleanupDatasets();
  process.exit(1);
});
