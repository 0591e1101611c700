/**
 * iCalendar feeds (issue 15 §3): a person's private feed token (`/me/feed-token`), the
 * deadlines feed of their queue and the days-off feed (`/feeds/{token}/…`), parsed with
 * an independent RFC 5545 parser (ical.js). No applicant data in a feed: the case here has
 * a distinctive applicant name, e-mail and text, and none of them may appear.
 */
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { sha256Hex, UserDirectory, type AuthFile } from '../../server/auth.js';
import { redactFeedUrl } from '../../server/routes/feeds.js';
import { advance, buildTestApp, kz, token, type HumanRole, type TestApp } from '../helpers/app.js';

const APPLICANT = { name: 'Жанар Уникальнаяфамилия-7Q', email: 'unique-applicant-7q@example.kz' };
const TEXT = 'UNIQUE-QUESTION-TEXT-7Q о поддержке экспорта';
const REG = 'ЗТ-0042/FEED';

let t: TestApp;
let registered: string;
let unregistered: string;

interface Issued {
  token: string;
  createdAt: string;
  paths: { deadlines: string; daysOff: string };
  urls: { deadlines: string; daysOff: string };
}

const issue = async (role: HumanRole): Promise<Issued> => {
  const res = await t.as(role).post('/me/feed-token', {});
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Issued;
};
const fetchFeed = (path: string) => t.app.inject({ method: 'GET', url: path });
const events = (ics: string) => new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent');
const prop = (ev: ICAL.Component, name: string) => ev.getFirstPropertyValue(name);
const day = (ev: ICAL.Component, name: 'dtstart' | 'dtend') => {
  const v = prop(ev, name) as ICAL.Time;
  expect(v.isDate).toBe(true);
  return v.toString();
};

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z', units: true });
  const input = { applicant: APPLICANT, language: 'ru', kind: 'question', text: TEXT };
  registered = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input })).json().id;
  unregistered = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input })).json().id;
  // Registered: now waits on the supervisor (assign); the other still on ЦАР (register).
  await advance(t, registered, [['car', { type: 'register', registrationNumber: REG }]]);
});
afterAll(async () => t?.close());

