/**
 * The transparency log's cost (issue 16 §7; docs/audit.md "The log (issue 16)").
 *
 * 1. HTTP: the http part's workload (bench/http.bench.ts: autocannon, 50 connections,
 *    `comment` advances to 1,000 P3 cases) against three servers run at once in alternating
 *    rounds: the naive server, the engine server with the log on (the default; with a ledger
 *    key and a checkpoint directory, so it signs checkpoints as production does) and the
 *    same server with `ledger: { enabled: false }` (the bench-only baseline). Both engines
 *    at synchronous=FULL. The figure is engine/naive with the log over engine/naive without.
 * 2. Engine only (no HTTP): 50 in-process clients sending comments, log on vs off, in
 *    alternating rounds: the log's cost on the command path without the server around it.
 * 3. `ledger verify` over ≥ 1,000,000 entries: 1,000 P3 cases × 1,000 events (created,
 *    register, assign, 995 comments, answer, approval) written through the engine with group
 *    commit (1,000 concurrent clients; synchronous=NORMAL: a fixture, durability is not what
 *    is measured), plus their messages; one checkpoint signed at the end. Then the database
 *    is opened read-only as the audit CLI does and engine/ledger/verify.ts `verifyLedger`
 *    runs with that checkpoint and the public key. The tree part (every entry read, hashed,
 *    folded, compared with the checkpoint) is timed to the first case's progress report;
 *    the per-case part (chain, replay, stored state and records against their entries) is
 *    the rest. BENCH_CACHE_DIR keeps the database between runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKzCalendar } from '../calendars/index.js';
import { openAuditStore } from '../engine/audit.js';
import { createEngine, type Engine } from '../engine/index.js';
import { verifyLedger } from '../engine/ledger/index.js';
import { generatePrivateKeyPem, loadPrivateKey, publicKeyPem, loadPublicKey } from '../lib/signed-note.js';
import { legacyProcedures, procedures } from '../machines/index.js';
import type { Actor } from '../machines/contract.js';
import { measureAll, type Run, type Server } from './http.bench.js';
import { benchTempDir, P3_STEPS, question } from './lib/dataset.js';
import { fmt, ratio, type PartResult } from './lib/measure.js';

const COMMENTERS: Actor[] = ['car', 'supervisor', 'unit', 'chairman', 'press_secretary'].map((role) => ({ name: `${role}-user`, role }) as Actor);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function httpPart(dir: string, keyFile: string): Promise<{ md: string[]; summary: string; logRatio: number }> {
  const servers: Server[] = [
    { name: 'naive Fastify + better-sqlite3', durability: 'FULL', file: '../naive-server.ts', env: {} },
    { name: 'engine server, log on (default)', durability: 'FULL', file: 'engine-server.ts', env: { SQLITE_SYNCHRONOUS: 'FULL', LEDGER_KEY_FILE: keyFile, LEDGER_CHECKPOINTS: join(dir, 'checkpoints') } },
    { name: 'engine server, log off (bench baseline)', durability: 'FULL', file: 'engine-server.ts', env: { SQLITE_SYNCHRONOUS: 'FULL', LEDGER: 'off' } },
  ];
  const opts = { seconds: Number(process.env.BENCH_LEDGER_HTTP_SECONDS ?? 30), rounds: 6, warmup: 2, connections: 50, cases: 1000 };
  const [naive, on, off] = (await measureAll(opts, servers)) as [Run, Run, Run];
  const rOn = on.reqPerSec / naive.reqPerSec;
  const rOff = off.reqPerSec / naive.reqPerSec;
  const logRatio = rOn / rOff;
  const perRound = on.perRound.map((x, i) => (x / naive.perRound[i]!) / (off.perRound[i]! / naive.perRound[i]!));
  const md = [
    `The http part's workload (autocannon, ${opts.connections} connections, \`POST /cases/{id}/events\` \`comment\` over ${opts.cases.toLocaleString('en-US')} P3 cases), ${opts.seconds} s per server in ${opts.rounds} alternating rounds after a ${opts.warmup} s warm-up, all at synchronous=FULL. "Log on" is the default engine with a ledger key and LEDGER_CHECKPOINTS (a checkpoint signed every 10,000 entries, as in production); "log off" is \`ledger: { enabled: false }\`, which only the benchmark uses.`,
    '',
    '| server | req/s | p50 ms | p99 ms | 2xx | non-2xx | errors | server CPU ms/request | vs naive |',
    '|---|---|---|---|---|---|---|---|---|',
    ...[naive, on, off].map(
      (x) => `| ${x.name} | ${fmt(x.reqPerSec)} | ${x.p50} | ${x.p99} | ${x.requests.toLocaleString('en-US')} | ${x.non2xx} | ${x.errors} | ${fmt(x.cpuMsPerRequest, 3)} | **${ratio(x.reqPerSec, naive.reqPerSec)}** |`,
    ),
    '',
    `Engine/naive with the log: ${ratio(on.reqPerSec, naive.reqPerSec)}; without: ${ratio(off.reqPerSec, naive.reqPerSec)}; with / without: **${logRatio.toFixed(2)}** (per round: ${perRound.map((x) => x.toFixed(2)).join(', ')}). Server CPU per request, log on / off: ${ratio(on.cpuMsPerRequest, off.cpuMsPerRequest)}.`,
    '',
    `Target (issue 16): the ratio with the log ≥ 0.9 × the ratio without: ${logRatio >= 0.9 ? 'met' : 'NOT met'} (${logRatio.toFixed(2)}).`,
  ];
  return { md, summary: `HTTP engine/naive ${rOn.toFixed(2)}× with the log, ${rOff.toFixed(2)}× without (${logRatio.toFixed(2)})`, logRatio };
}

async function enginePart(dir: string): Promise<{ md: string[]; summary: string }> {
  const clients = 50;
  const perClient = 200;
  const rounds = 5;
  const open = (log: boolean, i: number) =>
    createEngine({ databasePath: join(dir, `engine-${log ? 'on' : 'off'}-${i}.sqlite`), synchronous: 'FULL', calendar: loadKzCalendar(), procedures, ...(log ? {} : { ledger: { enabled: false } }) });
  const once = async (log: boolean, i: number) => {
    const engine = await open(log, i);
    try {
      const ids = await Promise.all(Array.from({ length: clients }, async () => (await engine.createCase('feedback-inquiry', question, { actor: { name: 'car-user', role: 'car' } })).view.id));
      const t = performance.now();
      await Promise.all(
        ids.map(async (id) => {
          for (let k = 0; k < perClient; k++) {
            await engine.applyEvent(id, { type: 'comment', payload: { text: `Комментарий ${k}: уточнение по делу.` } }, { actor: COMMENTERS[k % COMMENTERS.length]! });
          }
        }),
      );
      return (clients * perClient) / ((performance.now() - t) / 1000);
    } finally {
      await engine.close();
    }
  };
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < rounds; i++) {
    off.push(await once(false, i));
    on.push(await once(true, i));
  }
  const r = mean(on) / mean(off);
  return {
    md: [
      `In-process (no HTTP), ${clients} clients × ${perClient} comments each awaited, group commit, synchronous=FULL, a fresh database per round, ${rounds} alternating rounds: log off ${fmt(mean(off))} commands/s, log on ${fmt(mean(on))} commands/s: **${r.toFixed(2)}** (per round: ${on.map((x, i) => (x / off[i]!).toFixed(2)).join(', ')}).`,
    ],
    summary: `engine only ${r.toFixed(2)}`,
  };
}

/** The 1,000,000-entry database (built once; kept with BENCH_CACHE_DIR), its key and its checkpoint. */
async function logDataset(cases: number, perCase: number): Promise<{ path: string; keyPem: string; note: string; buildSeconds?: number; entries: number }> {
  const base = join(benchTempDir(), `ledger-${cases}x${perCase}`);
  const path = `${base}.sqlite`;
  if (existsSync(`${base}.checkpoint`)) {
    const head = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { entries: number };
    return { path, keyPem: readFileSync(`${base}.pem`, 'utf8'), note: readFileSync(`${base}.checkpoint`, 'utf8'), entries: head.entries };
  }
  rmSync(path, { force: true });
  const keyPem = generatePrivateKeyPem();
  const engine: Engine = await createEngine({
    databasePath: path,
    synchronous: 'NORMAL',
    calendar: loadKzCalendar(),
    procedures,
    ledger: { keyPem, checkpointEveryMs: 0, checkpointEveryEntries: Number.MAX_SAFE_INTEGER },
  });
  try {
    const t0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: cases }, async () => {
        const { view } = await engine.createCase('feedback-inquiry', question, { actor: { name: 'car-user', role: 'car' } });
        const [register, assign, answer, approve] = P3_STEPS;
        for (const [type, payload, actor] of [register!, assign!]) await engine.applyEvent(view.id, { type, payload }, { actor });
        for (let i = 0; i < perCase - 5; i++) {
          await engine.applyEvent(view.id, { type: 'comment', payload: { text: `Комментарий ${i}: уточнение по делу.` } }, { actor: COMMENTERS[i % COMMENTERS.length]! });
        }
        for (const [type, payload, actor] of [answer!, approve!]) await engine.applyEvent(view.id, { type, payload }, { actor });
        if (++done % 100 === 0) console.log(`ledger: ${done} of ${cases} cases written (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }),
    );
    const buildSeconds = (performance.now() - t0) / 1000;
    const cp = await engine.ledger.signCheckpoint();
    writeFileSync(`${base}.pem`, keyPem);
    writeFileSync(`${base}.json`, JSON.stringify({ entries: cp.size }));
    writeFileSync(`${base}.checkpoint`, cp.note);
    return { path, keyPem, note: cp.note, buildSeconds, entries: cp.size };
  } finally {
    await engine.close();
  }
}

async function verifyPart(): Promise<{ md: string[]; summary: string }> {
  const cases = Number(process.env.BENCH_LEDGER_CASES ?? 1000);
  const perCase = 1000;
  const ds = await logDataset(cases, perCase);
  console.log(`ledger: the log holds ${ds.entries.toLocaleString('en-US')} entries${ds.buildSeconds !== undefined ? ` (written in ${ds.buildSeconds.toFixed(0)} s)` : ''}; verifying`);
  const store = await openAuditStore({ databasePath: ds.path, calendar: loadKzCalendar(), procedures, legacyModules: legacyProcedures });
  try {
    const publicKey = loadPublicKey(publicKeyPem(loadPrivateKey(ds.keyPem)));
    const t0 = performance.now();
    let treeDone: number | undefined;
    const r = await verifyLedger({
      read: store.storage.read,
      registry: store.registry,
      deps: store.calendars,
      checkpoints: [{ source: 'bench.checkpoint', note: ds.note }],
      publicKey,
      onProgress: (done, total) => {
        treeDone ??= performance.now();
        if (done % 100 === 0) console.log(`ledger: verify: ${done} of ${total} cases`);
      },
    });
    const total = (performance.now() - t0) / 1000;
    const tree = ((treeDone ?? performance.now()) - t0) / 1000;
    const perCaseSeconds = total - tree;
    if (!r.ok) throw new Error(`ledger verify found ${r.problems.length} problem(s) in an untouched database: ${r.problems[0]?.message}`);
    const rate = (n: number, s: number) => fmt(n / s);
    return {
      md: [
        `${cases.toLocaleString('en-US')} P3 cases × ${perCase.toLocaleString('en-US')} events written through the engine (group commit, ${cases.toLocaleString('en-US')} concurrent clients, synchronous=NORMAL: a fixture) with their messages: a log of **${ds.entries.toLocaleString('en-US')} entries**${ds.buildSeconds !== undefined ? `, written in ${ds.buildSeconds.toFixed(0)} s (${rate(ds.entries, ds.buildSeconds)} entries/s)` : ' (database reused from BENCH_CACHE_DIR)'}; one checkpoint signed at the end. \`verifyLedger\` (what \`npm run audit -- ledger verify --checkpoint … --public-key …\` runs) on the database opened read-only:`,
        '',
        '| part | seconds | entries/s |',
        '|---|---|---|',
        `| the tree: every entry read (pages of 10,000), leaf hash recomputed, folded, the root compared with the checkpoint | ${tree.toFixed(1)} | ${rate(ds.entries, tree)} |`,
        `| every case: hash chain, replay, stored state against the replay, records against their entries | ${perCaseSeconds.toFixed(1)} | ${rate(ds.entries, perCaseSeconds)} |`,
        `| **ledger verify, total** | **${total.toFixed(1)}** | ${rate(ds.entries, total)} |`,
        '',
        `Result: ok (${r.cases.toLocaleString('en-US')} cases, ${r.entries.toLocaleString('en-US')} entries, 0 problems). The tree part is timed to the first case's progress report (it includes that one case's check).`,
      ],
      summary: `ledger verify of ${ds.entries.toLocaleString('en-US')} entries: ${total.toFixed(1)} s (tree ${tree.toFixed(1)} s, cases ${perCaseSeconds.toFixed(1)} s)`,
    };
  } finally {
    await store.close();
  }
}

export async function runLedgerBench(): Promise<PartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'qi-ledger-'));
  try {
    const keyFile = join(dir, 'ledger.pem');
    writeFileSync(keyFile, generatePrivateKeyPem(), { mode: 0o600 });
    const parts = (process.env.BENCH_LEDGER_PARTS ?? 'http,engine,verify').split(',');
    const md: string[] = [];
    const summary: string[] = [];
    if (parts.includes('http')) {
      const h = await httpPart(dir, keyFile);
      md.push('### HTTP advances, log on vs off', '', ...h.md, '');
      summary.push(h.summary);
    }
    if (parts.includes('engine')) {
      const e = await enginePart(dir);
      md.push('### The engine alone, log on vs off', '', ...e.md, '');
      summary.push(e.summary);
    }
    if (parts.includes('verify')) {
      const v = await verifyPart();
      md.push('### `ledger verify` over 1,000,000 entries', '', ...v.md);
      summary.push(v.summary);
    }
    return { markdown: md, summary: summary.join('; ') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
