import { describe, expect, it } from 'vitest';
import { attrs, html, raw } from '../../../server/pages/html.js';
import { formatDate, formatDateTime, remainingText, urgencyOf } from '../../../server/pages/format.js';
import { days, t } from '../../../server/pages/i18n/index.js';
import { MemorySessionStore, csrfMatches } from '../../../server/sessions.js';

describe('templates escape by default', () => {
  it('escapes every interpolated string, keeps nested templates, drops null/false', () => {
    const name = '<img src=x onerror=alert(1)> & "q" \'s\'';
    const out = html`<p title="${name}">${name}${html`<b>${'ok'}</b>`}${null}${false}${undefined}${[1, html`<i>2</i>`]}</p>`.value;
    expect(out).toBe('<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;s&#39;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;s&#39;<b>ok</b>1<i>2</i></p>');
    expect(html`${raw('<hr>')}`.value).toBe('<hr>');
    expect(attrs({ a: 'x"y', b: true, c: false, d: undefined }).value).toBe(' a="x&quot;y" b');
  });
});

describe('dates and what remains, as staff read them', () => {
  it('writes dates dd.MM.yyyy in Asia/Almaty', () => {
    // 19:30 UTC on 17 Dec is 00:30 on 18 Dec in Almaty (UTC+5).
    expect(formatDate('2026-12-17T19:30:00Z', 'Asia/Almaty')).toBe('18.12.2026');
    expect(formatDateTime('2026-12-17T19:30:00Z', 'Asia/Almaty')).toBe('18.12.2026 00:30');
  });
  it('says what remains in working or calendar days, with Russian plurals', () => {
    expect(remainingText('ru', { today: '2026-12-01', calendarDays: 3, workingDays: 2 }, false)).toBe('осталось 2 раб. дня');
    expect(remainingText('ru', { today: '2026-12-01', calendarDays: 5 }, false)).toBe('осталось 5 дней');
    expect(remainingText('ru', { today: '2026-12-01', calendarDays: -3 }, true)).toBe('просрочено на 3 дня');
    expect(remainingText('ru', { today: '2026-12-01', calendarDays: 0, workingDays: 0 }, false)).toBe('сегодня последний день');
    expect(remainingText('en', { today: '2026-12-01', calendarDays: 21, workingDays: 1 }, false)).toBe('1 working day left');
    expect(days('ru', 21, 'calendar')).toBe('21 день');
    expect(days('ru', 11, 'calendar')).toBe('11 дней');
    expect(urgencyOf({ today: '2026-12-01', calendarDays: 1 }, false)).toBe('soon');
    expect(urgencyOf(undefined, true)).toBe('overdue');
    expect(t('kk', 'nav.queue')).toBe('Менің кезегім');
  });
});

describe('sessions', () => {
  it('expire after the idle time and after the absolute time', () => {
    const store = new MemorySessionStore({ idleMs: 1000, absoluteMs: 5000, max: 10 });
    const user = { name: 'u', roles: ['car' as const] };
    const { id, session } = store.create(user, 'ru', 0);
    expect(store.get(id, 900)).toBe(session);
    expect(store.get(id, 1800)).toBe(session); // used at 900: idle 900 ms
    expect(store.get(id, 2900)).toBeUndefined(); // idle 1100 ms
    const b = store.create(user, 'ru', 0);
    for (let now = 900; now < 5000; now += 900) expect(store.get(b.id, now)).toBeDefined();
    expect(store.get(b.id, 5400)).toBeUndefined(); // absolute limit
  });
  it('keeps at most `max` sessions, the oldest going first', () => {
    const store = new MemorySessionStore({ idleMs: 1e9, absoluteMs: 1e9, max: 2 });
    const user = { name: 'u', roles: ['car' as const] };
    const a = store.create(user, 'ru', 0);
    const b = store.create(user, 'ru', 1);
    const c = store.create(user, 'ru', 2);
    expect(store.get(a.id, 3)).toBeUndefined();
    expect(store.get(b.id, 3)).toBeDefined();
    expect(store.get(c.id, 3)).toBeDefined();
  });
  it('compares CSRF tokens exactly', () => {
    const store = new MemorySessionStore();
    const { session } = store.create({ name: 'u', roles: ['car'] }, 'ru', 0);
    expect(csrfMatches(session, session.csrf)).toBe(true);
    expect(csrfMatches(session, `${session.csrf}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
  });
});