describe('the feed token', () => {
  it('is issued once with both feed URLs; only its sha-256 is stored; GET says since when, never the token', async () => {
    const before = await t.as('press_secretary').get('/me/feed-token');
    expect(before.json()).toEqual({ active: false });
    const issued = await issue('press_secretary');
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.paths).toEqual({ deadlines: `/feeds/${issued.token}/deadlines.ics`, daysOff: `/feeds/${issued.token}/days-off.ics` });
    expect(issued.urls.deadlines).toMatch(new RegExp(`^http://[^/]+/feeds/${issued.token}/deadlines\\.ics$`));
    const status = await t.as('press_secretary').get('/me/feed-token');
    expect(status.headers['cache-control']).toBe('no-store');
    expect(status.json()).toEqual({ active: true, createdAt: '2025-03-06T05:00:00.000Z' });
    expect(status.body).not.toContain(issued.token);
    const stored = await t.engine.storage.read.feedTokens.activeOf('press_secretary-user');
    expect(stored).toEqual({ userName: 'press_secretary-user', tokenSha256: sha256Hex(issued.token), createdAt: issued.createdAt, revokedAt: null });
  });

  it('needs a signed-in user', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/me/feed-token' });
    expect(res.statusCode).toBe(401);
  });

  it('re-issuing revokes the old token; revoking makes both feeds 404 with the same answer as an unknown token', async () => {
    const first = await issue('chairman');
    expect((await fetchFeed(first.paths.deadlines)).statusCode).toBe(200);
    const second = await issue('chairman');
    expect((await fetchFeed(first.paths.deadlines)).statusCode).toBe(404);
    expect((await fetchFeed(first.paths.daysOff)).statusCode).toBe(404);
    expect((await fetchFeed(second.paths.daysOff)).statusCode).toBe(200);

    const revoked = await t.app.inject({ method: 'DELETE', url: '/me/feed-token', headers: { authorization: `Bearer ${token('chairman')}` } });
    expect(revoked.json()).toEqual({ revoked: true });
    const gone = await fetchFeed(second.paths.deadlines);
    const goneDaysOff = await fetchFeed(second.paths.daysOff);
    const unknown = await fetchFeed(`/feeds/${'A'.repeat(43)}/deadlines.ics`);
    const malformed = await fetchFeed('/feeds/x/deadlines.ics');
    for (const r of [gone, goneDaysOff, unknown, malformed]) {
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual(unknown.json());
    }
    expect(unknown.json().error.code).toBe('not_found');
    expect((await t.as('chairman').get('/me/feed-token')).json()).toEqual({ active: false });
    const again = await t.app.inject({ method: 'DELETE', url: '/me/feed-token', headers: { authorization: `Bearer ${token('chairman')}` } });
    expect(again.json()).toEqual({ revoked: false });
  });

  it('opens nothing once its person is removed from the users file (looked up at each request)', async () => {
    const issued = await issue('administrator');
    const without: AuthFile = { users: [{ name: 'car-user', roles: ['car'], tokenSha256: sha256Hex(token('car')) }] };
    const app2 = await buildApp({ calendars: { kz }, engine: t.engine, users: new UserDirectory(without) });
    try {
      expect((await app2.inject({ method: 'GET', url: issued.paths.daysOff })).statusCode).toBe(404);
      expect((await app2.inject({ method: 'GET', url: issued.paths.deadlines })).statusCode).toBe(404);
    } finally {
      await app2.close();
    }
    expect((await fetchFeed(issued.paths.daysOff)).statusCode).toBe(200);
  });

  it('the feeds are rate-limited per address like the other public routes', async () => {
    const issued = await issue('initiator');
    const users = new UserDirectory({ users: [{ name: 'initiator-user', roles: ['initiator'], tokenSha256: sha256Hex(token('initiator')) }] });
    const app2 = await buildApp({ calendars: { kz }, engine: t.engine, users, feedRateLimit: 2 });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await app2.inject({ method: 'GET', url: issued.paths.daysOff })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      const limited = await app2.inject({ method: 'GET', url: issued.paths.deadlines });
      expect(limited.json().error.code).toBe('rate_limited');
    } finally {
      await app2.close();
    }
  });

  it('the request log writes a feed URL without its token', () => {
    expect(redactFeedUrl('/feeds/abcDEF_-123/deadlines.ics')).toBe('/feeds/…/deadlines.ics');
    expect(redactFeedUrl('/cases/1')).toBe('/cases/1');
  });
});

describe('deadlines.ics', () => {
  it('lists the open deadlines of my queue as all-day events, named by registration number, linked, without applicant data', async () => {
    const issued = await issue('supervisor');
    const res = await fetchFeed(issued.paths.deadlines);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, no-store');
    for (const secret of [APPLICANT.name, APPLICANT.email, 'Уникальнаяфамилия', 'unique-applicant', 'UNIQUE-QUESTION-TEXT']) {
      expect(res.body).not.toContain(secret);
      // Also not folded across a line break.
      expect(res.body.replace(/\r\n /g, '')).not.toContain(secret);
    }
    const cal = new ICAL.Component(ICAL.parse(res.body));
    expect(cal.getFirstPropertyValue('x-wr-calname')).toBeTruthy();
    const view = (await t.as('supervisor').get(`/cases/${registered}`)).json();
    const open = (view.deadlines as { key: string; lastDay: string; rule: string; open: boolean }[]).filter((d) => d.open);
    expect(open.length).toBeGreaterThan(0);
    const evs = events(res.body);
    // The supervisor's queue is the registered case alone (the other waits on ЦАР).
    expect(evs.map((e) => prop(e, 'uid'))).toEqual(open.map((d) => `${registered}.${d.key}.1@procedures.qazindustry.kz`));
    const review = evs.find((e) => String(prop(e, 'uid')).includes('.review.'))!;
    const d = open.find((x) => x.key === 'review')!;
    expect(day(review, 'dtstart')).toBe(d.lastDay);
    expect(day(review, 'dtstart')).toBe('2025-03-26');
    expect(day(review, 'dtend')).toBe('2025-03-27');
    expect(prop(review, 'summary')).toBe(`${REG} — Рассмотрение обращения (${d.rule})`);
    expect(String(prop(review, 'url'))).toMatch(new RegExp(`^http://[^/]+/ui/cases/${registered}$`));
    expect(String(prop(review, 'description'))).toContain(`/ui/cases/${registered}`);
    expect(String(prop(review, 'description'))).toContain('26.03.2025');
    expect(prop(review, 'dtstamp')).toBeTruthy();

    // Stable UIDs: the same events on the next fetch.
    const again = events((await fetchFeed(issued.paths.deadlines)).body).map((e) => prop(e, 'uid'));
    expect(again).toEqual(evs.map((e) => prop(e, 'uid')));
  });

  it('names a case without a registration number by its short id, and follows the queue as the case moves on', async () => {
    const car = await issue('car');
    const carEvents = events((await fetchFeed(car.paths.deadlines)).body);
    expect(carEvents.length).toBeGreaterThan(0);
    expect(carEvents.every((e) => String(prop(e, 'uid')).startsWith(`${unregistered}.`))).toBe(true);
    expect(String(prop(carEvents[0]!, 'summary'))).toMatch(new RegExp(`^№ ${unregistered.slice(0, 8)} — `));

    const unit = await issue('unit');
    expect(events((await fetchFeed(unit.paths.deadlines)).body)).toEqual([]);
    await advance(t, registered, [['supervisor', { type: 'assign', unit: t.units[0]! }]]);
    const unitEvents = events((await fetchFeed(unit.paths.deadlines)).body);
    expect(unitEvents.length).toBeGreaterThan(0);
    expect(unitEvents.every((e) => String(prop(e, 'uid')).startsWith(`${registered}.`))).toBe(true);
    const sup = (await t.as('supervisor').post('/me/feed-token', {})).json() as Issued;
    expect(events((await fetchFeed(sup.paths.deadlines)).body)).toEqual([]);
  });

  it('is empty for the auditor (no queue), who still gets the days off', async () => {
    const issued = await issue('auditor');
    expect(events((await fetchFeed(issued.paths.deadlines)).body)).toEqual([]);
    expect(events((await fetchFeed(issued.paths.daysOff)).body).length).toBeGreaterThan(0);
  });
});

