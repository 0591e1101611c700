/**
 * Work queues at scale: the first page (50) of the overdue list and of "my queue" over
 * 1,000,000 cases, through `engine.listCases` (what GET /cases?overdue=true and ?mine=true
 * run), with the indexes of migration 000200; then on 200,000 cases with and without them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKzCalendar } from '../calendars/index.js';
import { createEngine, type Engine } from '../engine/index.js';
import { procedures } from '../machines/index.js';
import type { Role } from '../machines/contract.js';
import { SqliteStorage, type CaseFilter } from '../storage/index.js';
import { caseDataset, question, type Dataset } from './lib/dataset.js';
import { fmt, ratio, timeRuns, type PartResult } from './lib/measure.js';

/** The queue indexes: the overdue list's (migration 000700) and "my queue"'s (000200). */
const QUEUE_INDEXES = ['cases_due_created', 'cases_waiting_created'];
/** Every index migration 000700 creates (it also drops 000200's `cases_overdue`). */
const LIST_INDEXES = ['cases_created', 'cases_procedure_created', 'cases_procedure_state_created', 'cases_state_created', 'cases_status_created', 'cases_due_created'];
/** The queries whose plan the report shows (by index in QUERIES): overdue, car, a unit user. */
const PLANNED = [0, 1, 3];

/** The engine's SQLite storage: the bench drops and restores indexes and explains plans. */
function sqliteOf(e: Engine): SqliteStorage {
  if (!(e.storage instanceof SqliteStorage)) throw new Error('the queues bench runs on SQLite');
  return e.storage;
}

interface Query {
  name: string;
  http: string;
  run: (e: Engine) => Promise<unknown>;
  filter: (now: string) => CaseFilter;
}
const mine = (roles: Role[]) => ({ waitingRoles: roles, limit: 51 });
/** A unit user's queue (migration 000300): the unit steps of their unit's cases, not taken by another. */
const unitMine = (unit: string) => ({ waitingRoles: ['unit'], unitScope: { units: [unit], person: 'unit-user' } });
/** The unit the dataset's in_review cases are assigned to (P3_STEPS), and one nobody waits on. */
const BUSY_UNIT = 'Департамент экспорта';
const IDLE_UNIT = 'Юридический департамент';
const QUERIES: Query[] = [
  { name: 'overdue list', http: 'GET /cases?overdue=true', run: (e) => e.listCases({ overdue: true, limit: 50 }), filter: (now) => ({ dueBefore: now, limit: 51 }) },
  { name: 'my queue: car', http: 'GET /cases?mine=true (car)', run: (e) => e.listCases({ waitingRoles: ['car'], limit: 50 }), filter: () => mine(['car']) },
  { name: 'my queue: unit', http: 'GET /cases?mine=true (unit)', run: (e) => e.listCases({ waitingRoles: ['unit'], limit: 50 }), filter: () => mine(['unit']) },
  {
    name: 'my queue: a unit user (their unit, not taken by another)',
    http: `GET /cases?mine=true (unit user of ${BUSY_UNIT})`,
    run: (e) => e.listCases({ ...unitMine(BUSY_UNIT), limit: 50 }),
    filter: () => ({ ...unitMine(BUSY_UNIT), limit: 51 }),
  },
  {
    name: 'my queue: a unit user whose unit has nothing waiting',
    http: `GET /cases?mine=true (unit user of ${IDLE_UNIT})`,
    run: (e) => e.listCases({ ...unitMine(IDLE_UNIT), limit: 50 }),
    filter: () => ({ ...unitMine(IDLE_UNIT), limit: 51 }),
  },
  {
    name: 'my queue: supervisor + chairman',
    http: 'GET /cases?mine=true (2 roles)',
    run: (e) => e.listCases({ waitingRoles: ['supervisor', 'chairman'], limit: 50 }),
    filter: () => mine(['supervisor', 'chairman']),
  },
  {
    name: 'my queue: press_secretary (nobody waits: worst case)',
    http: 'GET /cases?mine=true (press_secretary)',
    run: (e) => e.listCases({ waitingRoles: ['press_secretary'], limit: 50 }),
    filter: () => mine(['press_secretary']),
  },
];

