/**
 * The engine on PostgreSQL, side by side (issue 17 §7 and §3): the http part's workload
 * (bench/http.bench.ts: autocannon, 50 connections, `POST /cases/{id}/events` `comment` by
 * rotating staff roles over 1,000 pre-created P3 cases) against, in the same run and in
 * alternating rounds:
 * - the naive Fastify + `pg` server (bench/naive-pg-server.ts: one transaction per request,
 *   pool 10), 1 process;
 * - the engine server on PostgreSQL (group commit, the default), 1 process;
 * - the same with 2 processes on one database, the load split between them (25 connections
 *   each, both over all 1,000 cases: the commands of one case arrive through both);
 * - the engine server on PostgreSQL with `groupCommit: false` (one transaction per command:
 *   §3's comparison), 1 process;
 * - for reference the engine server on SQLite (synchronous=FULL) as the http part runs it.
 *
 * Each PostgreSQL set-up gets its own throw-away cluster (tests/helpers/pg-cluster.ts,
 * default settings: fsync on, synchronous_commit on, wal_sync_method fdatasync), so that
 * PostgreSQL's own counters belong to one set-up: CPU (user + system, from /proc/<pid>/stat
 * of the postmaster, its live children and its reaped ones) per round, and pg_stat_wal's
 * wal_sync / wal_write (the WAL's fdatasync and write calls) over the whole measurement.
 * A backend reports its counters up to 10 s after it goes idle (PGSTAT_IDLE_INTERVAL), so
 * the counters are read after a settle pause before and after the rounds. The server
 * processes' CPU is that of the Node children. Without PostgreSQL's server binaries the
 * part says so and is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { postgresBin, startCluster, type Cluster } from '../tests/helpers/pg-cluster.js';
import { fmt, median, ratio, type PartResult } from './lib/measure.js';
import { commentRequests } from './lib/workload.js';
import { startChild, type Child, type Ready } from './servers/child.js';

type Result = Awaited<ReturnType<typeof autocannon>>;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One autocannon per port, the connections split between them, all over the same cases. */
async function drive(ports: number[], caseIds: string[], seconds: number, connections: number): Promise<Result[]> {
  return Promise.all(
    ports.map((port, p) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: Math.max(1, Math.round(connections / ports.length)),
        duration: seconds,
        timeout: 30,
        requests: commentRequests(caseIds, p * 104_729),
      }),
    ),
  );
}

/** stat(5) fields after the command: [0] is field 3 (state). */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** CPU (user + system) of a process so far, ms, with its reaped children's when `children`. */
function cpuMs(pid: number | undefined, children = false): number {
  const f = pid === undefined ? undefined : statFields(pid);
  if (!f) return NaN;
  // utime, stime, cutime, cstime: fields 14–17 of stat(5), in clock ticks (100 per second on Linux).
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / 100;
}

/**
 * A cluster's CPU so far, ms: the postmaster's own and its reaped children's (backends
 * that exited, the pool's idle ones), plus every live child's (backends, walwriter,
 * checkpointer, …).
 */
function clusterCpuMs(cluster: Cluster): number {
  const pm = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuMs(pm, true);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(Number(d));
    if (f && Number(f[1]) === pm) total += cpuMs(Number(d)) || 0;
  }
  return total;
}

interface WalStats {
  walWrite: number;
  walSync: number;
  walBytes: number;
}

/** pg_stat_wal through psql (the bench itself stays off the driver; see eslint.config.js). */
function walStats(cluster: Cluster): WalStats {
  const out = execFileSync(join(postgresBin(), 'psql'), [cluster.url, '-XAtq', '-c', 'select wal_write, wal_sync, wal_bytes from pg_stat_wal'], { encoding: 'utf8' });
  const [walWrite, walSync, walBytes] = out.trim().split('|').map(Number) as [number, number, number];
  return { walWrite, walSync, walBytes };
}

