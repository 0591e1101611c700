/**
 * GET /cases for the staff's queues (issue 14 §2): the due order with its cursor, the unit
 * filter, search by number, name and text within the read matrix, "mine" of the acting
 * role; and GET /stats, the dashboard's counts (§5).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
/** Inquiries received on successive days (their review deadlines come in that order), created in reverse. */
const inquiries: string[] = [];
let blog: string;
let pub: string;
const inquiry = (name: string, text: string) => ({ applicant: { name, email: 'a@example.kz' }, language: 'ru', kind: 'question', text });

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-10T05:00:00.000Z' });
  // Created newest-received first: the due order is the reverse of the creation order.
  const names = ['Иванова Асель', 'Петров Марат', 'Сидорова Гульнар', 'Ахметов Ерлан'];
  for (let i = 0; i < names.length; i++) {
    const res = await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      occurredAt: `2025-03-0${7 - i}T05:00:00.000Z`,
      backdatingReason: 'received by post',
      input: inquiry(names[i]!, `вопрос о тарифах номер ${i}`),
    });
    expect(res.statusCode, res.body).toBe(201);
    inquiries.push(res.json().id);
  }
  blog = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: { channel: 'blog', author: { name: 'Блогер Ким' }, language: 'ru', text: 'Про экспорт' } })).json().id;
  const p = await t.as('initiator').post('/cases', { procedure: 'publication', input: { title: 'Отчёт за год', kind: 'regular', channels: ['site'], plannedFor: '2025-04-15' } });
  expect(p.statusCode, p.body).toBe(201);
  pub = p.json().id;
  await t.as('car').post(`/cases/${inquiries[0]}/events`, { type: 'register', registrationNumber: 'ВХ-2025-0417' });
  await t.as('supervisor').post(`/cases/${inquiries[0]}/events`, { type: 'assign', unit: 'Департамент экспорта' });
});
afterAll(async () => t.close());

