import { describe, expect, it } from 'vitest';
import { publication } from '../../machines/publication/index.js';
import { CaseDriver, almaty, deps, expectRejected, meta } from './helpers.js';

const material = (over: Record<string, unknown> = {}) => ({
  title: 'Экспорт: итоги квартала',
  body: 'Текст',
  kind: 'regular',
  channels: ['site', 'telegram'],
  plannedFor: '2025-04-17',
  ...over,
});

describe('publication (P1) — submission lead times (п. 11)', () => {
  it('should judge a regular material for Thu 2025-04-17 met when submitted by the end of Tue 2025-04-15 (PROCEDURES.md example)', () => {
    const c = new CaseDriver(publication, material(), almaty('2025-04-15', '23:59'), 'initiator');
    expect(c.deadline('submission')).toMatchObject({
      lastDay: '2025-04-15',
      status: 'met',
      open: false,
      from: '2025-04-17',
      amount: 2,
      reading: 'working',
    });
    expect(c.state).toBe('editing');
  });

  it('should accept a late regular material, mark it met_late and record the shortfall in working days', () => {
    const c = new CaseDriver(publication, material(), almaty('2025-04-16', '09:00'), 'initiator');
    expect(c.deadline('submission')).toMatchObject({ status: 'met_late', shortfall: { amount: 1, unit: 'working' } });
    const sameDay = new CaseDriver(publication, material(), almaty('2025-04-17', '09:00'), 'initiator');
    expect(sameDay.deadline('submission').shortfall).toEqual({ amount: 2, unit: 'working' });
  });

  it('should count the lead time back across Nauryz 2025 (publication 2025-03-27 → submit by 2025-03-20)', () => {
    const onTime = new CaseDriver(publication, material({ plannedFor: '2025-03-27' }), almaty('2025-03-20', '18:00'), 'initiator');
    expect(onTime.deadline('submission')).toMatchObject({ lastDay: '2025-03-20', status: 'met' });
    // Submitted on Mon 24 March (a day off): only Wed 26 is left before P — 1 of 2 working days short.
    const late = new CaseDriver(publication, material({ plannedFor: '2025-03-27' }), almaty('2025-03-24'), 'initiator');
    expect(late.deadline('submission')).toMatchObject({ status: 'met_late', shortfall: { amount: 1, unit: 'working' } });
  });

  it('should give a graphic material 3 working days across Nauryz 2026 (publication 2026-03-27 → 2026-03-19)', () => {
    const c = new CaseDriver(publication, material({ kind: 'graphic', plannedFor: '2026-03-27' }), almaty('2026-03-20'), 'initiator');
    expect(c.deadline('submission')).toMatchObject({ lastDay: '2026-03-19', amount: 3, status: 'met_late', shortfall: { amount: 1, unit: 'working' } });
  });

  it('should give a procurement announcement 1 working day after publication, the transfer Sunday 2025-01-05 included', () => {
    const input = material({ kind: 'procurement', plannedFor: undefined, announcementPublishedAt: almaty('2025-01-03', '12:00') });
    const onTime = new CaseDriver(publication, input, almaty('2025-01-05', '17:00'), 'initiator');
    expect(onTime.deadline('submission')).toMatchObject({ lastDay: '2025-01-05', status: 'met', reading: 'working', from: almaty('2025-01-03', '12:00') });
    const late = new CaseDriver(publication, input, almaty('2025-01-06', '09:00'), 'initiator');
    expect(late.deadline('submission')).toMatchObject({ status: 'met_late', shortfall: { amount: 1, unit: 'working' } });
  });

  it('should refuse a creation without the date its kind needs, or with a channel twice', () => {
    const noDate = publication.start(deps, material({ plannedFor: undefined }), meta(almaty('2025-04-01'), 'initiator'));
    expect(noDate).toMatchObject({ ok: false, code: 'invalid_request' });
    expect(!noDate.ok && noDate.message).toMatch(/plannedFor/);
    const noAnnouncement = publication.start(deps, material({ kind: 'procurement' }), meta(almaty('2025-04-01'), 'initiator'));
    expect(!noAnnouncement.ok && noAnnouncement.message).toMatch(/announcementPublishedAt/);
    const twice = publication.start(deps, material({ channels: ['site', 'site'] }), meta(almaty('2025-04-01'), 'initiator'));
    expect(twice).toMatchObject({ ok: false, code: 'invalid_request' });
  });
});

