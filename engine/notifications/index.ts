/**
 * Deadlines that act (issue 15 §1): reminders before a deadline, the escalation of a
 * missed one, the daily digest: policy data (`policy.ts`), a schedule synced with the
 * deadlines in the command's own unit of work (`schedule.ts`), two workers
 * (`reminder-worker.ts`, `digest-worker.ts`), staff mails through the existing outbox
 * (`staff-outbox.ts`, `staff-templates.ts`) to the people of the directory (`directory.ts`).
 * docs/notifications.md tells the whole story.
 */
import type { BusinessCalendar } from '../../calendars/types.js';
import type { CaseDeadline } from '../../machines/contract.js';
import type { Repositories, Storage } from '../../storage/index.js';
import type { Clock } from '../clock.js';
import type { TxContext } from '../commit-queue.js';
import type { Logger } from '../logger.js';
import type { Runner } from '../runner.js';
import { DigestWorker, type ListQueue } from './digest-worker.js';
import type { StaffDirectory } from './directory.js';
import type { NotificationPolicy } from './policy.js';
import { ReminderWorker } from './reminder-worker.js';
import { syncReminders } from './schedule.js';
import type { StaffMailStyle } from './staff-templates.js';

export { EMPTY_DIRECTORY, type StaffDirectory, type StaffMember, type StaffRecipient } from './directory.js';
export { checkPolicyKeys, loadNotificationPolicy, parseNotificationPolicy, type NotificationPolicy } from './policy.js';
export { digestId } from './digest-worker.js';
export type { StaffMailStyle } from './staff-templates.js';

export interface NotificationsOptions {
  storage: Storage;
  clock: Clock;
  /** The newest installed calendar (engine/calendar-versions.ts): asked at each use, so a new version counts at once. */
  calendar: () => BusinessCalendar;
  runner: Runner;
  logger: Logger;
  policy: NotificationPolicy;
  directory: StaffDirectory;
  listQueue: ListQueue;
  onMail: () => void;
  /** How the mails word links and deadline names (staff-templates.ts); absent: paths and keys. */
  style?: StaffMailStyle;
}

export class Notifications {
  readonly reminders: ReminderWorker;
  readonly digests: DigestWorker | undefined;
  readonly #o: NotificationsOptions;

  constructor(o: NotificationsOptions) {
    this.#o = o;
    this.reminders = new ReminderWorker(o);
    this.digests =
      o.policy.digestMinutes !== undefined
        ? new DigestWorker({ clock: o.clock, calendar: o.calendar, queue: o.runner.queue, logger: o.logger, directory: o.directory, minutes: o.policy.digestMinutes, listQueue: o.listQueue, onMail: o.onMail, ...(o.style ? { style: o.style } : {}) })
        : undefined;
  }

  /** The runner's hook (engine/runner.ts, next to syncTimers): the case's reminders follow its deadlines. */
  async sync(repos: Repositories, tx: TxContext, caseId: string, deadlines: Record<string, CaseDeadline>, now: string): Promise<void> {
    const earliest = await syncReminders(repos.reminders, this.#o.calendar(), (k) => this.#o.policy.deadlines.get(k), caseId, deadlines, now);
    if (earliest !== undefined) tx.afterCommit(() => this.reminders.scheduled(earliest));
  }

  /** The timer worker's hook, in the unit that appended `deadline_missed`. */
  escalate(repos: Repositories, tx: TxContext, caseId: string, key: string): Promise<void> {
    return this.reminders.escalate(repos, tx, caseId, key);
  }

  async start(): Promise<void> {
    await this.reminders.start();
    await this.digests?.start();
  }
  async stop(): Promise<void> {
    await this.reminders.stop();
    await this.digests?.stop();
  }
  async whenIdle(): Promise<void> {
    await this.reminders.whenIdle();
    await this.digests?.whenIdle();
  }
  get busy(): boolean {
    return this.reminders.busy || (this.digests?.busy ?? false);
  }
}
