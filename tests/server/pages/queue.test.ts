/**
 * The queue and list pages (issue 14 §2, §5): rows with the stable hook, the due order,
 * filters, search, paging, redaction, the urgency after a clock jump, the overdue view,
 * the dashboard, and the labels in Kazakh and English.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn, type PageClient } from '../../helpers/pages.js';

let t: TestApp;
const inquiries: string[] = [];
let blog: string;
let car: PageClient;

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-10T05:00:00.000Z' });
  const names = ['Иванова Асель', 'Петров Марат', 'Сидорова Гульнар'];
  // Received 07.03, 06.03, 05.03: due in the reverse order of creation.
  for (let i = 0; i < names.length; i++) {
    const res = await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      occurredAt: `2025-03-0${7 - i}T05:00:00.000Z`,
      backdatingReason: 'received by post',
      input: { applicant: { name: names[i], email: 'a@example.kz' }, language: 'ru', kind: 'question', text: `вопрос о тарифах ${i}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    inquiries.push(res.json().id);
  }
  blog = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: { channel: 'blog', author: { name: 'Блогер Ким' }, language: 'ru', text: 'Про экспорт' } })).json().id;
  await t.as('car').post(`/cases/${inquiries[0]}/events`, { type: 'register', registrationNumber: 'ВХ-2025-0417' });
  car = await signIn(t.app, 'car');
});
afterAll(async () => t.close());

const rowIds = (body: string) => [...body.matchAll(/<tr data-case-id="([^"]+)"/g)].map((m) => m[1]!);
const rowOf = (body: string, id: string) => new RegExp(`<tr data-case-id="${id}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';

describe('/ui/queue', () => {
  it('lists the cases waiting on the acting role, nearest due first, one row each with a header row', async () => {
    const res = await car.get('/ui/queue');
    expect(res.statusCode).toBe(200);
    const ids = rowIds(res.body);
    // ЦАР registers inquiries and blog questions; the registered one now waits on the supervisor.
    expect(ids).toEqual(expect.arrayContaining([inquiries[1], inquiries[2], blog]));
    expect(ids).not.toContain(inquiries[0]);
    // Inquiries received 06.03 and 05.03: the earlier is due first.
    expect(ids.indexOf(inquiries[2]!)).toBeLessThan(ids.indexOf(inquiries[1]!));
    expect(res.body).toContain('<th scope="col">Срок</th>');
    const row = rowOf(res.body, inquiries[2]!);
    expect(row).toContain(`href="/ui/cases/${inquiries[2]}"`);
    expect(row).toContain('Сидорова Гульнар');
    expect(row).toMatch(/<time datetime="2025-\d\d-\d\d">\d\d\.\d\d\.2025<\/time>/);
    expect(row).toMatch(/осталось \d+ (раб\. )?(день|дня|дней)/);
    expect(row).toContain('ждёт: ЦАР');
    expect(row).toMatch(/class="urgency-(ok|near)"/);
  });

  it('with two roles, shows the queue of the acting role', async () => {
    const p = await t.as('initiator').post('/cases', { procedure: 'publication', input: { title: 'Отчёт за год', kind: 'regular', channels: ['site'], plannedFor: '2025-04-15' } });
    const pub = p.json().id as string;
    const twoHats = await signIn(t.app, { name: 'two-hats', token: 'token-two-hats' });
    expect(rowIds((await twoHats.get('/ui/queue')).body)).toContain(pub);
    await twoHats.post('/ui/role', { role: 'administrator', back: '/ui/queue' });
    expect(rowIds((await twoHats.get('/ui/queue')).body)).not.toContain(pub);
  });
});

describe('/ui/cases', () => {
  it('filters by procedure, state and search, with a GET form that htmx enhances', async () => {
    const all = await car.get('/ui/cases');
    expect(all.body).toContain('<form method="get" action="/ui/cases" class="filters"');
    expect(all.body).toContain('hx-target="#case-list"');
    expect(all.body).toContain('hx-push-url="true"');
    expect(all.body).toContain('<label for="f-q">');
    expect(rowIds((await car.get('/ui/cases?procedure=blog-question')).body)).toEqual([blog]);
    expect(rowIds((await car.get('/ui/cases?procedure=feedback-inquiry&state=registered')).body)).toEqual([inquiries[0]]);
    expect(rowIds((await car.get(`/ui/cases?q=${encodeURIComponent('сидорова')}`)).body)).toEqual([inquiries[2]]);
    expect(rowIds((await car.get(`/ui/cases?q=${encodeURIComponent('ВХ-2025')}`)).body)).toEqual([inquiries[0]]);
    expect(rowIds((await car.get('/ui/cases?within=3')).body)).toEqual([]);
    expect(rowIds((await car.get('/ui/cases?overdue=1')).body)).toEqual([]);
    // The form keeps what was asked.
    expect((await car.get('/ui/cases?procedure=blog-question&q=abc')).body).toContain('<option value="blog-question" selected>');
    // A search too short is the API's message, not an error page.
    const short = await car.get('/ui/cases?q=ab');
    expect(short.statusCode).toBe(200);
    expect(short.body).toContain('role="alert"');
    // htmx asks for the list alone.
    const fragment = await t.app.inject({ method: 'GET', url: '/ui/cases?procedure=blog-question', headers: { cookie: car.cookie, 'hx-request': 'true' } });
    expect(fragment.body.startsWith('<div id="case-list">')).toBe(true);
    expect(rowIds(fragment.body)).toEqual([blog]);
  });

  it('shows a redacted case without number or name, and never finds it by them', async () => {
    const admin = await signIn(t.app, 'administrator');
    const list = await admin.get('/ui/cases?procedure=feedback-inquiry');
    expect(rowIds(list.body)).toHaveLength(3);
    expect(list.body).not.toMatch(/Иванова|Сидорова|ВХ-2025/);
    expect(rowIds((await admin.get(`/ui/cases?q=${encodeURIComponent('Иванова')}`)).body)).toEqual([]);
    expect(rowIds((await admin.get(`/ui/cases?q=${encodeURIComponent('ВХ-2025')}`)).body)).toEqual([]);
  });

  it('pages by the cursor, next and previous', async () => {
    for (let i = 0; i < 50; i++) {
      await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: { applicant: { name: `Заявитель ${i}`, email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Пакет' } });
    }
    const first = await car.get('/ui/cases');
    const ids1 = rowIds(first.body);
    expect(ids1).toHaveLength(50);
    const next = /<a href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toBeDefined();
    expect(first.body).not.toContain('rel="prev"');
    const second = await car.get(next!);
    const ids2 = rowIds(second.body);
    expect(ids2.length).toBeGreaterThan(0);
    expect(ids2.filter((id) => ids1.includes(id))).toEqual([]);
    const prev = /<a href="([^"]+)" rel="prev"/.exec(second.body)?.[1]?.replace(/&amp;/g, '&');
    expect(rowIds((await car.get(prev!)).body)).toEqual(ids1);
  });
});

describe('labels in Kazakh and English', () => {
  it('writes the columns, the remaining time and the pages in the chosen language', async () => {
    const lang = async (to: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/ui/lang?to=${to}&back=/ui/queue`, headers: { cookie: car.cookie } });
      car.cookie = `${car.cookie.replace(/; qi_lang=[^;]+/, '')}; ${String(res.headers['set-cookie']).split(';')[0]}`;
    };
    await lang('en');
    const en = (await car.get('/ui/queue')).body;
    expect(en).toContain('<th scope="col">Due</th>');
    expect(en).toMatch(/\d+ (working )?days? left/);
    expect(en).toContain('waiting for: Administrative centre (CAR)');
    expect((await car.get('/ui/dashboard')).body).toContain('Closed on time this month');
    await lang('kk');
    const kk = (await car.get('/ui/queue')).body;
    expect(kk).toContain('<th scope="col">Мерзімі</th>');
    expect((await car.get('/ui/overdue')).body).toContain('Орналастыруды бақылау');
    await lang('ru');
  });
});

describe('after the clock jumps (last: the simulated clock never goes back)', () => {
  it('marks a case overdue after the clock jumps, in colour and in words', async () => {
    const before = rowOf((await car.get('/ui/queue')).body, inquiries[2]!);
    expect(before).not.toContain('urgency-overdue');
    t.clock.set('2025-05-20T05:00:00.000Z');
    const after = await car.get('/ui/queue');
    const row = rowOf(after.body, inquiries[2]!);
    expect(row).toContain('class="urgency-overdue"');
    expect(row).toMatch(/просрочено на \d+/);
    // The overdue view lists it, under "no unit".
    const overdue = await car.get('/ui/overdue');
    expect(overdue.statusCode).toBe(200);
    const section = /<section aria-labelledby="overdue">[\s\S]*?<\/section>/.exec(overdue.body)?.[0] ?? '';
    expect(rowIds(section)).toEqual(expect.arrayContaining([inquiries[1], inquiries[2], blog]));
    expect(section).toContain('Подразделение не назначено');
    // The dashboard counts them overdue.
    const dash = await car.get('/ui/dashboard');
    expect(dash.statusCode).toBe(200);
    const total = /<th scope="row">Итого<\/th><td data-count="open">(\d+)<\/td><td class="count-overdue" data-count="overdue">(\d+)<\/td>/.exec(dash.body);
    expect(total).not.toBeNull();
    expect(Number(total![2])).toBeGreaterThanOrEqual(3);
    expect(Number(total![1])).toBeGreaterThanOrEqual(Number(total![2]));
  });
});
