/**
 * Reminders per second the outbox sustains (issue 15 §1): N open P3 cases whose review
 * reminder falls due at once (the clock moves past the slot), from due to every reminder
 * claimed, recorded (`reminder_queued`, hash-chained), queued as staff mail and delivered
 * through a no-op transport. Baseline in the same run, same database: the applicant mail
 * the same N cases queued at creation (the acknowledgements), from queued to delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadKzCalendar } from '../calendars/index.js';
import { SimulatedClock } from '../engine/clock.js';
import { createEngine, parseNotificationPolicy } from '../engine/index.js';
import type { MailTransport } from '../engine/outbox-worker.js';
import { procedures } from '../machines/index.js';
import { benchTempDir } from './lib/dataset.js';
import { fmt, ratio, type PartResult } from './lib/measure.js';

export async function runRemindersBench(n = Number(process.env.BENCH_REMINDERS ?? 2000)): Promise<PartResult> {
  const dir = mkdtempSync(join(benchTempDir(), 'reminders-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const clock = new SimulatedClock('2025-03-06T05:00:00Z');
  let sent = 0;
  const transport: MailTransport = {
    sendMail() {
      sent++;
      return Promise.resolve({ response: '250 ok' });
    },
  };
  const engine = await createEngine({
    databasePath: join(dir, 'reminders.db'),
    synchronous: 'FULL',
    clock,
    calendar: loadKzCalendar(),
    procedures,
    transport,
    notificationPolicy: parseNotificationPolicy({ deadlines: { review: { reminders: [{ workingDaysBefore: 0, at: '09:00' }] } } }, 'bench'),
    staffDirectory: { members: [{ name: 'Dana', roles: ['car'], email: 'dana@corp.kz' }], unitMailboxes: new Map() },
  });
  try {
    // Not started: the acknowledgements stay queued while the cases are created.
    const batch = 200;
    for (let i = 0; i < n; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, n - i) }, (_, j) =>
          engine.createCase('feedback-inquiry', { applicant: { name: `A${i + j}`, email: `a${i + j}@example.kz` }, language: 'ru', kind: 'question', text: 'Вопрос' }, { actor: { name: 'Dana', role: 'car' } }),
        ),
      );
    }
    let t0 = performance.now();
    await engine.start();
    await engine.idle();
    const mailSeconds = (performance.now() - t0) / 1000;
    if (sent !== n) throw new Error(`expected ${n} acknowledgements, sent ${sent}`);
    sent = 0;
    // 2025-03-26 09:00 Almaty: every case's last-day reminder is due.
    t0 = performance.now();
    clock.set('2025-03-26T04:00:00Z');
    await engine.idle();
    const reminderSeconds = (performance.now() - t0) / 1000;
    const reminded = engine.notifications?.reminders.reminded ?? 0;
    if (reminded !== n || sent !== n) throw new Error(`expected ${n} reminders, queued ${reminded}, sent ${sent}`);
    const mailRate = n / mailSeconds;
    const reminderRate = n / reminderSeconds;
    return {
      markdown: [
        `${n} open P3 cases, synchronous=FULL, file database, a no-op SMTP transport. A reminder: its schedule row claimed, \`reminder_queued\` appended to the case's hash-chained history (a system step through the runner), the staff mail rendered and queued, then delivered and marked sent by the outbox worker. Baseline: the same cases' acknowledgements (applicant mail queued at creation), queued → delivered.`,
        '',
        '| work | messages | seconds | per second | ratio |',
        '|---|---|---|---|---|',
        `| applicant mail: deliver queued acknowledgements | ${n} | ${mailSeconds.toFixed(2)} | ${fmt(mailRate)} | 1.00× |`,
        `| reminders: due → recorded, queued and delivered | ${n} | ${reminderSeconds.toFixed(2)} | ${fmt(reminderRate)} | **${ratio(reminderRate, mailRate)}** |`,
      ],
      summary: `${fmt(reminderRate)} reminders/s (due → recorded → delivered) vs ${fmt(mailRate)} applicant mails/s delivered: ${ratio(reminderRate, mailRate)}`,
    };
  } finally {
    await engine.close();
    cleanup();
  }
}