describe('days-off.ics', () => {
  it('has every day off and working weekend day of the calendar years, with its reason in Russian and English', async () => {
    const issued = await issue('car');
    const res = await fetchFeed(issued.paths.daysOff);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const cal = new ICAL.Component(ICAL.parse(res.body));
    expect(String(cal.getFirstPropertyValue('x-wr-calname'))).toContain('Выходные');
    const evs = events(res.body);
    const byDate = new Map(evs.map((e) => [day(e, 'dtstart'), e]));

    // Every day with a reason in the calendar's data, no other.
    const expected: string[] = [];
    for (let y = kz.firstYear; y <= kz.lastYear; y++) {
      for (let ms = Date.UTC(y, 0, 1); ms < Date.UTC(y + 1, 0, 1); ms += 86_400_000) {
        const date = new Date(ms).toISOString().slice(0, 10);
        if (kz.day(date).reason) expected.push(date);
      }
    }
    expect([...byDate.keys()].sort()).toEqual(expected);

    const nauryz = byDate.get('2025-03-21')!;
    expect(prop(nauryz, 'summary')).toBe(kz.day('2025-03-21').reason!.name);
    expect(String(prop(nauryz, 'description'))).toContain(kz.day('2025-03-21').reason!.nameEn);
    expect(day(nauryz, 'dtend')).toBe('2025-03-22');
    // A carry-over, a transfer day off, a religious day, a working Sunday.
    expect(nauryz.getFirstProperty('categories')!.getValues()).toEqual(['day-off', 'holiday']);
    expect(byDate.get('2025-03-24')!.getFirstProperty('categories')!.getValues()).toEqual(['day-off', 'carryover']);
    expect(byDate.get('2025-01-03')!.getFirstProperty('categories')!.getValues()).toEqual(['day-off', 'transfer_day_off']);
    expect(byDate.get('2025-01-07')!.getFirstProperty('categories')!.getValues()).toEqual(['day-off', 'religious']);
    const sunday = byDate.get('2025-01-05')!;
    expect(sunday.getFirstProperty('categories')!.getValues()).toEqual(['working-day', 'transfer_workday']);
    expect(String(prop(sunday, 'summary'))).toMatch(/^Рабочий день/);
    expect(String(prop(sunday, 'description'))).toContain('working Sunday');
    // UIDs are unique.
    expect(new Set(evs.map((e) => prop(e, 'uid'))).size).toBe(evs.length);
  });
});
