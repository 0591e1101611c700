/**
 * HTTP durable advances: the engine's real server (group commit) vs a naive Fastify +
 * better-sqlite3 server (one synchronous=FULL transaction per request), each in its own
 * child process on 127.0.0.1, driven by autocannon (50 connections) from this process:
 * POST /cases/{id}/events `comment` by rotating staff roles, to 1,000 pre-created cases.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

type Result = Awaited<ReturnType<typeof autocannon>>;
import { fmt, ratio, type PartResult } from './lib/measure.js';
import { commentRequests } from './lib/workload.js';
import { startChild, type Ready } from './servers/child.js';


export interface Run {
  name: string;
  durability: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  perRound: number[];
  p99PerRound: number[];
  /** Server process CPU (user + system) per answered request, ms. */
  cpuMsPerRequest: number;
  /** Server process CPU / wall time (1 = one core busy). */
  cpuShare: number;
}

async function drive(port: number, caseIds: string[], seconds: number, connections: number): Promise<Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    timeout: 30,
    requests: commentRequests(caseIds),
  });
}

/** CPU time (user + system) of a process so far, ms; undefined where /proc is missing. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export interface Server {
  name: string;
  /** How a commit reaches the disk, for the table. */
  durability: string;
  file: string;
  env: Record<string, string>;
}

const SERVERS: Server[] = [
  { name: 'naive Fastify + better-sqlite3', durability: 'FULL: SQLite syncs inside each COMMIT', file: '../naive-server.ts', env: {} },
  {
    name: 'engine server',
    durability: 'FULL (default): SQLite syncs inside each group COMMIT',
    file: 'engine-server.ts',
    env: { SQLITE_SYNCHRONOUS: 'FULL' },
  },
  { name: 'engine server', durability: 'NORMAL: no sync per commit (not durable on power loss)', file: 'engine-server.ts', env: { SQLITE_SYNCHRONOUS: 'NORMAL' } },
];

/**
 * All servers run at once (an idle one costs nothing) so the rounds can alternate
 * (naive, FULL, NORMAL, naive, …): drift of the machine (disk, neighbours) hits all alike.
 * `servers`: the ledger bench (bench/ledger.bench.ts) measures its own set the same way.
 */
