/** Through the HTTP API: the record events in the history, the staff mail among the case's messages, verify passing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../../calendars/index.js';
import { buildApp } from '../../../server/app.js';
import { sha256Hex, UserDirectory } from '../../../server/auth.js';
import { car, notifyEngine, question, reminderPolicy, type NotifyEngine } from './helpers.js';

describe('reminders and escalations over HTTP', () => {
  let t: NotifyEngine;
  beforeEach(async () => {
    t = await notifyEngine({ notificationPolicy: reminderPolicy });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('should show reminder_queued and escalation_queued in the history, the staff mail in /messages, and verify', async () => {
    const id = (await t.engine.createCase('feedback-inquiry', question, { actor: car })).view.id;
    t.clock.set('2025-03-26T04:00:00Z');
    await t.engine.idle();
    t.clock.set('2025-03-27T00:00:00Z');
    await t.engine.idle();
    const users = new UserDirectory({ users: [{ name: 'Audit', roles: ['auditor'], tokenSha256: sha256Hex('tok') }] });
    const app = await buildApp({ calendars: { kz: loadKzCalendar() }, engine: t.engine, users });
    try {
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: 'Bearer tok' } });
      const history = await get(`/cases/${id}/history`);
      expect(history.statusCode).toBe(200);
      const types = (history.json() as { events: { type: string }[] }).events.map((e) => e.type);
      expect(types).toEqual(['created', 'reminder_queued', 'deadline_missed', 'escalation_queued']);
      const messages = await get(`/cases/${id}/messages`);
      expect(messages.statusCode).toBe(200);
      const body = messages.json() as { messages: { kind: string; template: string; status: string }[] };
      expect(body.messages.map((m) => [m.kind, m.template, m.status])).toEqual([
        ['mail', 'acknowledgement', 'sent'],
        ['staff_mail', 'staff_reminder', 'sent'],
        ['staff_mail', 'staff_escalation', 'sent'],
      ]);
      const verify = await get(`/cases/${id}/verify`);
      expect(verify.statusCode).toBe(200);
      expect(verify.json()).toMatchObject({ ok: true, problems: [] });
    } finally {
      await app.close();
    }
  });
});
