/**
 * The re-count (issue 15 §4): after a newer business calendar is installed
 * (engine/calendar-versions.ts), every OPEN deadline counted with another version is
 * counted again from its own record (machines/common/record-events.ts `recountDeadline`:
 * `from`, `amount`, `reading`, exactly as the machine counts it). Where its last day or
 * due moves, the case gets one `deadline_recounted` event per moved deadline, through the
 * runner (`applySystemEvent`), in ONE unit of work per case: the deadline, the case's
 * `nextDueAt`, its timers (a missed deadline now due later is pending again, its timer
 * re-armed) and every projection synced next to them follow, and the history says what
 * moved. Where nothing moves, nothing is written (the deadline keeps the version it was
 * counted with); closed deadlines keep theirs.
 *
 * The sweep holds no state: it finds what is left by counting again. So it is idempotent
 * (a second run finds nothing to move), resumes after a crash midway (start-up runs it),
 * and catches a deadline counted with an older version by a process that had not yet
 * noticed the new one (each process sweeps after it switches).
 */
import type { BusinessCalendar } from '../calendars/types.js';
import type { CaseDeadline } from '../machines/contract.js';
import { recountDeadline } from '../machines/common/record-events.js';
import type { CaseRecord, Repositories } from '../storage/index.js';
import { deadlinesOf } from './case-view.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Runner } from './runner.js';

/** One deadline whose last day or due moves with `calendar`. */
export interface RecountChange {
  caseId: string;
  procedure: string;
  /** The case's registration number, if any (how staff name a case; no personal data). */
  registrationNumber?: string;
  key: string;
  oldLastDay: string;
  newLastDay: string;
  oldDueAt: string;
  newDueAt: string;
  oldVersion: string;
  newVersion: string;
}

/** A deadline the calendar cannot count (its days lie outside the new data). */
interface RecountFailure {
  caseId: string;
  key: string;
  message: string;
}

export interface RecountSummary {
  /** The version counted with. */
  version: string;
  /** Cases with an open deadline looked at. */
  cases: number;
  /** Open deadlines counted with another version. */
  deadlines: number;
  /** The deadlines that moved (recorded as `deadline_recounted`), by case. */
  changes: RecountChange[];
  /** Cases that got events. */
  casesRecounted: number;
  failures: RecountFailure[];
}

/** The cases a page holds (the sweep reads the cases with an open deadline in pages). */
const PAGE = 200;
/** Later than every due: "cases with an open deadline" (`dueBefore`). */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/**
 * The open deadlines of a case that move when counted with `calendar`, and those it cannot
 * count. Pure. Deadlines already counted with `calendar`'s version are not looked at.
 */
function plannedRecounts(record: CaseRecord, calendar: BusinessCalendar): { changes: RecountChange[]; failures: RecountFailure[]; looked: number } {
  const context = JSON.parse(record.contextJson) as Record<string, unknown>;
  const deadlines: Record<string, CaseDeadline> = deadlinesOf(context);
  const reg = typeof context.registrationNumber === 'string' ? { registrationNumber: context.registrationNumber } : {};
  const changes: RecountChange[] = [];
  const failures: RecountFailure[] = [];
  let looked = 0;
  for (const d of Object.values(deadlines).sort((a, b) => a.key.localeCompare(b.key))) {
    if (!d.open || d.calendar?.version === calendar.version) continue;
    looked++;
    let next: CaseDeadline;
    try {
      next = recountDeadline(calendar, d);
    } catch (e) {
      failures.push({ caseId: record.id, key: d.key, message: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if (next === d) continue;
    changes.push({
      caseId: record.id,
      procedure: record.procedure,
      ...reg,
      key: d.key,
      oldLastDay: d.lastDay,
      newLastDay: next.lastDay,
      oldDueAt: d.dueAt,
      newDueAt: next.dueAt,
      oldVersion: d.calendar.version,
      newVersion: calendar.version,
    });
  }
  return { changes, failures, looked };
}

/** Every case with an open deadline (closed cases too: a notice owed after the answer), oldest first. */
async function* casesWithOpenDeadlines(read: Repositories): AsyncGenerator<CaseRecord[]> {
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await read.cases.list({ dueBefore: END_OF_TIME, limit: PAGE, ...(after ? { after } : {}) });
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (page.length < PAGE || !last) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * What counting with `calendar` would move, changing nothing (`npm run calendar -- diff`).
 */
export async function diffRecount(read: Repositories, calendar: BusinessCalendar): Promise<RecountSummary> {
  const summary: RecountSummary = { version: calendar.version, cases: 0, deadlines: 0, changes: [], casesRecounted: 0, failures: [] };
  for await (const page of casesWithOpenDeadlines(read)) {
    for (const row of page) {
      summary.cases++;
      const plan = plannedRecounts(row, calendar);
      summary.deadlines += plan.looked;
      summary.changes.push(...plan.changes);
      summary.failures.push(...plan.failures);
    }
  }
  summary.casesRecounted = new Set(summary.changes.map((c) => c.caseId)).size;
  return summary;
}

export interface RecountOptions {
  runner: Runner;
  read: Repositories;
  clock: Clock;
  logger: Logger;
  /** Stop after this many cases got events (tests: a crash midway). */
  maxCases?: number;
}

/**
 * The sweep: counts every open deadline again with the runner's newest calendar and records
 * what moved, one unit of work per case. The case is read again inside its unit and
 * counted with the deps the step runs with, so the event's payload is what the step does.
 */
export async function recountOpenDeadlines(o: RecountOptions): Promise<RecountSummary> {
  const { runner } = o;
  const version = runner.deps.calendar.version;
  const summary: RecountSummary = { version, cases: 0, deadlines: 0, changes: [], casesRecounted: 0, failures: [] };
  sweep: for await (const page of casesWithOpenDeadlines(o.read)) {
    for (const row of page) {
      summary.cases++;
      // A cheap look outside the unit: most cases have nothing to move.
      const plan = plannedRecounts(row, runner.deps.calendar);
      summary.deadlines += plan.looked;
      summary.failures.push(...plan.failures);
      if (plan.changes.length === 0) continue;
      if (o.maxCases !== undefined && summary.casesRecounted >= o.maxCases) break sweep;
      const done = await runner.queue.submit(async (repos, tx) => {
        const current = await repos.cases.find(row.id);
        if (!current) return [];
        const { changes } = plannedRecounts(current, runner.deps.calendar);
        const occurredAt = o.clock.now().toISOString();
        for (const c of changes) {
          await runner.applySystemEvent(repos, tx, row.id, {
            type: 'deadline_recounted',
            payload: {
              key: c.key,
              oldLastDay: c.oldLastDay,
              newLastDay: c.newLastDay,
              oldDueAt: c.oldDueAt,
              newDueAt: c.newDueAt,
              oldVersion: c.oldVersion,
              newVersion: c.newVersion,
            },
            occurredAt,
          });
        }
        return changes;
      });
      if (done.length > 0) {
        summary.casesRecounted++;
        summary.changes.push(...done);
      }
    }
  }
  for (const f of summary.failures) o.logger.warn({ caseId: f.caseId, key: f.key, err: f.message }, 'calendar re-count: the deadline cannot be counted with the new calendar');
  if (summary.changes.length > 0 || summary.failures.length > 0) {
    o.logger.info({ version, cases: summary.casesRecounted, deadlines: summary.changes.length, failures: summary.failures.length }, 'calendar re-count');
  }
  return summary;
}
