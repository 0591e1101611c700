/**
 * Sends the scheduled reminders (engine/notifications/schedule.ts) and the escalations of
 * missed deadlines, each exactly once: the schedule row is claimed (scheduled → sent) in
 * the same transaction that appends `reminder_queued` {key, slot, recipients, unit?} to the
 * case's history and queues the staff mails in the outbox, so a crash leaves all or none.
 *
 * Never late: a reminder whose deadline closed, moved or is already past is skipped. When
 * several slots of one deadline fell due while the engine was stopped (or the clock
 * jumped), only the latest is sent; the earlier ones are skipped.
 *
 * Escalation: the timer worker calls `escalate` in the transaction that appends
 * `deadline_missed` (engine/timer-worker.ts `onMissed`), which happens once per deadline
 * dueAt (the timer's claim), so `escalation_queued` and its mails are queued once per
 * deadline and turn.
 */
import type { Role } from '../../machines/contract.js';
import type { CaseRecord, ReminderRecord, Repositories, Storage } from '../../storage/index.js';
import { deadlinesOf } from '../case-view.js';
import type { Clock } from '../clock.js';
import type { TxContext } from '../commit-queue.js';
import { isEngineError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Runner } from '../runner.js';
import { LoopWorker, WorkerLoop } from '../worker-loop.js';
import { recipientsFor, type CaseAudience, type StaffDirectory, type StaffRecipient } from './directory.js';
import type { NotificationPolicy } from './policy.js';
import { staffOutboxRecord } from './staff-outbox.js';
import type { DeadlineRef, StaffMail, StaffMailStyle } from './staff-templates.js';

export type RemindOutcome = 'sent' | 'skipped' | 'rejected';

export interface ReminderWorkerOptions {
  storage: Storage;
  clock: Clock;
  runner: Runner;
  logger: Logger;
  policy: NotificationPolicy;
  directory: StaffDirectory;
  /** How the mails word links and deadline names (staff-templates.ts); absent: paths and keys. */
  style?: StaffMailStyle;
  /** Told after a commit that queued staff mail (wakes the outbox worker). */
  onMail?: () => void;
  batchSize?: number;
}

/** What a staff mail about a case needs of it: its audience and how the mail names it. */
function caseFacts(row: CaseRecord): { audience: CaseAudience; ref: Omit<DeadlineRef, 'key' | 'lastDay'>; context: Record<string, unknown> } {
  const context = JSON.parse(row.contextJson) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const unit = str(context.unit);
  const assignee = str(context.assignee);
  const registrationNumber = str(context.registrationNumber);
  return {
    audience: { waitingRoles: row.waitingRoles as Role[], ...(unit ? { unit } : {}), ...(assignee ? { assignee } : {}) },
    ref: { caseId: row.id, procedure: row.procedure, ...(registrationNumber ? { registrationNumber } : {}) },
    context,
  };
}

export class ReminderWorker extends LoopWorker {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #runner: Runner;
  readonly #log: Logger;
  readonly #policy: NotificationPolicy;
  readonly #directory: StaffDirectory;
  readonly #style: StaffMailStyle | undefined;
  readonly #onMail: () => void;
  readonly #batch: number;
  protected readonly loop: WorkerLoop;
  /** Count of reminders (`reminder_queued`) and escalations (`escalation_queued`) committed (tests, metrics). */
  reminded = 0;
  escalated = 0;

  constructor(o: ReminderWorkerOptions) {
    super();
    this.#storage = o.storage;
    this.#clock = o.clock;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#policy = o.policy;
    this.#directory = o.directory;
    this.#style = o.style;
    this.#onMail = o.onMail ?? (() => {});
    this.#batch = o.batchSize ?? 100;
    this.loop = new WorkerLoop(
      o.clock,
      () => this.#remindDue(),
      () => this.#storage.read.reminders.nextDueAt(),
      (e) => this.#log.error({ err: e }, 'reminder worker failed'),
    );
  }


  async #remindDue(): Promise<void> {
    for (;;) {
      const due = await this.#storage.read.reminders.listDue(this.#clock.now().toISOString(), this.#batch);
      if (due.length === 0) return;
      // One unit per deadline: its due slots are judged together (only the latest is sent).
      const groups = new Map<string, ReminderRecord[]>();
      for (const r of due) {
        const id = `${r.caseId}\u0000${r.key}`;
        groups.set(id, [...(groups.get(id) ?? []), r]);
      }
      const outcomes = await Promise.allSettled([...groups.values()].map((g) => this.remind(g)));
      for (const o of outcomes) if (o.status === 'rejected') this.#log.error({ err: o.reason }, 'queuing a reminder failed');
      if (due.length < this.#batch || outcomes.every((o) => o.status === 'rejected')) return;
    }
  }

