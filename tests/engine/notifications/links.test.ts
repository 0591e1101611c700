import { afterEach, describe, expect, it } from 'vitest';
import { deadlineLabel } from '../../../server/pages/labels.js';
import { car, notifyEngine, question, reminderPolicy, staffMail, type NotifyEngine } from './helpers.js';

// The question of reminders.test.ts: its 1-working-day reminder is due Thu 2025-03-20 09:00 Almaty.
const SLOT_1WD = '2025-03-20T04:00:00.000Z';

describe('the links of staff mails', () => {
  let t: NotifyEngine | undefined;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('should link the case page under STAFF_BASE_URL and name the deadline as the pages do', async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy, staffMailStyle: { base: 'https://procedures.example.kz', deadlineName: deadlineLabel } });
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    t.clock.set(SLOT_1WD);
    await t.engine.idle();
    const [mail] = staffMail(t);
    expect(mail?.text).toContain(`https://procedures.example.kz/ui/cases/${view.id}`);
    // Dana reads Russian (the directory's default): the review term by its Russian name, not its key.
    expect(mail?.subject).toContain(`«${deadlineLabel('ru', 'review')}»`);
    expect(mail?.subject).not.toContain('«review»');
  });

  it('should give the path alone and the key without a style', async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy });
    const { view } = await t.engine.createCase('feedback-inquiry', question, { actor: car });
    t.clock.set(SLOT_1WD);
    await t.engine.idle();
    const [mail] = staffMail(t);
    expect(mail?.text).toContain(` — /ui/cases/${view.id}`);
    expect(mail?.subject).toContain('«review»');
  });
});