export async function measureAll(o: { seconds: number; warmup: number; connections: number; cases: number; rounds: number }, servers: readonly Server[] = SERVERS): Promise<Run[]> {
  const dir = mkdtempSync(join(tmpdir(), 'qi-http-'));
  const started: Awaited<ReturnType<typeof startChild<Ready & { caseIds: string[] }>>>[] = [];
  try {
    for (const [i, s] of servers.entries()) {
      started.push(await startChild<Ready & { caseIds: string[] }>(s.file, { DATABASE: join(dir, `http-${i}.sqlite`), CASES: String(o.cases), ...s.env }));
    }
    for (const s of started) if (o.warmup > 0) await drive(s.ready.port, s.ready.caseIds, o.warmup, o.connections);
    const results: Result[][] = servers.map(() => []);
    const cpu = servers.map(() => 0);
    for (let round = 0; round < o.rounds; round++) {
      for (const [i, s] of started.entries()) {
        const c0 = cpuMs(s.child.pid);
        const r = await drive(s.ready.port, s.ready.caseIds, o.seconds / o.rounds, o.connections);
        const c1 = cpuMs(s.child.pid);
        cpu[i]! += c0 !== undefined && c1 !== undefined ? c1 - c0 : NaN;
        results[i]!.push(r);
        console.log(`http: round ${round + 1}: ${servers[i]!.name}, ${servers[i]!.durability.split(':')[0]}: ${fmt(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return servers.map((s, i) => {
      const rs = results[i]!;
      return {
        name: s.name,
        durability: s.durability,
        reqPerSec: mean(rs.map((r) => r.requests.average)),
        p50: Number(mean(rs.map((r) => r.latency.p50)).toFixed(1)),
        p99: Number(mean(rs.map((r) => r.latency.p99)).toFixed(1)),
        requests: rs.reduce((a, r) => a + r['2xx'], 0),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
        errors: rs.reduce((a, r) => a + r.errors, 0),
        perRound: rs.map((r) => r.requests.average),
        p99PerRound: rs.map((r) => r.latency.p99),
        cpuMsPerRequest: cpu[i]! / Math.max(1, rs.reduce((a, r) => a + r['2xx'] + r.non2xx, 0)),
        cpuShare: cpu[i]! / (o.seconds * 1000),
      };
    });
  } finally {
    for (const s of started) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runHttpBench(o: { seconds?: number; warmup?: number; connections?: number; cases?: number } = {}): Promise<PartResult> {
  const opts = {
    seconds: o.seconds ?? Number(process.env.BENCH_HTTP_SECONDS ?? 20),
    // Short alternating rounds: this machine's speed drifts by ±15% over minutes.
    rounds: 4,
    warmup: o.warmup ?? 2,
    connections: o.connections ?? 50,
    cases: o.cases ?? 1000,
  };
  const [naive, full, normal] = (await measureAll(opts)) as [Run, Run, Run];
  const r = full.reqPerSec / naive.reqPerSec;
  const md = [
    `autocannon, ${opts.connections} connections, ${opts.seconds} s per server in ${opts.rounds} alternating rounds (naive, engine FULL, engine NORMAL, naive, …) after a ${opts.warmup} s warm-up; req/s, p50 and p99 are the means of the rounds. Each server runs in its own child process on 127.0.0.1 (autocannon in the parent); \`POST /cases/{id}/events\` \`comment\` with a bearer token, rotating 5 staff roles over ${opts.cases.toLocaleString('en-US')} pre-created P3 cases. The naive server does per request one \`BEGIN IMMEDIATE\` transaction (read the case, append the event, rewrite a ~1.5 KB snapshot); the engine checks the command, steps the machine, hash-chains the event, syncs timers and answers the full case view, with group commit.`,
    '',
    'The engine with FULL answers a command only once its group commit is on disk. NORMAL is shown for scale only: it may lose the last commits on power loss. Every server runs with the V8 flags of `npm start` (`--max-semi-space-size=64`).',
    '',
    '| server | durability | req/s | p50 ms | p99 ms | 2xx | non-2xx | errors | server CPU ms/request | server CPU busy | vs naive |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...[naive, full, normal].map(
      (x) =>
        `| ${x.name} | ${x.durability} | ${fmt(x.reqPerSec)} | ${x.p50} | ${x.p99} | ${x.requests.toLocaleString('en-US')} | ${x.non2xx} | ${x.errors} | ${fmt(x.cpuMsPerRequest, 3)} | ${Math.round(x.cpuShare * 100)}% | **${ratio(x.reqPerSec, naive.reqPerSec)}** |`,
    ),
    '',
    `Per round, engine FULL / naive: ${full.perRound.map((x, i) => ratio(x, naive.perRound[i]!)).join(', ')}; engine FULL p99 per round: ${full.p99PerRound.join(', ')} ms. Server CPU per request, engine FULL / naive: ${ratio(full.cpuMsPerRequest, naive.cpuMsPerRequest)}. Engine FULL / NORMAL: ${ratio(full.reqPerSec, normal.reqPerSec)}.`,
    '',
    `Targets (engine, FULL): ≥ 1.5× the naive server: ${r >= 1.5 ? 'met' : 'NOT met'} (${ratio(full.reqPerSec, naive.reqPerSec)}); p99 ≤ 25 ms: ${full.p99 <= 25 ? 'met' : 'NOT met'} (${full.p99} ms).`,
  ];
  return {
    markdown: md,
    summary: `engine FULL ${fmt(full.reqPerSec)} req/s (p99 ${full.p99} ms) vs naive ${fmt(naive.reqPerSec)} req/s (p99 ${naive.p99} ms): ${ratio(full.reqPerSec, naive.reqPerSec)}; NORMAL ${fmt(normal.reqPerSec)} req/s`,
  };
}
