/**
 * The daily digest: to each person with an e-mail, their queue (what `GET /cases?mine=true`
 * gives them: the engine's list with `waitingRoles` and `unitScope`) as far as it is due
 * today or overdue, at the policy's local time on working days only (the business
 * calendar decides; a day off has none).
 *
 * Exactly once per person and day: the outbox row's id is `digest:<day>:<person hash>`,
 * inserted only if absent (`insertOnce`), so a restart later that day sends the digests
 * not sent yet, and none twice; a past day's digest is never sent (only today's is
 * considered). An empty queue gets no digest. A digest belongs to no case (`case_id`
 * null): it holds no case's mail back.
 */
import { createHash } from 'node:crypto';
import { formatDay, parseDay } from '../../calendars/dates.js';
import type { BusinessCalendar, IsoDate } from '../../calendars/types.js';
import type { CaseFilter } from '../../storage/index.js';
import type { CaseView } from '../case-view.js';
import type { Clock } from '../clock.js';
import type { CommitQueue } from '../commit-queue.js';
import type { Logger } from '../logger.js';
import { LoopWorker, WorkerLoop } from '../worker-loop.js';
import type { StaffDirectory, StaffMember } from './directory.js';
import { localTime } from './schedule.js';
import { staffOutboxRecord } from './staff-outbox.js';
import type { DeadlineRef, StaffMailStyle } from './staff-templates.js';

/** The engine's case list, as far as the digest uses it. */
export type ListQueue = (filter: CaseFilter & { limit: number }) => Promise<{ cases: CaseView[]; next?: { createdAt: string; id: string } }>;

export interface DigestWorkerOptions {
  clock: Clock;
  /** The newest installed calendar (engine/calendar-versions.ts): asked at each use, so a new version counts at once. */
  calendar: () => BusinessCalendar;
  queue: CommitQueue;
  logger: Logger;
  directory: StaffDirectory;
  /** Minutes after local midnight. */
  minutes: number;
  listQueue: ListQueue;
  onMail?: () => void;
  /** How the mails word links and deadline names (staff-templates.ts); absent: paths and keys. */
  style?: StaffMailStyle;
}

/** The outbox id of a person's digest of `day` (a hash: a name has no place in a Message-ID). */
export function digestId(day: IsoDate, person: string): string {
  return `digest:${day}:${createHash('sha256').update(person).digest('hex').slice(0, 24)}`;
}

export class DigestWorker extends LoopWorker {
  readonly #o: DigestWorkerOptions;
  protected readonly loop: WorkerLoop;
  /** Digests queued by this worker (tests, metrics). */
  queued = 0;

  constructor(o: DigestWorkerOptions) {
    super();
    this.#o = o;
    this.loop = new WorkerLoop(
      o.clock,
      () => this.#sendToday(),
      async () => this.#next(),
      (e) => o.logger.error({ err: e }, 'digest worker failed'),
    );
  }


  /** Today's digest instant if today is a working day, else undefined; throws nothing for an unknown year. */
  #at(day: IsoDate): string | undefined {
    try {
      return this.#o.calendar().isWorkingDay(day) ? localTime(this.#o.calendar(), day, this.#o.minutes) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The next digest instant after now (within 60 days; beyond the calendar's years: none). */
  #next(): string | undefined {
    const now = this.#o.clock.now().getTime();
    const today = parseDay(this.#o.calendar().dayOf(new Date(now)));
    for (let i = 0; i <= 60; i++) {
      const at = this.#at(formatDay(today + i));
      if (at !== undefined && Date.parse(at) > now) return at;
    }
    return undefined;
  }

  async #sendToday(): Promise<void> {
    const now = this.#o.clock.now();
    const day = this.#o.calendar().dayOf(now);
    const at = this.#at(day);
    if (at === undefined || now.getTime() < Date.parse(at)) return;
    for (const m of this.#o.directory.members) {
      if (!m.email) continue;
      const items = await this.#queueOf(m, day, now);
      if (items.dueToday.length === 0 && items.overdue.length === 0) continue;
      const record = staffOutboxRecord(digestId(day, m.name), null, 0, { name: m.name, email: m.email, language: m.language ?? 'ru' }, {
        template: 'staff_digest',
        data: { day, ...items },
      }, now.toISOString(), this.#o.style);
      await this.#o.queue.submit(async (repos, tx) => {
        if (await repos.outbox.insertOnce(record)) {
          tx.afterCommit(() => {
            this.queued++;
            this.#o.onMail?.();
          });
        }
      });
    }
  }

  /** The person's queue, due by the end of `day`: overdue (due by now) and due today. */
  async #queueOf(m: StaffMember, day: IsoDate, now: Date): Promise<{ dueToday: DeadlineRef[]; overdue: DeadlineRef[] }> {
    const roles = m.roles.filter((r) => r !== 'auditor' && r !== 'system');
    const out = { dueToday: [] as DeadlineRef[], overdue: [] as DeadlineRef[] };
    if (roles.length === 0) return out;
    const endOfDay = this.#o.calendar().endOfDay(day);
    const filter: CaseFilter & { limit: number } = {
      status: 'active',
      waitingRoles: roles,
      ...(m.units && roles.includes('unit') ? { unitScope: { units: m.units, person: m.name } } : {}),
      dueBefore: endOfDay,
      limit: 500,
    };
    let after: { createdAt: string; id: string } | undefined;
    do {
      const page = await this.#o.listQueue({ ...filter, ...(after ? { after } : {}) });
      for (const c of page.cases) {
        const reg = typeof c.context.registrationNumber === 'string' ? c.context.registrationNumber : undefined;
        for (const d of c.deadlines) {
          if (!d.open || Date.parse(d.dueAt) > Date.parse(endOfDay)) continue;
          const ref: DeadlineRef = { caseId: c.id, procedure: c.procedure, ...(reg ? { registrationNumber: reg } : {}), key: d.key, lastDay: d.lastDay };
          (Date.parse(d.dueAt) <= now.getTime() ? out.overdue : out.dueToday).push(ref);
        }
      }
      after = page.next;
    } while (after);
    return out;
  }
}
