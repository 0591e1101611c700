import { join } from 'node:path';
import { loadKzCalendar } from '../../../calendars/index.js';
import { SimulatedClock } from '../../../engine/clock.js';
import { createEngine, type Engine, type EngineOptions } from '../../../engine/engine.js';
import type { MailTransport } from '../../../engine/outbox-worker.js';
import { parseNotificationPolicy, type StaffDirectory } from '../../../engine/notifications/index.js';
import { procedures } from '../../../machines/index.js';
import type { Actor } from '../../../machines/contract.js';
import { tmpDir } from '../fixtures/helpers.js';

export const car: Actor = { name: 'Dana', role: 'car' };
export const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
export const unit: Actor = { name: 'Aset', role: 'unit' };

/** P3's question; the applicant's name and address must never reach a staff mail. */
export const question = {
  applicant: { name: 'Айгерим Сатпаева', email: 'aigerim@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Как подать заявку на экспортную поддержку?',
};

export const directory: StaffDirectory = {
  members: [
    { name: 'Dana', roles: ['car'], email: 'dana@corp.kz' },
    { name: 'Deputy', roles: ['supervisor'], email: 'deputy@corp.kz', language: 'en' },
    { name: 'Aset', roles: ['unit'], units: ['Legal'], email: 'aset@corp.kz', language: 'kk' },
    { name: 'Nobody', roles: ['chairman'] },
  ],
  unitMailboxes: new Map([['Legal', 'legal@corp.kz']]),
};

export const policy = parseNotificationPolicy(
  {
    deadlines: {
      review: { reminders: [{ workingDaysBefore: 1, at: '09:00' }, { workingDaysBefore: 0, at: '09:00' }], escalateTo: ['supervisor'] },
    },
    digest: { at: '08:30' },
  },
  'test policy',
);

/** The same without the digest (the reminder tests count every staff mail). */
export const reminderPolicy = parseNotificationPolicy(
  { deadlines: { review: { reminders: [{ workingDaysBefore: 1, at: '09:00' }, { workingDaysBefore: 0, at: '09:00' }], escalateTo: ['supervisor'] } } },
  'test policy',
);

export interface Sent {
  to: string;
  subject: string;
  text: string;
  messageId: string;
}

export interface NotifyEngine {
  engine: Engine;
  clock: SimulatedClock;
  sent: Sent[];
  /** Closes the engine and opens a new one on the same database file (a restart), started. */
  restart(start?: boolean): Promise<Engine>;
  cleanup(): Promise<void>;
}

/** An engine with the real procedures, the KZ calendar, a simulated clock and a recording transport. */
export async function notifyEngine(extra: Partial<EngineOptions> = {}, start = '2025-03-06T05:00:00Z'): Promise<NotifyEngine> {
  const { dir, cleanup } = tmpDir('notify-');
  const clock = new SimulatedClock(start);
  const sent: Sent[] = [];
  const transport: MailTransport = {
    sendMail(m) {
      sent.push({ to: m.to.address, subject: m.subject, text: m.text, messageId: m.messageId });
      return Promise.resolve({ response: '250 ok' });
    },
  };
  const open = async (go: boolean) => {
    const e = await createEngine({
      databasePath: join(dir, 'engine.db'),
      clock,
      calendar: loadKzCalendar(),
      procedures,
      transport,
      notificationPolicy: policy,
      staffDirectory: directory,
      ...extra,
    });
    if (go) await e.start();
    return e;
  };
  const t: NotifyEngine = {
    engine: await open(true),
    clock,
    sent,
    async restart(go = true) {
      await t.engine.close();
      t.engine = await open(go);
      return t.engine;
    },
    async cleanup() {
      await t.engine.close();
      cleanup();
    },
  };
  return t;
}

/** The staff mails sent (the applicant's ones left out). */
export const staffMail = (t: NotifyEngine) => t.sent.filter((m) => !m.to.startsWith('aigerim'));