interface Setup {
  key: string;
  name: string;
  storage: string;
  /** The processes' environments (PostgreSQL URL filled in by the part). */
  processes: Record<string, string>[];
  file: string;
  postgres: boolean;
}

const SETUPS: Setup[] = [
  { key: 'naive', name: 'naive Fastify + pg, 1 process', storage: 'PostgreSQL, one transaction per request, pool 10', file: '../naive-pg-server.ts', processes: [{}], postgres: true },
  { key: 'pg1', name: 'engine, 1 process', storage: 'PostgreSQL, group commit (default)', file: 'engine-server.ts', processes: [{}], postgres: true },
  { key: 'pg2', name: 'engine, 2 processes', storage: 'PostgreSQL (one database), group commit', file: 'engine-server.ts', processes: [{}, { CASES: '0' }], postgres: true },
  { key: 'pgpc', name: 'engine, 1 process', storage: 'PostgreSQL, one transaction per command (`groupCommit: false`)', file: 'engine-server.ts', processes: [{ GROUP_COMMIT: '0' }], postgres: true },
  { key: 'sqlite', name: 'engine, 1 process', storage: 'SQLite synchronous=FULL, group commit (the http part)', file: 'engine-server.ts', processes: [{ SQLITE_SYNCHRONOUS: 'FULL' }], postgres: false },
];

interface Measured {
  setup: Setup;
  perRound: number[];
  p50: number[];
  p99: number[];
  requests: number;
  non2xx: number;
  errors: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  wal?: WalStats;
}

