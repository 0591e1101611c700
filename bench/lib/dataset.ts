/**
 * Large case databases for the query and start-up benchmarks: N valid-looking cases of
 * P3 (feedback-inquiry), cloned from real rows the engine wrote (snapshot, context,
 * state, waiting roles), with creation times spread over three years up to now and
 * their review timers. Rows go in through the storage repositories in big transactions.
 * No events are stored: these are query benchmarks, not audit ones.
 *
 * Built once per `npm run bench` run in a temp directory (reused by the parts that need
 * the same size), removed at the end; set BENCH_CACHE_DIR to keep them between runs.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine, SimulatedClock } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import type { Actor } from '../../machines/contract.js';
import { SqliteStorage, type CaseRecord, type TimerRecord } from '../../storage/index.js';

const DAY = 86_400_000;
let dir: string | undefined;
const keep = process.env.BENCH_CACHE_DIR !== undefined && process.env.BENCH_CACHE_DIR !== '';

export function benchTempDir(): string {
  if (!dir) {
    if (keep) {
      dir = process.env.BENCH_CACHE_DIR!;
      mkdirSync(dir, { recursive: true });
    } else dir = mkdtempSync(join(tmpdir(), 'qi-bench-'));
  }
  return dir;
}

/** Removes the datasets built in this run (unless BENCH_CACHE_DIR keeps them). */
export function cleanupDatasets(): void {
  if (dir && !keep) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export const question = {
  applicant: { name: 'Айгерим Сапарова', email: 'aigerim@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Как получить меру государственной поддержки экспортёрам обрабатывающей промышленности?',
};

export const P3_STEPS: [string, Record<string, unknown>, Actor][] = [
  ['register', { registrationNumber: 'ЗТ-2025-0042' }, { name: 'car-user', role: 'car' }],
  ['assign', { unit: 'Департамент экспорта' }, { name: 'supervisor-user', role: 'supervisor' }],
  ['submit_answer', { text: 'Ответ по существу вопроса…', citations: ['Закон РК «О доступе к информации», ст. 11'], language: 'ru' }, { name: 'unit-user', role: 'unit' }],
  ['approve_answer', {}, { name: 'supervisor-user', role: 'supervisor' }],
];

/** Real case rows after 0…4 steps of P3 (received … answered), written by the engine. */
async function templates(): Promise<CaseRecord[]> {
  const engine = await createEngine({
    databasePath: ':memory:',
    calendar: loadKzCalendar(),
    procedures,
    clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
  });
  try {
    const { view } = await engine.createCase('feedback-inquiry', question, { actor: { name: 'car-user', role: 'car' } });
    const rows = [(await engine.storage.read.cases.find(view.id))!];
    for (const [type, payload, actor] of P3_STEPS) {
      await engine.applyEvent(view.id, { type, payload }, { actor });
      rows.push((await engine.storage.read.cases.find(view.id))!);
    }
    return rows;
  } finally {
    await engine.close();
  }
}

export interface Dataset {
  path: string;
  cases: number;
  active: number;
  overdue: number;
  /** The `now` the data was generated for (UTC ISO). */
  now: string;
  buildSeconds: number;
}

const built = new Map<number, Dataset>();

/**
 * A database of `n` cases: over three years up to now, ~900 a day at 1M; cases of the
 * last 14 days are mostly open (not yet due), older ones are done except 0.5% stuck past
 * their review deadline (overdue; their timers fired). Deterministic shape, random ids.
 */
export async function caseDataset(n: number, log: (s: string) => void = () => {}): Promise<Dataset> {
  const cached = built.get(n);
  if (cached && existsSync(cached.path)) return cached;
  const path = join(benchTempDir(), `cases-${n}.sqlite`);
  const t0 = performance.now();
  const now = Date.now();
  if (keep && existsSync(path)) {
    const db = await SqliteStorage.open({ path, synchronous: 'NORMAL' });
    const count = await db.read.cases.count();
    await db.close();
    if (count === n) {
      const d = { path, cases: n, active: -1, overdue: -1, now: new Date(now).toISOString(), buildSeconds: 0 };
      built.set(n, d);
      return d;
    }
    rmSync(path, { force: true });
  }
  const tpl = await templates();
  const done = tpl[4]!;
  const open = [tpl[0]!, tpl[1]!, tpl[2]!, tpl[2]!, tpl[3]!]; // in_review twice: the longest stage
  const db = await SqliteStorage.open({ path, synchronous: 'NORMAL' });
  const span = 3 * 365 * DAY;
  const start = now - span;
  const step = span / n;
  let active = 0;
  let overdue = 0;
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const perTx = 50_000;
  db.bulkLoad(true);
  try {
    for (let base = 0; base < n; base += perTx) {
      const cases: CaseRecord[] = [];
      const timers: TimerRecord[] = [];
      for (let i = base; i < Math.min(n, base + perTx); i++) {
        const created = Math.floor(start + i * step + rnd() * step * 0.9);
        const age = now - created;
        const isOpen = age < 14 * DAY ? rnd() < 0.85 : rnd() < 0.005;
        const t = isOpen ? open[Math.floor(rnd() * open.length)]! : done;
        const id = randomUUID();
        const createdAt = new Date(created).toISOString();
        const updatedAt = new Date(created + Math.min(age, rnd() * 5 * DAY)).toISOString();
        const due = isOpen ? new Date(created + 15 * DAY).toISOString() : null;
        cases.push({
          ...t,
          id,
          nextDueAt: due,
          lastStaffOccurredAt: updatedAt,
          createdAt,
          updatedAt,
        });
        if (isOpen) {
          active++;
          const past = due! <= new Date(now).toISOString();
          if (past) overdue++;
          timers.push({
            caseId: id,
            key: 'review',
            dueAt: due!,
            status: past ? 'fired' : 'scheduled',
            firedAt: past ? due : null,
            createdAt,
            updatedAt: past ? due! : updatedAt,
          });
        } else {
          timers.push({ caseId: id, key: 'review', dueAt: new Date(created + 15 * DAY).toISOString(), status: 'cancelled', firedAt: null, createdAt, updatedAt });
        }
      }
      const batch = await db.beginBatch();
      try {
        await batch.repos.cases.insertMany(cases);
        await batch.repos.timers.insertMany(timers);
        await batch.commit();
      } catch (e) {
        await batch.rollback();
        throw e;
      }
      if ((base / perTx) % 4 === 3) log(`  … ${Math.min(n, base + perTx).toLocaleString('en-US')} cases`);
    }
    db.bulkLoad(false);
  } finally {
    await db.close();
  }
  const d: Dataset = { path, cases: n, active, overdue, now: new Date(now).toISOString(), buildSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
  built.set(n, d);
  return d;
}