describe('publication (P1) — editing, translation (P2) and posting', () => {
  it('should loop through request_changes/resubmit, record accept and reschedule, and reject', () => {
    const c = new CaseDriver(publication, material(), almaty('2025-04-16'), 'initiator');
    c.send('request_changes', { comment: 'добавить цифры' }, almaty('2025-04-16', '11:00'), 'press_secretary');
    expect(c.state).toBe('changes_requested');
    expectRejected(c.try('send_for_translation', { languages: ['kk'] }, almaty('2025-04-16', '11:30'), 'press_secretary'), 'event_not_allowed');
    c.send('resubmit', { body: 'Текст с цифрами' }, almaty('2025-04-16', '12:00'), 'initiator');
    expect(c.state).toBe('editing');
    expect(c.context.body).toBe('Текст с цифрами');
    c.send('reschedule', { plannedFor: '2025-04-21' }, almaty('2025-04-16', '13:00'), 'press_secretary');
    c.send('accept', { note: 'в план' }, almaty('2025-04-16', '13:05'), 'press_secretary');
    expect(c.context.plannedFor).toBe('2025-04-21');
    expect(c.context.schedule).toEqual([
      { decision: 'rescheduled', plannedFor: '2025-04-21', previous: '2025-04-17', at: almaty('2025-04-16', '13:00') },
      { decision: 'accepted', plannedFor: '2025-04-21', note: 'в план', at: almaty('2025-04-16', '13:05') },
    ]);
    // The submission stays judged against the date it was submitted for.
    expect(c.deadline('submission').status).toBe('met_late');
    const r = c.send('reject', { reason: 'неактуально' }, almaty('2025-04-17'), 'press_secretary');
    expect(r.status).toBe('done');
    expect(c.state).toBe('rejected');
  });

  it('should translate per language in parallel, close translation at the last delivery and move its end off Kurban Ait 2025', () => {
    const c = new CaseDriver(publication, material({ plannedFor: '2025-06-10' }), almaty('2025-06-02'), 'initiator');
    c.send('send_for_translation', { languages: ['kk', 'en'] }, almaty('2025-06-04'), 'press_secretary');
    expect(c.state).toBe('translation');
    // 2 calendar days from Wed 06-04 → Fri 06-06 (Kurban Ait) → Mon 06-09.
    expect(c.deadline('translation')).toMatchObject({ lastDay: '2025-06-09', open: true, status: 'pending', reading: 'calendar', unit: 'days' });
    c.send('deliver_translation', { language: 'en', text: 'Export results' }, almaty('2025-06-05'), 'car');
    expect(c.state).toBe('translation');
    expect(c.deadline('translation').open).toBe(true);
    expect(c.context.children.translation.state).toBe('translating.kk.pending,en.delivered');
    const dup = expectRejected(c.try('deliver_translation', { language: 'en', text: 'again' }, almaty('2025-06-05'), 'car'), 'invalid_request');
    expect(dup.message).toMatch(/already delivered/);
    expectRejected(c.try('send_to_administrator', {}, almaty('2025-06-05'), 'press_secretary'), 'event_not_allowed');
    c.send('deliver_translation', { language: 'kk', text: 'Экспорт қорытындылары' }, almaty('2025-06-09', '23:00'), 'car');
    expect(c.state).toBe('translated');
    expect(c.deadline('translation')).toMatchObject({ status: 'met', open: false, closedAt: almaty('2025-06-09', '23:00') });
    expect(Object.keys(c.context.translations).sort()).toEqual(['en', 'kk']);
    expect(c.context.children).toBeUndefined();
  });

  it('should skip a language declared not needed and refuse a delivery in it', () => {
    const c = new CaseDriver(publication, material(), almaty('2025-04-14'), 'initiator');
    expectRejected(c.try('send_for_translation', { languages: ['kk', 'kk'] }, almaty('2025-04-14'), 'press_secretary'), 'invalid_request');
    c.send('send_for_translation', { languages: ['kk'] }, almaty('2025-04-14'), 'press_secretary');
    const rej = expectRejected(c.try('deliver_translation', { language: 'en', text: 'x' }, almaty('2025-04-14'), 'car'), 'invalid_request');
    expect(rej.message).toMatch(/No translation into "en"/);
    c.send('deliver_translation', { language: 'kk', text: 'аударма' }, almaty('2025-04-15'), 'car');
    expect(c.state).toBe('translated');
  });

  it('should post per channel with a URL each, refuse a channel twice or one not targeted, and end when all are posted', () => {
    const c = new CaseDriver(publication, material({ channels: ['site', 'facebook', 'telegram'] }), almaty('2025-04-14'), 'initiator');
    c.send('send_to_administrator', {}, almaty('2025-04-15', '17:00'), 'press_secretary');
    expect(c.state).toBe('posting');
    expect(c.deadline('posting')).toMatchObject({ lastDay: '2025-04-16', open: true });
    c.send('post', { channel: 'site', url: 'https://qazindustry.gov.kz/news/1' }, almaty('2025-04-16', '10:00'), 'administrator');
    expect(c.state).toBe('posting');
    const twice = expectRejected(c.try('post', { channel: 'site', url: 'https://x' }, almaty('2025-04-16'), 'administrator'), 'invalid_request');
    expect(twice.message).toMatch(/already posted/);
    const other = expectRejected(c.try('post', { channel: 'instagram', url: 'https://x' }, almaty('2025-04-16'), 'administrator'), 'invalid_request');
    expect(other.message).toMatch(/does not target "instagram"/);
    c.send('post', { channel: 'facebook', url: 'https://facebook.com/q/1' }, almaty('2025-04-16', '12:00'), 'administrator');
    const r = c.send('post', { channel: 'telegram', url: 'https://t.me/q/1' }, almaty('2025-04-17', '09:00'), 'administrator');
    expect(r.status).toBe('done');
    expect(c.state).toBe('published');
    expect(c.deadline('posting')).toMatchObject({ status: 'met_late', closedAt: almaty('2025-04-17', '09:00'), shortfall: { amount: 1, unit: 'calendar' } });
    expect(Object.keys(c.context.posts)).toEqual(['site', 'facebook', 'telegram']);
  });

  it('should count posting as working days when the deployment reads the unqualified "day" so', () => {
    const working = { ...deps, readings: { posting: 'working' as const } };
    const c = new CaseDriver(publication, material(), almaty('2025-03-14'), 'initiator', working);
    c.send('send_to_administrator', {}, almaty('2025-03-20', '16:00'), 'press_secretary');
    // 1 working day after Thu 2025-03-20 across Nauryz: Wed 03-26 (21 Fri is off too).
    expect(c.deadline('posting')).toMatchObject({ reading: 'working', lastDay: '2025-03-26' });
  });

  it('should list the events the state accepts, with roles', () => {
    const c = new CaseDriver(publication, material(), almaty('2025-04-14'), 'initiator');
    expect(publication.allowedEvents(deps, c.snapshot)).toEqual([
      { type: 'accept', roles: ['press_secretary'] },
      { type: 'request_changes', roles: ['press_secretary'] },
      { type: 'reschedule', roles: ['press_secretary'] },
      { type: 'reject', roles: ['press_secretary'] },
      { type: 'send_for_translation', roles: ['press_secretary'] },
      { type: 'send_to_administrator', roles: ['press_secretary'] },
      { type: 'comment', roles: ['initiator', 'press_secretary', 'administrator', 'car', 'unit', 'supervisor', 'chairman'] },
      { type: 'message_delivered', roles: ['system'] },
      { type: 'message_failed', roles: ['system'] },
      { type: 'reminder_queued', roles: ['system'] },
      { type: 'escalation_queued', roles: ['system'] },
      { type: 'deadline_missed', roles: ['system'] },
      { type: 'deadline_recounted', roles: ['system'] },
    ]);
  });
});
