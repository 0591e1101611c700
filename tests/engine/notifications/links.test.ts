import { afterEach, describe, expect, it } from 'vitest';
import { car, notifyEngine, question, reminderPolicy, staffMail, type NotifyEngine } from './helpers.js';

// The question of reminders.test.ts: its 1-working-day reminder is due Thu 2025-03-20 09:00 Almaty.
const SLOT_1WD = '2025-03-20T04:00:00.000Z';

describe('the links of staff mails', () => {
  let t: NotifyEngine | undefined;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('should link the case page under STAFF_BASE_URL, so the mail opens it', async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy, staffBaseUrl: 'https://procedures.example.kz' });
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    t.clock.set(SLOT_1WD);
    await t.engine.idle();
    const [mail] = staffMail(t);
    expect(mail?.text).toContain(`https://procedures.example.kz/ui/cases/${view.id}`);
  });

  it('should give the path alone without it', async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy });
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    t.clock.set(SLOT_1WD);
    await t.engine.idle();
    const [mail] = staffMail(t);
    expect(mail?.text).toContain(` — /ui/cases/${view.id}`);
  });
});