  /** Judges the due slots of one deadline of one case, and sends the latest if its deadline is still ahead. */
  remind(slots: readonly ReminderRecord[]): Promise<RemindOutcome> {
    const sorted = [...slots].sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
    const first = sorted[0]!;
    return this.#runner.queue.submit(async (repos, tx): Promise<RemindOutcome> => {
      const now = this.#clock.now().toISOString();
      const row = await repos.cases.find(first.caseId);
      const d = row ? deadlinesOf(JSON.parse(row.contextJson) as Record<string, unknown>)[first.key] : undefined;
      const ahead = d !== undefined && d.open && d.status === 'pending' && Date.parse(d.dueAt) > Date.parse(now);
      const latest = sorted[sorted.length - 1]!;
      const send = ahead && row && d && new Date(Date.parse(d.dueAt)).toISOString() === latest.deadlineDueAt ? latest : undefined;
      for (const r of sorted) if (r !== send) await repos.reminders.claim(r.caseId, r.key, r.slot, r.dueAt, 'skipped', now);
      if (!send || !row || !d) return 'skipped';
      if (!(await repos.reminders.claim(send.caseId, send.key, send.slot, send.dueAt, 'sent', now))) return 'skipped';
      const policy = this.#policy.deadlines.get(send.key);
      const facts = caseFacts(row);
      const to = recipientsFor(this.#directory, policy?.remind ?? facts.audience.waitingRoles, facts.audience);
      if (to.length === 0) {
        await repos.reminders.update(send.caseId, send.key, send.slot, { status: 'skipped', updatedAt: now });
        this.#log.warn({ caseId: send.caseId, key: send.key, slot: send.slot }, 'reminder: nobody to remind has an e-mail address');
        return 'skipped';
      }
      const queued = await this.#queue(repos, tx, row.id, 'reminder_queued', { key: send.key, slot: send.slot }, to, {
        template: 'staff_reminder',
        data: { ...facts.ref, key: send.key, lastDay: d.lastDay },
      }, now);
      if (!queued) {
        await repos.reminders.update(send.caseId, send.key, send.slot, { status: 'skipped', updatedAt: now });
        return 'rejected';
      }
      tx.afterCommit(() => {
        this.reminded++;
      });
      return 'sent';
    });
  }

  /**
   * In the timer worker's unit, right after its `deadline_missed`: queues the escalation
   * of `key` to the policy's roles, with `escalation_queued` in the history.
   */
  async escalate(repos: Repositories, tx: TxContext, caseId: string, key: string): Promise<void> {
    const policy = this.#policy.deadlines.get(key);
    if (!policy?.escalateTo) return;
    const row = await repos.cases.find(caseId);
    const d = row ? deadlinesOf(JSON.parse(row.contextJson) as Record<string, unknown>)[key] : undefined;
    if (!row || !d) return;
    const now = this.#clock.now().toISOString();
    const facts = caseFacts(row);
    const to = recipientsFor(this.#directory, policy.escalateTo, facts.audience);
    if (to.length === 0) {
      this.#log.warn({ caseId, key }, 'escalation: nobody to tell has an e-mail address');
      return;
    }
    const queued = await this.#queue(repos, tx, caseId, 'escalation_queued', { key }, to, { template: 'staff_escalation', data: { ...facts.ref, key, lastDay: d.lastDay } }, now);
    if (queued) {
      tx.afterCommit(() => {
        this.escalated++;
      });
    }
  }

  /**
   * Appends the record event `type` (its own savepoint) and queues one staff mail per
   * recipient, ids `caseId:seq:index` of that event. False when the machine refused the event.
   */
  async #queue(
    repos: Repositories,
    tx: TxContext,
    caseId: string,
    type: 'reminder_queued' | 'escalation_queued',
    base: Record<string, unknown>,
    to: readonly StaffRecipient[],
    mail: StaffMail,
    now: string,
  ): Promise<boolean> {
    const unit = to.find((r) => r.unit !== undefined)?.unit;
    const payload = { ...base, recipients: to.filter((r) => r.unit === undefined).map((r) => r.name), ...(unit !== undefined ? { unit } : {}) };
    let seq: number;
    try {
      seq = (await tx.nested(() => this.#runner.applySystemEvent(repos, tx, caseId, { type, payload, occurredAt: now }))).view.seq;
    } catch (e) {
      if (!isEngineError(e)) throw e;
      this.#log.warn({ caseId, type, code: e.code }, `${type} was refused by the machine`);
      return false;
    }
    for (const [i, r] of to.entries()) await repos.outbox.insert(staffOutboxRecord(`${caseId}:${seq}:${i}`, caseId, seq, r, mail, now, this.#style));
    tx.afterCommit(this.#onMail);
    return true;
  }
}