/** Comment commands/s on a fresh file database (50 clients, group commit, FULL), optionally without the queue indexes. */
async function writeRate(withIndexes: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'qi-qw-'));
  const engine = await createEngine({ databasePath: join(dir, 'w.sqlite'), synchronous: 'FULL', calendar: loadKzCalendar(), procedures });
  try {
    if (!withIndexes) for (const name of QUEUE_INDEXES) await sqliteOf(engine).dropIndex(name);
    const ids = (await Promise.all(Array.from({ length: 50 }, () => engine.createCase('feedback-inquiry', question, { actor: { name: 'car-user', role: 'car' } })))).map((r) => r.view.id);
    const t = performance.now();
    for (let k = 0; k < 40; k++) {
      await Promise.all(ids.map((id) => engine.applyEvent(id, { type: 'comment', payload: { text: `c${k}` } }, { actor: { name: 'unit-user', role: 'unit' } })));
    }
    return (40 * ids.length) / ((performance.now() - t) / 1000);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openEngine(d: Dataset): Promise<Engine> {
  return createEngine({ databasePath: d.path, synchronous: 'FULL', calendar: loadKzCalendar(), procedures });
}

async function measureAll(e: Engine, o: { minMs: number; maxRuns: number; minRuns: number }): Promise<number[]> {
  const out: number[] = [];
  for (const q of QUERIES) out.push((await timeRuns(() => q.run(e), { ...o, warmup: 1 })).median);
  return out;
}

export async function runQueuesBench(o: { cases?: number; small?: number } = {}): Promise<PartResult> {
  const n = o.cases ?? 1_000_000;
  const small = o.small ?? 200_000;
  const log = (s: string) => console.log(`queues: ${s}`);

  log(`building ${n.toLocaleString('en-US')} cases…`);
  const big = await caseDataset(n, log);
  const e = await openEngine(big);
  let bigMs: number[];
  const plans: string[] = [];
  try {
    bigMs = await measureAll(e, { minMs: 400, maxRuns: 200, minRuns: 10 });
    const now = new Date().toISOString();
    for (const q of QUERIES.filter((_, i) => PLANNED.includes(i))) plans.push(`- ${q.name}: \`${(await sqliteOf(e).explainCaseList(q.filter(now))).join(' → ')}\``);
  } finally {
    await e.close();
  }

  log(`building ${small.toLocaleString('en-US')} cases for the with/without index comparison…`);
  const sm = await caseDataset(small, log);
  const e2 = await openEngine(sm);
  let withIdx: number[];
  let without: number[];
  const plansWithout: string[] = [];
  try {
    withIdx = await measureAll(e2, { minMs: 300, maxRuns: 200, minRuns: 10 });
    for (const name of QUEUE_INDEXES) await sqliteOf(e2).dropIndex(name);
    without = await measureAll(e2, { minMs: 0, maxRuns: 3, minRuns: 3 });
    const now = new Date().toISOString();
    for (const q of QUERIES.slice(0, 2)) plansWithout.push(`- ${q.name}: \`${(await sqliteOf(e2).explainCaseList(q.filter(now))).join(' → ')}\``);
    // Restore the indexes as the migrations leave them (the dataset may be reused: BENCH_CACHE_DIR).
    for (const name of LIST_INDEXES) await sqliteOf(e2).dropIndex(name);
    await sqliteOf(e2).migrateUpAgain('2026_11_26_000200_work_queue_indexes');
    await sqliteOf(e2).migrateUpAgain('2026_12_02_000700_list_indexes');
  } finally {
    await e2.close();
  }

  // What the indexes cost the write path: alternating rounds, the best of each.
  const withW: number[] = [];
  const withoutW: number[] = [];
  for (let i = 0; i < 3; i++) {
    withW.push(await writeRate(true));
    withoutW.push(await writeRate(false));
  }
  const wWith = Math.max(...withW);
  const wWithout = Math.max(...withoutW);

  const md = [
    `Data: ${n.toLocaleString('en-US')} P3 cases over three years (${big.active >= 0 ? `${big.active.toLocaleString('en-US')} open, ${big.overdue.toLocaleString('en-US')} overdue` : 'cached'}; built in ${big.buildSeconds} s through the storage repositories, 50,000 rows per transaction). ms per first page (limit 50) through \`engine.listCases\`, median of repeated runs, rows mapped to case views included.`,
    '',
    `| query | HTTP equivalent | ${n.toLocaleString('en-US')} cases, indexed ms | ${small.toLocaleString('en-US')} cases, indexed ms | ${small.toLocaleString('en-US')} cases, without the queue indexes ms | index speed-up |`,
    '|---|---|---|---|---|---|',
    ...QUERIES.map((q, i) => `| ${q.name} | \`${q.http}\` | ${fmt(bigMs[i]!)} | ${fmt(withIdx[i]!)} | ${fmt(without[i]!)} | **${ratio(without[i]!, withIdx[i]!)}** |`),
    '',
    `Plans on ${n.toLocaleString('en-US')} cases (EXPLAIN QUERY PLAN):`,
    ...plans,
    '',
    'Without the indexes:',
    ...plansWithout,
    '',
    `Write cost of the two indexes (comment commands/s through the engine, 50 clients, group commit, FULL, best of 3 alternating rounds): with ${fmt(wWith)}, without ${fmt(wWithout)}: **${ratio(wWith, wWithout)}**.`,
    '',
    'The queue indexes are `cases_due_created (created_at, id, next_due_at) where next_due_at is not null` (migration `2026_12_02_000700_list_indexes`, which replaced 000200\'s `cases_overdue`) and `cases_waiting_created (created_at, id, waiting_roles) where waiting_roles <> \',,\'` (migration `2026_11_26_000200_work_queue_indexes`). The worst "my queue" case walks the index entries of every waiting case and finds nothing: its cost grows with the open cases, not with all cases.',
  ];
  const summary = `${n.toLocaleString("en-US")} cases: overdue ${fmt(bigMs[0]!)} ms, my queue (car) ${fmt(bigMs[1]!)} ms; index speed-up on ${small / 1000}k: overdue ${ratio(without[0]!, withIdx[0]!)}, my queue ${ratio(without[1]!, withIdx[1]!)}; writes with/without them ${ratio(wWith, wWithout)}`;
  return { markdown: md, summary };
}
