/**
 * The on-time report at scale (issue 15 §2: "report time over 100k cases"): `GET
 * /reports/deadlines` over three years by month, from the deadline ledger (migration
 * 001000, its covering index), against the same report computed by scanning every case's
 * context (pages of 500 case records, each context parsed and derived into its deadlines:
 * what the report would cost without the table). Both answers are checked equal.
 *
 * The data: 100,000 P3 cases over three years up to now, cloned from rows the engine wrote
 * (received … answered), each with its own review term (15 days from its creation, so the
 * last days spread over 37 months), 8% answered late (1–10 days), 5% extended, five units,
 * the last two weeks mostly open, 0.5% of the older ones stuck overdue. The ledger is
 * derived by the migration's backfill (its time is reported too).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadKzCalendar } from '../calendars/index.js';
import { createEngine, SimulatedClock } from '../engine/index.js';
import { buildReport, countLedger, reportQuery } from '../engine/reports.js';
import { procedures } from '../machines/index.js';
import { buildApp } from '../server/app.js';
import { sha256Hex, UserDirectory } from '../server/auth.js';
import { ledgerRowsOf, SqliteStorage, type CaseRecord, type DeadlineLedgerRecord } from '../storage/index.js';
import { benchTempDir, P3_STEPS, question } from './lib/dataset.js';
import { fmt, ratio, timeRuns, type PartResult } from './lib/measure.js';

const DAY = 86_400_000;
const TOKEN = 'bench-auditor-token';
const UNITS = ['Департамент экспорта', 'Юридический департамент', 'Департамент промышленности', 'Пресс-служба', 'Департамент цифровизации'];

async function templates(): Promise<CaseRecord[]> {
  const engine = await createEngine({ databasePath: ':memory:', calendar: loadKzCalendar(), procedures, clock: new SimulatedClock('2025-03-06T05:00:00.000Z') });
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

const dayOf = (ms: number) => new Date(ms + 5 * 3600_000).toISOString().slice(0, 10); // Asia/Almaty, UTC+5

export async function runReportsBench(o: { cases?: number } = {}): Promise<PartResult> {
  const n = o.cases ?? 100_000;
  const log = (s: string) => console.log(`reports: ${s}`);
  const path = join(benchTempDir(), `reports-${n}.sqlite`);
  rmSync(path, { force: true });
  const tpl = await templates();
  const now = Date.now();
  const start = now - 3 * 365 * DAY;
  const step = (now - start) / n;
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  log(`building ${n.toLocaleString('en-US')} cases…`);
  const t0 = performance.now();
  const db = await SqliteStorage.open({ path, synchronous: 'NORMAL' });
  db.bulkLoad(true);
  for (let base = 0; base < n; base += 50_000) {
    const cases: CaseRecord[] = [];
    for (let i = base; i < Math.min(n, base + 50_000); i++) {
      const created = Math.floor(start + i * step);
      const age = now - created;
      const open = age < 14 * DAY ? rnd() < 0.85 : rnd() < 0.005;
      const t = open ? tpl[1 + Math.floor(rnd() * 3)]! : tpl[4]!;
      const extended = rnd() < 0.05 ? 10 : 0;
      const dueMs = created + (15 + extended) * DAY;
      const context = JSON.parse(t.contextJson) as { [field: string]: unknown; deadlines: { review: Record<string, unknown> } };
      const late = !open && rnd() < 0.08 ? 1 + Math.floor(rnd() * 10) : 0;
      const closedAt = new Date(late ? dueMs + late * DAY - 3600_000 : created + rnd() * 10 * DAY).toISOString();
      const unit = UNITS[Math.floor(rnd() * UNITS.length)]!;
      context.unit = unit;
      context.receivedAt = new Date(created).toISOString();
      context.extensions = extended ? [{ days: extended, reason: 'r', at: new Date(created + DAY).toISOString() }] : [];
      context.extensionDays = extended;
      context.deadlines = {
        review: {
          ...context.deadlines.review,
          amount: 15 + extended,
          from: new Date(created).toISOString(),
          lastDay: dayOf(dueMs - 1),
          dueAt: new Date(dueMs).toISOString(),
          status: open ? (dueMs <= now ? 'missed' : 'pending') : late ? 'met_late' : 'met',
          open,
          ...(open ? {} : { closedAt }),
          ...(late ? { shortfall: { amount: late, unit: 'calendar' } } : {}),
        },
      };
      if (open) delete context.deadlines.review.closedAt;
      cases.push({
        ...t,
        id: randomUUID(),
        unit,
        contextJson: JSON.stringify(context),
        nextDueAt: open ? new Date(dueMs).toISOString() : null,
        createdAt: new Date(created).toISOString(),
        updatedAt: open ? new Date(created).toISOString() : closedAt,
      });
    }
    const batch = await db.beginBatch();
    await batch.repos.cases.insertMany(cases);
    await batch.commit();
  }
  db.bulkLoad(false);
  const buildSeconds = (performance.now() - t0) / 1000;
  // The ledger of cases loaded without the runner: the migration's backfill (as on an upgrade).
  const b0 = performance.now();
  const batch = await db.beginBatch();
  const rows = await batch.repos.deadlineLedger.rebuild();
  await batch.commit();
  const backfillSeconds = (performance.now() - b0) / 1000;
  await db.close();
  log(`built in ${buildSeconds.toFixed(1)} s; backfill ${rows.toLocaleString('en-US')} ledger rows in ${backfillSeconds.toFixed(1)} s`);

  const clock = new SimulatedClock(new Date(now).toISOString());
  const engine = await createEngine({ databasePath: path, synchronous: 'NORMAL', calendar: loadKzCalendar(), procedures, clock });
  const users = new UserDirectory({ users: [{ name: 'auditor-user', roles: ['auditor'], tokenSha256: sha256Hex(TOKEN) }] } as ConstructorParameters<typeof UserDirectory>[0]);
  const app = await buildApp({ calendars: { kz: loadKzCalendar() }, engine, users });
  try {
    const from = dayOf(start);
    const to = dayOf(now + 31 * DAY);
    const url = `/reports/deadlines?from=${from}&to=${to}&groupBy=month`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const first = await app.inject({ method: 'GET', url, headers });
    if (first.statusCode !== 200) throw new Error(`${url}: ${first.statusCode} ${first.body.slice(0, 200)}`);
    const viaTable = first.json() as ReturnType<typeof buildReport>;

    const scan = async () => {
      const q = reportQuery({ from, to, groupBy: 'month' }, dayOf(now), new Date(now).toISOString());
      const ledger: DeadlineLedgerRecord[] = [];
      let after: { createdAt: string; id: string } | undefined;
      for (;;) {
        const page = await engine.storage.read.cases.list({ limit: 500, ...(after ? { after } : {}) });
        for (const c of page) ledger.push(...ledgerRowsOf({ id: c.id, procedure: c.procedure, unit: c.unit ?? null, context: JSON.parse(c.contextJson) as Record<string, unknown> }));
        if (page.length < 500) break;
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      const { counts, late } = countLedger(ledger, q);
      return buildReport(q, engine.deps.calendar.zone, counts, late);
    };
    const viaScan = await scan();
    if (JSON.stringify(viaScan) !== JSON.stringify(viaTable)) throw new Error('the report from the ledger and the report from the contexts differ');

    const json = await timeRuns(() => app.inject({ method: 'GET', url, headers }), { minRuns: 10, minMs: 2000 });
    const direct = await timeRuns(() => engine.deadlineReport({ from, to, groupBy: 'month' }), { minRuns: 10, minMs: 2000 });
    const csv = await timeRuns(() => app.inject({ method: 'GET', url: `${url}&format=csv`, headers }), { minRuns: 5, minMs: 1000 });
    const xlsx = await timeRuns(() => app.inject({ method: 'GET', url: `${url}&format=xlsx`, headers }), { minRuns: 5, minMs: 1000 });
    const scanned = await timeRuns(scan, { minRuns: 3, minMs: 3000, warmup: 0 });
    const groups = viaTable.groups.length;
    const periods = viaTable.periods.length;
    return {
      markdown: [
        `${n.toLocaleString('en-US')} P3 cases over three years (${rows.toLocaleString('en-US')} ledger rows; last days over ${periods} months, ${groups} groups: month × unit × key), file database, synchronous=NORMAL, medians of repeated runs over \`app.inject\`. The scan is the same report computed from the cases: every case record read in pages of 500, its context parsed and derived (\`ledgerRowsOf\`); both answers are checked equal.`,
        '',
        '| what | ms | ratio |',
        '|---|---|---|',
        `| scan of the cases' contexts (no ledger) | ${fmt(scanned.median)} | 1.00× |`,
        `| \`engine.deadlineReport\` (ledger, covering index) | ${fmt(direct.median)} | **${ratio(scanned.median, direct.median)}** faster |`,
        `| \`GET /reports/deadlines\` JSON | ${fmt(json.median)} | ${ratio(scanned.median, json.median)} |`,
        `| \`GET /reports/deadlines?format=csv\` | ${fmt(csv.median)} | ${ratio(scanned.median, csv.median)} |`,
        `| \`GET /reports/deadlines?format=xlsx\` | ${fmt(xlsx.median)} | ${ratio(scanned.median, xlsx.median)} |`,
        '',
        `Building the ledger for these cases with the migration's backfill: ${backfillSeconds.toFixed(1)} s (${fmt(rows / backfillSeconds)} rows/s).`,
      ],
      summary: `on-time report over ${n.toLocaleString('en-US')} cases: ${fmt(json.median)} ms (JSON) from the ledger vs ${fmt(scanned.median)} ms scanning the contexts: ${ratio(scanned.median, json.median)}`,
    };
  } finally {
    await app.close();
    await engine.close();
    rmSync(path, { force: true });
  }
}
