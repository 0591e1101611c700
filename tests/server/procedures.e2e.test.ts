/**
 * End-to-end scenarios of every procedure over HTTP (app.inject), with the real engine on
 * SQLite and a simulated clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

const deadline = (view: { deadlines: { key: string }[] }, key: string) =>
  view.deadlines.find((d) => d.key === key) as { key: string; status: string; lastDay: string; dueAt: string; open: boolean } | undefined;

const question = {
  applicant: { name: 'Айгерим Сапарова', email: 'aigerim@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Как получить меру государственной поддержки?',
};

describe('P3 feedback-inquiry over HTTP', () => {
  beforeEach(async () => {
    t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  });

  it('should take a question from receipt to the approved answer, with the review deadline met', async () => {
    const created = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({ procedure: 'feedback-inquiry', state: expect.any(String), status: 'active', seq: 1 });
    // 15 calendar days from 2025-03-06 end on Nauryz → the last day moves to 2025-03-26.
    expect(deadline(c, 'review')).toMatchObject({ lastDay: '2025-03-26', dueAt: '2025-03-26T19:00:00.000Z', status: 'pending' });
    expect(c.allowedEvents.map((e: { type: string }) => e.type)).toContain('register');

    t.clock.set('2025-03-07T05:00:00.000Z');
    const view = await advance(t, c.id, [
      ['car', { type: 'register', registrationNumber: 'ЗТ-2025-0042' }],
      ['supervisor', { type: 'assign', unit: 'Департамент экспорта' }],
      ['unit', { type: 'submit_answer', text: 'Ответ…', citations: ['Закон РК «О доступе к информации», ст. 11'], language: 'ru' }],
      ['supervisor', { type: 'approve_answer' }],
    ]);
    expect(view).toMatchObject({ state: 'answered', status: 'done', seq: 5 });
    expect(deadline(view, 'review')).toMatchObject({ status: 'met', open: false });

    const history = (await t.as('auditor').get(`/cases/${c.id}/history`)).json().events;
    expect(history.map((e: { type: string }) => e.type)).toEqual(['created', 'register', 'assign', 'submit_answer', 'approve_answer']);
    expect(history[1]).toMatchObject({ seq: 2, role: 'car', actor: 'car-user' });
    expect(history[1].prevHash).toBe(history[0].hash);

    const messages = (await t.as('auditor').get(`/cases/${c.id}/messages`)).json().messages;
    expect(messages.map((m: { template: string }) => m.template)).toEqual(['acknowledgement', 'answer']);
    expect(messages[0]).toMatchObject({ recipient: 'aigerim@example.kz', language: 'ru', status: 'queued' });
    expect(messages[0].text).toContain('2025-03-26');

    expect((await t.as('auditor').get(`/cases/${c.id}/verify`)).json()).toMatchObject({ ok: true, events: 5, problems: [] });
    const atTwo = (await t.as('auditor').get(`/cases/${c.id}/replay?seq=2`)).json();
    expect(atTwo).toMatchObject({ seq: 2, status: 'active' });
  });

  it('should lengthen the term by an extension and track the notice to the applicant', async () => {
    const c = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question })).json();
    t.clock.set('2025-03-10T06:00:00.000Z');
    const view = await advance(t, c.id, [['chairman', { type: 'extend', days: 30, reason: 'Нужна проверка данных' }]]);
    // PROCEDURES.md: 15 + 30 = 45 days → Sunday 2025-04-20 → Monday 2025-04-21.
    expect(deadline(view, 'review')).toMatchObject({ lastDay: '2025-04-21', status: 'pending' });
    // The notice: 3 calendar days from the decision (Mon 2025-03-10) → Thursday 2025-03-13.
    expect(deadline(view, 'extension_notice')).toMatchObject({ lastDay: '2025-03-13', open: true });
    const messages = (await t.as('car').get(`/cases/${c.id}/messages`)).json().messages;
    expect(messages.map((m: { template: string }) => m.template)).toContain('extension_notice');

    const over = await t.as('chairman').post(`/cases/${c.id}/events`, { type: 'extend', days: 1, reason: 'ещё' });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.code).toBe('invalid_request');
    expect(over.json().error.message).toMatch(/30/);
  });

  it('should show a case received in the past as overdue', async () => {
    // Registered 9 working days after its receipt (within MAX_BACKDATING's default 10wd).
    t.clock.set('2025-03-19T05:00:00.000Z');
    const res = await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { ...question, receivedAt: '2025-03-06T10:00:00+05:00' },
      backdatingReason: 'found in the paper mail',
    });
    expect(res.statusCode).toBe(201);
    t.clock.set('2025-04-01T05:00:00.000Z');
    await t.engine.idle();
    const view = (await t.as('car').get(`/cases/${res.json().id}`)).json();
    expect(view.overdue).toBe(true);
    expect(deadline(view, 'review')).toMatchObject({ lastDay: '2025-03-26', status: 'missed' });
    const overdue = (await t.as('auditor').get('/cases?overdue=true')).json().cases;
    expect(overdue.map((v: { id: string }) => v.id)).toContain(view.id);
    const history = (await t.as('auditor').get(`/cases/${view.id}/history`)).json().events;
    // The engine observed the missed deadline: deadline_missed at dueAt, by the system.
    expect(history.find((e: { type: string }) => e.type === 'deadline_missed')).toMatchObject({
      role: 'system',
      occurredAt: '2025-03-26T19:00:00.000Z',
      payload: { key: 'review' },
    });
  });

  it('should close a proposal as noted and refuse to note a question', async () => {
    const p = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: { ...question, kind: 'proposal' } })).json();
    const noted = await advance(t, p.id, [
      ['car', { type: 'register', registrationNumber: 'П-1' }],
      ['supervisor', { type: 'note_proposal', comment: 'Принято к сведению' }],
    ]);
    expect(noted).toMatchObject({ state: 'noted', status: 'done' });

    const q = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question })).json();
    await advance(t, q.id, [['car', { type: 'register', registrationNumber: 'В-1' }]]);
    const refused = await t.as('supervisor').post(`/cases/${q.id}/events`, { type: 'note_proposal' });
    expect([400, 409]).toContain(refused.statusCode);
    expect(['invalid_request', 'event_not_allowed']).toContain(refused.json().error.code);
  });

  it('should redirect a question outside the competence (P5) and count both deadlines from receipt', async () => {
    const c = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question })).json();
    t.clock.set('2025-03-07T05:00:00.000Z');
    const redirected = await advance(t, c.id, [
      ['car', { type: 'register', registrationNumber: 'В-2' }],
      ['supervisor', { type: 'assign', unit: 'Юридический департамент' }],
      ['unit', { type: 'redirect', reason: 'Вопрос к Министерству торговли' }],
    ]);
    // Received Thu 2025-03-06: 2 working days → Fri 7, Tue 11 (Mon 10 is the carry-over of 8 March).
    expect(deadline(redirected, 'redirect_notice')).toMatchObject({ lastDay: '2025-03-11', status: 'met' });
    expect(deadline(redirected, 'forward')).toMatchObject({ lastDay: '2025-03-12', open: true });

    const done = await advance(t, c.id, [
      ['press_secretary', { type: 'forward', organization: 'Министерство торговли и интеграции', reference: 'ОД-77' }],
    ]);
    expect(done).toMatchObject({ state: 'redirected', status: 'done' });
    expect(deadline(done, 'forward')).toMatchObject({ status: 'met' });
    const messages = (await t.as('auditor').get(`/cases/${c.id}/messages`)).json().messages;
    expect(messages.map((m: { template: string }) => m.template)).toContain('redirect_notice');
  });

  it('should bring a cancelled redirection back to the unit with the review deadline reopened', async () => {
    const c = (await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question })).json();
    const view = await advance(t, c.id, [
      ['car', { type: 'register', registrationNumber: 'В-3' }],
      ['supervisor', { type: 'assign', unit: 'Департамент' }],
      ['unit', { type: 'redirect', reason: 'не наш вопрос' }],
      ['press_secretary', { type: 'cancel_redirect', reason: 'Вопрос всё же в компетенции Общества' }],
    ]);
    expect(view.status).toBe('active');
    expect(deadline(view, 'review')).toMatchObject({ open: true, lastDay: '2025-03-26' });
    expect(view.allowedEvents).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'submit_answer' })]));
  });
});

describe('P1 publication over HTTP', () => {
  beforeEach(async () => {
    t = await buildTestApp({ now: '2025-03-19T05:00:00.000Z' });
  });

  it('should publish a material translated into kk and en on every channel', async () => {
    const created = await t.as('initiator').post('/cases', {
      procedure: 'publication',
      input: { title: 'QazIndustry на выставке', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-03-27' },
    });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    // Publication Thursday 2025-03-27, 2 working days before → 2025-03-20 (Nauryz 21–25 off).
    expect(deadline(c, 'submission')).toMatchObject({ lastDay: '2025-03-20', status: 'met' });

    const sent = await advance(t, c.id, [['press_secretary', { type: 'send_for_translation', languages: ['kk', 'en'] }]]);
    // 2 calendar days from Wed 2025-03-19 → Fri 21 is Nauryz → the first working day, Wed 26.
    expect(deadline(sent, 'translation')).toMatchObject({ lastDay: '2025-03-26', open: true });
    const translated = await advance(t, c.id, [
      ['car', { type: 'deliver_translation', language: 'kk', text: 'Қазақша мәтін' }],
      ['car', { type: 'deliver_translation', language: 'en', text: 'English text' }],
    ]);
    expect(deadline(translated, 'translation')).toMatchObject({ status: 'met', open: false });

    t.clock.set('2025-03-26T05:00:00.000Z');
    const posting = await advance(t, c.id, [['press_secretary', { type: 'send_to_administrator' }]]);
    expect(deadline(posting, 'posting')).toMatchObject({ lastDay: '2025-03-27', open: true });
    const published = await advance(t, c.id, [
      ['administrator', { type: 'post', channel: 'site', url: 'https://qazindustry.gov.kz/news/1' }],
      ['administrator', { type: 'post', channel: 'telegram', url: 'https://t.me/qazindustry/1' }],
    ]);
    expect(published).toMatchObject({ state: 'published', status: 'done' });
    expect(deadline(published, 'posting')).toMatchObject({ status: 'met' });
  });

  it('should accept a late submission and record the shortfall in working days', async () => {
    t.clock.set('2025-03-26T05:00:00.000Z');
    const c = (
      await t.as('initiator').post('/cases', {
        procedure: 'publication',
        input: { title: 'Срочно', kind: 'regular', channels: ['site'], plannedFor: '2025-03-27' },
      })
    ).json();
    const sub = deadline(c, 'submission') as unknown as { status: string; shortfall: { amount: number; unit: string } };
    expect(sub.status).toBe('met_late');
    // Due by 2025-03-20; submitted 2025-03-26, the next working day after it: 1 working day late.
    expect(sub.shortfall).toEqual({ amount: 1, unit: 'working' });
  });
});

describe('P4 blog-question over HTTP', () => {
  beforeEach(async () => {
    t = await buildTestApp({ now: '2026-03-16T05:00:00.000Z' });
  });

  it('should go round the rework loop and post the approved answer', async () => {
    const c = (
      await t.as('press_secretary').post('/cases', {
        procedure: 'blog-question',
        input: { channel: 'e-otinish', author: { name: 'Ерлан' }, language: 'kk', text: 'Сұрақ' },
      })
    ).json();
    // 10 calendar days from Mon 2026-03-16 → Thu 26 (Nauryz 2026 is 21–25 March).
    expect(deadline(c, 'unit_answer')).toMatchObject({ lastDay: '2026-03-26' });
    const agreed = await advance(t, c.id, [
      ['car', { type: 'register', registrationNumber: 'ЖТ-1' }],
      ['press_secretary', { type: 'assign', unit: 'Департамент' }],
      ['unit', { type: 'submit_answer', text: 'Жауап' }],
      ['supervisor', { type: 'agree_answer' }],
    ]);
    expect(deadline(agreed, 'unit_answer')).toMatchObject({ status: 'met' });
    expect(deadline(agreed, 'to_chairman')).toMatchObject({ open: true });

    t.clock.set('2026-03-17T05:00:00.000Z');
    const returned = await advance(t, c.id, [
      ['press_secretary', { type: 'forward_to_chairman' }],
      ['chairman', { type: 'return_for_rework', comment: 'Уточнить сроки' }],
    ]);
    expect(deadline(returned, 'rework')).toMatchObject({ open: true });
    const approved = await advance(t, c.id, [
      ['press_secretary', { type: 'forward_to_chairman', text: 'Жауап (түзетілген)' }],
      ['chairman', { type: 'return_for_rework', comment: 'Ещё раз' }],
      ['press_secretary', { type: 'forward_to_chairman' }],
      ['chairman', { type: 'approve' }],
    ]);
    expect(deadline(approved, 'posting')).toMatchObject({ open: true });
    expect(deadline(approved, 'rework')).toMatchObject({ open: false });
    const posted = await advance(t, c.id, [['press_secretary', { type: 'post', url: 'https://dialog.egov.kz/blogs/1' }]]);
    expect(posted).toMatchObject({ state: 'posted', status: 'done' });
    const history = (await t.as('auditor').get(`/cases/${c.id}/history`)).json().events;
    expect(history.filter((e: { type: string }) => e.type === 'return_for_rework')).toHaveLength(2);
  });
});