type Page = { cases: { id: string; nextDueAt?: string; deadlines: { dueAt: string; open: boolean }[]; redacted?: boolean }[]; next?: string };
const get = async (query: string, role: Parameters<TestApp['as']>[0] = 'auditor', headers: Record<string, string> = {}) => {
  const res = await t.app.inject({ method: 'GET', url: `/cases${query}`, headers: { authorization: `Bearer token-of-${role}`, ...headers } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Page;
};
const nextDue = (c: Page['cases'][number]) => c.deadlines.filter((d) => d.open).map((d) => d.dueAt).sort()[0] ?? '~';

describe('GET /cases?sort=due', () => {
  it('orders by the nearest open deadline, then id, and pages with its own cursor', async () => {
    const all = await get('?sort=due&procedure=feedback-inquiry');
    const keys = all.cases.map((c) => `${nextDue(c)} ${c.id}`);
    expect(keys).toEqual([...keys].sort());
    // Received 04.03 … 07.03 and not yet registered: the last created is due first.
    expect(all.cases.map((c) => c.id).filter((id) => inquiries.indexOf(id) > 0)).toEqual(inquiries.slice(1).reverse());
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await get(`?sort=due&procedure=feedback-inquiry&limit=3${after ? `&after=${after}` : ''}`);
      seen.push(...page.cases.map((c) => c.id));
      after = page.next;
    } while (after);
    expect(seen).toEqual(all.cases.map((c) => c.id));
    // A cursor of the other order is refused, saying what to do.
    const created = await get('?limit=1');
    const res = await t.as('auditor').get(`/cases?sort=due&after=${created.next}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('puts the cases without an open deadline last', async () => {
    // The blog question waits; close nothing, but check that done cases go after the others.
    const page = await get('?sort=due');
    const withDue = page.cases.filter((c) => nextDue(c) !== '~');
    expect(page.cases.slice(0, withDue.length)).toEqual(withDue);
  });
});

describe('GET /cases?unit=, ?q=, mine with X-Acting-Role', () => {
  it('filters by the responsible unit', async () => {
    expect((await get(`?unit=${encodeURIComponent('Департамент экспорта')}`)).cases.map((c) => c.id)).toEqual([inquiries[0]]);
    expect((await get(`?unit=${encodeURIComponent('Юридический департамент')}`)).cases).toEqual([]);
  });

  it('finds cases by registration number, applicant or author name, and text, in any case', async () => {
    expect((await get(`?q=${encodeURIComponent('вх-2025-04')}`)).cases.map((c) => c.id)).toEqual([inquiries[0]]);
    expect((await get(`?q=${encodeURIComponent('СИДОРОВА')}`)).cases.map((c) => c.id)).toEqual([inquiries[2]]);
    expect((await get(`?q=${encodeURIComponent('блогер')}`)).cases.map((c) => c.id)).toEqual([blog]);
    expect((await get(`?q=${encodeURIComponent('тарифах')}&sort=due`)).cases.map((c) => c.id)).toEqual((await get('?sort=due&procedure=feedback-inquiry')).cases.map((c) => c.id));
    // An event that changes the words is searchable at once (same transaction).
    await t.as('car').post(`/cases/${inquiries[1]}/events`, { type: 'register', registrationNumber: 'ВХ-9999' });
    expect((await get(`?q=${encodeURIComponent('ВХ-9999')}`)).cases.map((c) => c.id)).toEqual([inquiries[1]]);
    const short = await t.as('auditor').get('/cases?q=ab');
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('invalid_request');
  });

  it('never finds, by a name, a case the role sees redacted', async () => {
    // The administrator takes no part in inquiries: their list shows them redacted…
    const listed = await get('?procedure=feedback-inquiry', 'administrator');
    expect(listed.cases.length).toBe(4);
    expect(listed.cases.every((c) => c.redacted === true)).toBe(true);
    // …and a search by the applicant's name, the number or the text finds none of them.
    expect((await get(`?q=${encodeURIComponent('Иванова')}`, 'administrator')).cases).toEqual([]);
    expect((await get(`?q=${encodeURIComponent('ВХ-2025')}`, 'administrator')).cases).toEqual([]);
    expect((await get(`?q=${encodeURIComponent('тарифах')}`, 'administrator')).cases).toEqual([]);
    // ЦАР, who takes part in inquiries, finds them all.
    expect((await get(`?q=${encodeURIComponent('тарифах')}`, 'car')).cases).toHaveLength(4);
  });

  it('mine=true with X-Acting-Role is that role\'s queue alone', async () => {
    expect((await get('?mine=true', 'press_secretary')).cases.map((c) => c.id)).toContain(pub);
    const res = await t.app.inject({ method: 'GET', url: '/cases?mine=true', headers: { authorization: 'Bearer token-two-hats' } });
    const all = (res.json() as Page).cases.map((c) => c.id);
    const asAdmin = await t.app.inject({ method: 'GET', url: '/cases?mine=true', headers: { authorization: 'Bearer token-two-hats', 'x-acting-role': 'administrator' } });
    expect(asAdmin.statusCode).toBe(200);
    const adminIds = (asAdmin.json() as Page).cases.map((c) => c.id);
    expect(all).toContain(pub);
    expect(adminIds).not.toContain(pub);
    const asPress = await t.app.inject({ method: 'GET', url: '/cases?mine=true', headers: { authorization: 'Bearer token-two-hats', 'x-acting-role': 'press_secretary' } });
    expect((asPress.json() as Page).cases.map((c) => c.id)).toEqual(all);
    const notMine = await t.app.inject({ method: 'GET', url: '/cases?mine=true', headers: { authorization: 'Bearer token-two-hats', 'x-acting-role': 'chairman' } });
    expect(notMine.statusCode).toBe(403);
  });
});

describe('GET /stats', () => {
  it('counts open and overdue per procedure and unit, and no personal data', async () => {
    const res = await t.as('administrator').get('/stats');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { now: string; monthStart: string; rows: { procedure: string; unit: string | null; open: number; overdue: number; closedOnTime: number; closedLate: number }[] };
    expect(body.monthStart).toBe('2025-02-28T19:00:00.000Z');
    const row = (procedure: string, unit: string | null) => body.rows.find((r) => r.procedure === procedure && r.unit === unit);
    expect(row('feedback-inquiry', 'Департамент экспорта')).toMatchObject({ open: 1, overdue: 0 });
    expect(row('feedback-inquiry', null)).toMatchObject({ open: 3, overdue: 0 });
    expect(row('blog-question', null)).toMatchObject({ open: 1, overdue: 0 });
    expect(res.body).not.toMatch(/Иванова|тариф/);
    // Two months on, every open case is overdue.
    t.clock.set('2025-05-20T05:00:00.000Z');
    const later = (await t.as('auditor').get('/stats')).json() as typeof body;
    expect(later.monthStart).toBe('2025-04-30T19:00:00.000Z');
    expect(later.rows.find((r) => r.procedure === 'feedback-inquiry' && r.unit === null)).toMatchObject({ open: 3, overdue: 3 });
  });
});