export async function runPostgresBench(o: { seconds?: number; warmup?: number; connections?: number; cases?: number; rounds?: number } = {}): Promise<PartResult> {
  let bin: string | undefined;
  try {
    bin = postgresBin();
  } catch {
    bin = undefined;
  }
  if (!bin || !existsSync(join(bin, 'initdb'))) {
    console.log('postgres: skipped: no PostgreSQL server binaries');
    return { markdown: ['skipped: no PostgreSQL server binaries (apt-get install postgresql, or set PG_BIN)'], summary: 'skipped: no PostgreSQL server binaries' };
  }
  const opts = {
    seconds: o.seconds ?? Number(process.env.BENCH_PG_SECONDS ?? 20),
    rounds: o.rounds ?? Number(process.env.BENCH_PG_ROUNDS ?? 4),
    warmup: o.warmup ?? 2,
    connections: o.connections ?? 50,
    cases: o.cases ?? 1000,
    settleMs: 11_000,
  };
  const load = os.loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'qi-pg-bench-'));
  const clusters = new Map<string, Cluster>();
  const children = new Map<string, Child<Ready & { caseIds: string[] }>[]>();
  try {
    for (const s of SETUPS) {
      const cluster = s.postgres ? await startCluster() : undefined;
      if (cluster) clusters.set(s.key, cluster);
      const started: Child<Ready & { caseIds: string[] }>[] = [];
      // One after the other: the first process migrates and creates the cases, the next ones find them.
      for (const env of s.processes) {
        const base: Record<string, string> = cluster ? { DATABASE_URL: cluster.url, DATABASE_POOL_SIZE: '10' } : { DATABASE_URL: '', DATABASE: join(dir, `${s.key}.sqlite`) };
        started.push(await startChild<Ready & { caseIds: string[] }>(s.file, { ...base, CASES: String(opts.cases), ...env }));
      }
      children.set(s.key, started);
    }
    const ports = (key: string) => children.get(key)!.map((c) => c.ready.port);
    const caseIds = (key: string) => children.get(key)![0]!.ready.caseIds;
    for (const s of SETUPS) if (opts.warmup > 0) await drive(ports(s.key), caseIds(s.key), opts.warmup, opts.connections);
    await sleep(opts.settleMs);
    const wal0 = new Map([...clusters].map(([k, c]) => [k, walStats(c)]));
    const m: Measured[] = SETUPS.map((setup) => ({ setup, perRound: [], p50: [], p99: [], requests: 0, non2xx: 0, errors: 0, serverCpuMs: 0, postgresCpuMs: 0 }));
    for (let round = 0; round < opts.rounds; round++) {
      for (const x of m) {
        const key = x.setup.key;
        const pids = children.get(key)!.map((c) => c.child.pid);
        const cluster = clusters.get(key);
        const s0 = sum(pids.map((p) => cpuMs(p)));
        const p0 = cluster ? clusterCpuMs(cluster) : 0;
        const rs = await drive(ports(key), caseIds(key), opts.seconds / opts.rounds, opts.connections);
        x.serverCpuMs += sum(pids.map((p) => cpuMs(p))) - s0;
        x.postgresCpuMs += cluster ? clusterCpuMs(cluster) - p0 : 0;
        const rps = rs.reduce((a, r) => a + r.requests.average, 0);
        x.perRound.push(rps);
        x.p50.push(mean(rs.map((r) => r.latency.p50)));
        x.p99.push(Math.max(...rs.map((r) => r.latency.p99)));
        for (const r of rs) {
          x.requests += r['2xx'];
          x.non2xx += r.non2xx;
          x.errors += r.errors;
        }
        console.log(`postgres: round ${round + 1}: ${x.setup.name}, ${x.setup.storage.split(',')[0]}: ${fmt(rps)} req/s, p99 ${x.p99.at(-1)} ms, ${rs.reduce((a, r) => a + r.non2xx, 0)} non-2xx, ${rs.reduce((a, r) => a + r.errors, 0)} errors`);
      }
    }
    await sleep(opts.settleMs);
    for (const x of m) {
      const c = clusters.get(x.setup.key);
      if (!c) continue;
      const a = wal0.get(x.setup.key)!;
      const b = walStats(c);
      x.wal = { walWrite: b.walWrite - a.walWrite, walSync: b.walSync - a.walSync, walBytes: b.walBytes - a.walBytes };
    }
    return report(m, opts, load);
  } finally {
    for (const cs of children.values()) for (const c of cs) await c.stop();
    for (const c of clusters.values()) c.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(m: Measured[], opts: { seconds: number; rounds: number; warmup: number; connections: number; cases: number }, load: number): PartResult {
  const by = (key: string) => m.find((x) => x.setup.key === key)!;
  const [naive, pg1, pg2, pgpc, sqlite] = [by('naive'), by('pg1'), by('pg2'), by('pgpc'), by('sqlite')];
  const rps = (x: Measured) => mean(x.perRound);
  const answered = (x: Measured) => Math.max(1, x.requests + x.non2xx);
  const perRoundRatio = (x: Measured, base: Measured) => x.perRound.map((v, i) => v / base.perRound[i]!);
  const r1 = perRoundRatio(pg1, naive);
  const r2 = perRoundRatio(pg2, naive);
  const gc = perRoundRatio(pg1, pgpc);
  const per = (x: Measured, n: number | undefined) => (n === undefined ? '–' : fmt(n / answered(x), 3));
  const md = [
    `autocannon, ${opts.connections} connections, ${opts.seconds} s per set-up in ${opts.rounds} alternating rounds after a ${opts.warmup} s warm-up: the http part's workload (\`POST /cases/{id}/events\` \`comment\` with a bearer token, rotating 5 staff roles over ${opts.cases.toLocaleString('en-US')} pre-created P3 cases). Each server process is a child process on 127.0.0.1 (autocannon in the parent); with 2 processes, each gets half the connections, both over all the cases (one database: a case's commands arrive through both). Each PostgreSQL set-up has its own throw-away PostgreSQL ${pgVersion()} cluster with the default settings (fsync on, synchronous_commit on): every COMMIT the servers answer after is on disk. The naive server does per request one transaction (\`select … for update\` of the case, insert the event, rewrite the ~1.5 KB snapshot, COMMIT) on a pool of 10; the engine checks the command, steps the machine, hash-chains the event, appends to the transparency log, syncs timers and answers the full case view, with group commit (pool of 10 per process). Load average at the start: ${load.toFixed(2)} (${os.cpus().length} CPUs).`,
    '',
    'req/s and p50 are the means of the rounds, p99 the mean of each round\'s worst p99. CPU: the server processes\' and PostgreSQL\'s own (postmaster, backends, WAL writer, checkpointer; from /proc/<pid>/stat) over the rounds, per answered request. WAL syncs and writes: pg_stat_wal\'s `wal_sync` and `wal_write` over the whole measurement, per answered request.',
    '',
    '| server | storage | req/s | p50 ms | p99 ms | 2xx | non-2xx | errors | server CPU ms/req | PostgreSQL CPU ms/req | WAL syncs/req | WAL writes/req | WAL bytes/req | vs naive |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...m.map(
      (x) =>
        `| ${x.setup.name} | ${x.setup.storage} | ${fmt(rps(x))} | ${mean(x.p50).toFixed(1)} | ${mean(x.p99).toFixed(1)} | ${x.requests.toLocaleString('en-US')} | ${x.non2xx} | ${x.errors} | ${fmt(x.serverCpuMs / answered(x), 3)} | ${x.setup.postgres ? fmt(x.postgresCpuMs / answered(x), 3) : '–'} | ${per(x, x.wal?.walSync)} | ${per(x, x.wal?.walWrite)} | ${x.wal ? Math.round(x.wal.walBytes / answered(x)).toLocaleString('en-US') : '–'} | **${ratio(rps(x), rps(naive))}** |`,
    ),
    '',
    `Per round, engine on PostgreSQL / naive: 1 process ${r1.map((v) => `${v.toFixed(2)}×`).join(', ')} (median **${median(r1).toFixed(2)}×**); 2 processes ${r2.map((v) => `${v.toFixed(2)}×`).join(', ')} (median **${median(r2).toFixed(2)}×**). 2 processes / 1 process: ${ratio(rps(pg2), rps(pg1))}. Engine on PostgreSQL (1 process) / engine on SQLite: ${ratio(rps(pg1), rps(sqlite))}.`,
    '',
    `Group commit on PostgreSQL (§3): many commands in one transaction ${fmt(rps(pg1))} req/s against one transaction per command ${fmt(rps(pgpc))} req/s: per round ${gc.map((v) => `${v.toFixed(2)}×`).join(', ')} (median **${median(gc).toFixed(2)}×**), ${median(gc) >= 1 ? 'group commit is faster and stays the default' : 'one transaction per command is faster'}. One transaction per command cannot lean on PostgreSQL's own commit grouping: a process runs one batch at a time, and every batch of every process takes the log's head row first, so the next transaction waits for the previous COMMIT's flush (WAL syncs per request above).`,
    '',
    `Target (engine on PostgreSQL, 1 process, ≥ 1.5× the naive PostgreSQL server): ${median(r1) >= 1.5 ? 'met' : 'NOT met'} (median ${median(r1).toFixed(2)}×; 2 processes ${median(r2).toFixed(2)}×).`,
  ];
  return {
    markdown: md,
    summary: `engine on PostgreSQL ${fmt(rps(pg1))} req/s (1 process), ${fmt(rps(pg2))} (2 processes) vs naive pg ${fmt(rps(naive))}: median ${median(r1).toFixed(2)}× / ${median(r2).toFixed(2)}×; group commit / per command ${median(gc).toFixed(2)}×; SQLite engine ${fmt(rps(sqlite))}`,
  };
}

function pgVersion(): string {
  try {
    // `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`
    return /\(PostgreSQL\) (\S+)/.exec(execFileSync(join(postgresBin(), 'postgres'), ['--version'], { encoding: 'utf8' }))?.[1] ?? '';
  } catch {
    return '';
  }
}
