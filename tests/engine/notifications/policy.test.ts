import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../../calendars/index.js';
import { createEngine } from '../../../engine/engine.js';
import { loadNotificationPolicy, parseNotificationPolicy } from '../../../engine/notifications/index.js';
import { procedures } from '../../../machines/index.js';
import { tmpDir } from '../fixtures/helpers.js';

const parse = (raw: unknown) => () => parseNotificationPolicy(raw, 'P');

describe('the notification policy', () => {
  it('should read the shipped policy, with its slots and the digest hour', () => {
    const p = loadNotificationPolicy(join(import.meta.dirname, '../../../policies/notifications.json'));
    expect(p.deadlines.get('review')).toEqual({
      reminders: [
        { slot: '1wd@09:00', workingDaysBefore: 1, minutes: 540 },
        { slot: '0wd@09:00', workingDaysBefore: 0, minutes: 540 },
      ],
      escalateTo: ['supervisor'],
    });
    expect(p.deadlines.get('posting')?.remind).toEqual(['press_secretary']);
    expect(p.digestMinutes).toBe(8 * 60 + 30);
  });

  it('should refuse unknown keys, bad times, unknown roles and repeated slots, naming the entry', () => {
    expect(parse({ deadlines: {}, digests: {} })).toThrow(/^P: .*digests|^P: \(root\)/);
    expect(parse({ deadlines: { review: { reminders: [{ workingDaysBefore: 1, at: '9:00' }] } } })).toThrow(/^P: \/deadlines\/review\/reminders\/0\/at /);
    expect(parse({ deadlines: { review: { reminders: [{ workingDaysBefore: 1, at: '24:00' }] } } })).toThrow(/\/deadlines\/review\/reminders\/0\/at/);
    expect(parse({ deadlines: {}, digest: { at: '08:60' } })).toThrow(/\/digest\/at/);
    expect(parse({ deadlines: { review: { escalateTo: ['boss'] } } })).toThrow(/\/deadlines\/review\/escalateTo\/0/);
    expect(parse({ deadlines: { review: { remind: ['car'], when: 'soon' } } })).toThrow(/\/deadlines\/review/);
    expect(
      parse({ deadlines: { review: { reminders: [{ workingDaysBefore: 1, at: '09:00' }, { workingDaysBefore: 1, at: '09:00' }] } } }),
    ).toThrow('P: /deadlines/review/reminders/1: the reminder 1wd@09:00 is listed twice');
  });

  it('should fail the engine start-up on a deadline key no registered procedure has', async () => {
    const { dir, cleanup } = tmpDir('policy-');
    try {
      const policy = parseNotificationPolicy({ deadlines: { review: {}, reveiw: { escalateTo: ['supervisor'] } } }, 'NOTIFICATION_POLICY_FILE x.json');
      await expect(createEngine({ databasePath: join(dir, 'e.db'), calendar: loadKzCalendar(), procedures, notificationPolicy: policy })).rejects.toThrow(
        /^NOTIFICATION_POLICY_FILE x\.json: \/deadlines\/reveiw: no registered procedure has a deadline "reveiw"; the keys are: .*review/,
      );
    } finally {
      cleanup();
    }
  });

  it('should say which file cannot be read', () => {
    const { dir, cleanup } = tmpDir('policy-');
    try {
      expect(() => loadNotificationPolicy(join(dir, 'missing.json'))).toThrow(/^NOTIFICATION_POLICY_FILE .*missing\.json: cannot be read as JSON/);
      expect(readFileSync(join(import.meta.dirname, '../../../policies/notifications.json'), 'utf8')).toContain('"digest"');
    } finally {
      cleanup();
    }
  });
});
