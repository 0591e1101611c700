import { afterEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn, type PageClient } from '../../helpers/pages.js';

let t: TestApp;
afterEach(async () => t?.close());

const question = { applicant: { name: 'Айгерим Сатпаева', email: 'applicant@example.kz' }, language: 'ru', kind: 'question', text: 'Когда откроется приём?' };

async function createP3(): Promise<string> {
  const res = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question });
  expect(res.statusCode).toBe(201);
  return (res.json() as { id: string }).id;
}

/** The form of `type` on a page and its hidden fields, as a browser would send them. */
function formOf(body: string, type: string): { html: string; hidden: Record<string, string> } {
  const m = new RegExp(`<form[^>]*data-event="${type}"[\\s\\S]*?</form>`).exec(body);
  if (!m) throw new Error(`no form ${type} on the page`);
  const hidden: Record<string, string> = {};
  for (const h of m[0].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[h[1]!] = h[2]!;
  return { html: m[0], hidden };
}

async function historyOf(id: string): Promise<{ seq: number; type: string }[]> {
  return ((await t.as('auditor').get(`/cases/${id}/history`)).json() as { events: { seq: number; type: string }[] }).events;
}

async function setup(now?: string): Promise<{ id: string; car: PageClient }> {
  t = await buildTestApp(now ? { now } : {});
  const id = await createP3();
  return { id, car: await signIn(t.app, 'car') };
}

describe('the case page /ui/cases/:id', () => {
  it('shows the state in words, each deadline with its rule, local dates, status, remaining, how it was counted and the calendar version', async () => {
    const { id, car } = await setup();
    const res = await car.get(`/ui/cases/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<strong data-state="received">Поступило</strong>');
    expect(res.body).toContain('Айгерим Сатпаева');
    const row = /<tr data-deadline="review" data-status="pending"[\s\S]*?<\/tr>/.exec(res.body)?.[0] ?? '';
    expect(row).toContain('п. 38, 39');
    expect(row).toContain('<td>06.03.2025</td>');
    expect(row).toContain('<td>26.03.2025</td>');
    expect(row).toContain('осталось 20 дней');
    // 06.03 + 15 = 21.03, Наурыз: the last day moves to 26.03 (the calendar API names the day).
    expect(row).toMatch(/15 календарных дней с 06\.03\.2025; 21\.03 выходной \([^)]+\) → 26\.03/);
    expect(res.body).toMatch(/data-calendar-version="kz-[0-9a-f]+"/);
  });

  it('after the last day the deadline is missed, the case is marked overdue and the page says by how much', async () => {
    const { id, car } = await setup();
    t.clock.set('2025-03-29T05:00:00.000Z');
    const page = (await car.get(`/ui/cases/${id}`)).body;
    const row = /<tr data-deadline="review"[^>]*>[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    expect(row).toContain('data-status="missed"');
    expect(row).toContain('просрочено на 3 дня');
    expect(page).toContain('data-badge="overdue"');
  });

  it('shows the past turns of a repeated deadline (P4 rework twice), each with its own status', async () => {
    t = await buildTestApp({ now: '2026-03-16T05:00:00.000Z' });
    const c = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: { channel: 'e-otinish', author: { name: 'Ерлан' }, language: 'kk', text: 'Сұрақ' } })).json() as { id: string };
    await advance(t, c.id, [
      ['car', { type: 'register', registrationNumber: 'ЖТ-1' }],
      ['press_secretary', { type: 'assign', unit: 'Департамент' }],
      ['unit', { type: 'submit_answer', text: 'Жауап' }],
      ['supervisor', { type: 'agree_answer' }],
      ['press_secretary', { type: 'forward_to_chairman' }],
      ['chairman', { type: 'return_for_rework', comment: 'Уточнить сроки' }],
      ['press_secretary', { type: 'forward_to_chairman' }],
      ['chairman', { type: 'return_for_rework', comment: 'Ещё раз' }],
    ]);
    const ps = await signIn(t.app, 'press_secretary');
    const page = (await ps.get(`/ui/cases/${c.id}`)).body;
    expect(page).toContain('data-state="rework"');
    expect(page).toMatch(/<tr data-deadline="rework" data-status="pending" data-turn="2"/);
    const past = /<tbody class="past">[\s\S]*?<\/tbody>/.exec(page)?.[0] ?? '';
    expect(past).toMatch(/<tr data-deadline="rework" data-status="met" data-turn="1"/);
    expect(past).toContain('круг 1');
    expect(page).toContain('data-event="forward_to_chairman"');
  });

  it('explains a lead time (P1 submission before the planned date) and names the channels and the target date', async () => {
    t = await buildTestApp();
    const c = (await t.as('initiator').post('/cases', { procedure: 'publication', input: { title: 'Итоги квартала', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-03-26' } })).json() as { id: string };
    const ps = await signIn(t.app, 'press_secretary');
    const page = (await ps.get(`/ui/cases/${c.id}`)).body;
    const row = /<tr data-deadline="submission"[^>]*>[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    expect(row).toMatch(/не менее \d+ рабочих дней до 26\.03\.2025 → \d\d\.\d\d\.2025/);
    expect(page).toContain('data-target="publication">26.03.2025');
    expect(page).toContain('Итоги квартала');
    const accept = formOf(page, 'accept').html;
    expect(accept).toContain('<h3 id="ev-accept-1-title">Принять материал</h3>');
  });

  it('offers the actions of the acting role: a person with two roles sees others after switching', async () => {
    t = await buildTestApp();
    const c = (await t.as('initiator').post('/cases', { procedure: 'publication', input: { title: 'Т', kind: 'regular', channels: ['site'], plannedFor: '2025-03-26' } })).json() as { id: string };
    const two = await signIn(t.app, { name: 'two-hats', token: 'token-two-hats' });
    expect((await two.get(`/ui/cases/${c.id}`)).body).toContain('data-event="accept"');
    expect((await two.post('/ui/role', { role: 'administrator', back: `/ui/cases/${c.id}` })).statusCode).toBe(303);
    const asAdmin = (await two.get(`/ui/cases/${c.id}`)).body;
    expect(asAdmin).not.toContain('data-event="accept"');
    expect(asAdmin).toContain('data-event="comment"');
  });

  it('writes dates in Asia/Almaty: a case received at 20:00 UTC counts from the next local day', async () => {
    const { id, car } = await setup('2025-03-06T20:00:00.000Z');
    const row = /<tr data-deadline="review"[\s\S]*?<\/tr>/.exec((await car.get(`/ui/cases/${id}`)).body)?.[0] ?? '';
    expect(row).toContain('<td>07.03.2025</td>');
    expect(row).toContain('15 календарных дней с 07.03.2025');
  });

  it('offers the role its actions as forms named as the payload; a P3 event sent through the form moves the case', async () => {
    const { id, car } = await setup();
    const page = await car.get(`/ui/cases/${id}`);
    const register = formOf(page.body, 'register');
    expect(register.html).toContain('action="/ui/cases/' + id + '/events"');
    expect(register.html).toContain('name="registrationNumber"');
    expect(register.html).toContain('name="occurredAt" type="datetime-local"');
    expect(register.html).toContain('name="backdatingReason"');
    expect(register.hidden).toMatchObject({ type: 'register', seq: '1' });
    expect(register.hidden.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    // Only what this role may send: ЦАР registers; the supervisor's `assign` is not offered.
    expect(page.body).not.toContain('data-event="assign"');
    expect(page.body).not.toContain('data-event="deadline_missed"');

    const res = await car.post(`/ui/cases/${id}/events`, { ...register.hidden, registrationNumber: 'ВХ-17' });
    expect(res.statusCode).toBe(303);
    const after = await car.get(String(res.headers.location));
    expect(after.body).toContain('data-state="registered"');
    expect(after.body).toContain('Событие записано: Зарегистрировать');
    expect(after.body).toContain('ВХ-17');
    expect((await historyOf(id)).at(-1)).toMatchObject({ seq: 2, type: 'register' });

    // The supervisor now sees `assign` with the unit field.
    const supervisor = await signIn(t.app, 'supervisor');
    expect(formOf((await supervisor.get(`/ui/cases/${id}`)).body, 'assign').html).toContain('name="unit"');
  });

  it('an invalid form shows the API\'s message next to the field, keeps what was typed and writes nothing', async () => {
    const { id, car } = await setup();
    const register = formOf((await car.get(`/ui/cases/${id}`)).body, 'register');
    const res = await car.post(`/ui/cases/${id}/events`, { ...register.hidden, registrationNumber: '', backdatingReason: 'typed <b>' });
    expect(res.statusCode).toBe(422);
    const form = formOf(res.body, 'register').html;
    expect(form).toMatch(/name="registrationNumber"[^>]*aria-invalid="true"[^>]*>.*?<span class="field-error" id="[^"]+-registrationNumber-error">[^<]*fewer than 1 characters/s);
    expect(form).toContain('typed &lt;b&gt;</textarea>');
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('an occurredAt the API refuses (later than now) is shown by the occurredAt field, the date section open', async () => {
    const { id, car } = await setup();
    const comment = formOf((await car.get(`/ui/cases/${id}`)).body, 'comment');
    const res = await car.post(`/ui/cases/${id}/events`, { ...comment.hidden, text: 'x', occurredAt: '2025-03-08T10:00' });
    expect(res.statusCode).toBe(422);
    const form = formOf(res.body, 'comment').html;
    expect(form).toContain('<details class="when" open>');
    expect(form).toMatch(/name="occurredAt" type="datetime-local" value="2025-03-08T10:00"[^>]*aria-invalid="true"/);
    expect(form).toMatch(/<span class="field-error" id="[^"]+-occurredAt-error">occurredAt 2025-03-08T10:00:00\+05:00 is later than the server time/);
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('a double submit with the same idempotency key records one event', async () => {
    const { id, car } = await setup();
    const comment = formOf((await car.get(`/ui/cases/${id}`)).body, 'comment');
    const a = await car.post(`/ui/cases/${id}/events`, { ...comment.hidden, text: 'Позвонить заявителю' });
    const b = await car.post(`/ui/cases/${id}/events`, { ...comment.hidden, text: 'Позвонить заявителю' });
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect((await historyOf(id)).filter((e) => e.type === 'comment')).toHaveLength(1);
  });

  it('a form from a stale page says the case moved on, shows the fresh state and records nothing', async () => {
    const { id, car } = await setup();
    const stale = formOf((await car.get(`/ui/cases/${id}`)).body, 'comment');
    await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'ВХ-1' });
    const res = await car.post(`/ui/cases/${id}/events`, { ...stale.hidden, text: 'поздно' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Дело изменилось, пока вы заполняли форму');
    expect(res.body).toContain('data-state="registered"');
    // The form comes back with the typed text and the fresh seq, to send again on purpose.
    const again = formOf(res.body, 'comment');
    expect(again.html).toContain('поздно</textarea>');
    expect(again.hidden.seq).toBe('2');
    expect((await historyOf(id)).filter((e) => e.type === 'comment')).toHaveLength(0);
  });

  it('the auditor sees the case, its history and diagram, and no action form at all', async () => {
    const { id } = await setup();
    await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'ВХ-2' });
    const auditor = await signIn(t.app, 'auditor');
    const res = await auditor.get(`/ui/cases/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-state="registered"');
    expect(res.body).not.toContain('data-event=');
    expect(res.body).not.toMatch(/action="\/ui\/cases\/[^"]+\/events"/);
    expect(res.body).toContain('Аудитор только читает');
  });

  it('a redacted view shows what it has and no names', async () => {
    const { id } = await setup();
    await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'ВХ-3' });
    const admin = await signIn(t.app, 'administrator');
    const res = await admin.get(`/ui/cases/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-badge="redacted"');
    expect(res.body).toContain('data-state="registered"');
    expect(res.body).toContain('data-deadline="review"');
    for (const secret of ['Айгерим', 'applicant@example.kz', 'Когда откроется', 'ВХ-3']) expect(res.body).not.toContain(secret);
    expect(res.body).toContain('содержание скрыто');
  });

  it('shows the history as a timeline: who, role, both local times, what, back-dating with its reason', async () => {
    const { id, car } = await setup();
    t.clock.set('2025-03-07T05:00:00.000Z');
    const register = formOf((await car.get(`/ui/cases/${id}`)).body, 'register');
    const res = await car.post(`/ui/cases/${id}/events`, {
      ...register.hidden,
      registrationNumber: 'ВХ-9',
      occurredAt: '2025-03-06T15:30',
      backdatingReason: 'СЭД был недоступен',
    });
    expect(res.statusCode).toBe(303);
    const page = (await car.get(`/ui/cases/${id}`)).body;
    const entry = /<li data-seq="2" data-type="register"[\s\S]*?<\/li>/.exec(page)?.[0] ?? '';
    expect(entry).toContain('Зарегистрировать — car-user (ЦАР)');
    expect(entry).toContain('произошло <time datetime="2025-03-06T10:30:00.000Z">06.03.2025 15:30</time>');
    expect(entry).toContain('записано <time datetime="2025-03-07T05:00:00.000Z">07.03.2025 10:00</time>');
    expect(entry).toContain('задним числом; причина: СЭД был недоступен');
    expect(entry).toContain('<dt>Регистрационный номер</dt><dd>ВХ-9</dd>');
    expect(page).toContain('data-badge="backdated"');
  });

  it('pages a long history: the first 200 entries and a link to the rest', async () => {
    const { id, car } = await setup();
    for (let i = 0; i < 200; i++) await t.as('car').post(`/cases/${id}/events`, { type: 'comment', text: `c${i}` });
    const page = (await car.get(`/ui/cases/${id}`)).body;
    expect(page.match(/<li data-seq=/g)).toHaveLength(200);
    expect(page).toContain(`href="/ui/cases/${id}?after=200#history-title"`);
    const rest = (await car.get(`/ui/cases/${id}?after=200`)).body;
    expect(rest.match(/<li data-seq=/g)).toHaveLength(1);
    expect(rest).toContain('data-seq="201"');
  });

  it('draws the procedure\'s diagram with the current state highlighted, and lists the states as text', async () => {
    const { id, car } = await setup();
    const page = (await car.get(`/ui/cases/${id}`)).body;
    const pre = /<pre class="mermaid"[^>]*>([\s\S]*?)<\/pre>/.exec(page)?.[1] ?? '';
    expect(pre).toMatch(/^stateDiagram-v2/);
    expect(pre).toContain('class received current');
    expect(page).toMatch(/<li aria-current="step" class="current">Поступило/);
    expect(page).toMatch(/<script src="\/ui\/assets\/mermaid\.tiny\.js\?v=[0-9a-f]+" defer><\/script>/);
  });

  it('speaks Kazakh: states, deadlines, events, fields and the explanation', async () => {
    const { id, car } = await setup();
    car.cookie += '; qi_lang=kk';
    const page = (await car.get(`/ui/cases/${id}`)).body;
    expect(page).toContain('<html lang="kk">');
    expect(page).toContain('<strong data-state="received">Түсті</strong>');
    expect(page).toContain('Өтінішті қарау');
    expect(page).toContain('06.03.2025 бастап 15 күнтізбелік күн');
    const register = formOf(page, 'register').html;
    expect(register).toContain('<h3 id="ev-register-1-title">Тіркеу</h3>');
    expect(register).toContain('Тіркеу нөмірі');
  });

  it('an unknown case is an HTML 404', async () => {
    const { car } = await setup();
    const res = await car.get('/ui/cases/00000000-0000-0000-0000-000000000000');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Дело не найдено.');
  });
});

describe('messages on the case page', () => {
  it('lists the messages with their status; a failed one gets "resend" and "record notice"; correct, then resend, through the forms', async () => {
    const { createEngine, SimulatedClock } = await import('../../../engine/index.js');
    const { procedures } = await import('../../../machines/index.js');
    const { buildApp } = await import('../../../server/app.js');
    const { sha256Hex, UserDirectory } = await import('../../../server/auth.js');
    const { kz, token } = await import('../../helpers/app.js');
    const sent: string[] = [];
    let refusing = true;
    const engine = await createEngine({
      databasePath: ':memory:',
      clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
      calendar: kz,
      procedures,
      retry: { maxAttempts: 1 },
      transport: {
        sendMail: (m) => {
          if (refusing) return Promise.reject(Object.assign(new Error('550 no such mailbox'), { responseCode: 550 }));
          sent.push((m as { to: { address: string } }).to.address);
          return Promise.resolve({ messageId: m.messageId, response: '250 OK' });
        },
      },
    });
    const users = new UserDirectory({
      users: (['car', 'auditor'] as const).map((role) => ({ name: `${role}-user`, roles: [role], tokenSha256: sha256Hex(token(role)) })) as ConstructorParameters<typeof UserDirectory>[0]['users'],
    });
    const app = await buildApp({ calendars: { kz }, engine, users, intakeRateLimit: 1000 });
    try {
      await engine.start();
      const id = (await engine.createCase('feedback-inquiry', { ...question, applicant: { name: 'Айгерим', email: 'aigerim@exmaple.kz' } }, { actor: { name: 'car-user', role: 'car' } })).view.id;
      await engine.idle();
      const car = await signIn(app, 'car');
      const page = (await car.get(`/ui/cases/${id}`)).body;
      expect(page).toContain('data-badge="undelivered"');
      const row = new RegExp(`<tr data-message-id="${id}:1:0" data-message-status="failed">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
      expect(row).toContain('aigerim@exmaple.kz');
      expect(row).toContain('Подтверждение получения');
      expect(row).toContain('не доставлено');
      expect(formOf(page, 'resend_message').hidden).toMatchObject({ messageId: `${id}:1:0`, type: 'resend_message' });
      expect(formOf(page, 'record_notice').html).toContain('name="channel"');
      // Allowed values in words.
      expect(formOf(page, 'record_notice').html).toContain('<option value="phone">Телефон</option>');

      // Correct the address (the creation's field), then resend from the message's row.
      const correct = formOf(page, 'correct');
      // Its payload has a `seq` of its own (the entry corrected): the case's seq travels as `caseSeq`.
      expect(correct.html).toContain('name="seq" type="number"');
      // seq 2 is the engine's `message_failed`.
      expect(correct.hidden).toMatchObject({ type: 'correct', caseSeq: '2' });
      const fixed = await car.post(`/ui/cases/${id}/events`, { ...correct.hidden, seq: '1', field: 'applicant.email', value: 'aigerim@example.kz', reason: 'опечатка в домене' });
      expect(fixed.statusCode, fixed.body.slice(0, 500)).toBe(303);
      refusing = false;
      const resend = formOf((await car.get(`/ui/cases/${id}`)).body, 'resend_message');
      expect((await car.post(`/ui/cases/${id}/events`, resend.hidden)).statusCode).toBe(303);
      await engine.idle();
      expect(sent).toEqual(['aigerim@example.kz']);
      const after = (await car.get(`/ui/cases/${id}`)).body;
      expect(after).not.toContain('data-badge="undelivered"');
      expect(after).toMatch(/<li data-seq="3" data-type="correct" class="correction">[\s\S]*?исправляет запись №1, поле «Эл. почта заявителя»/);
      expect(after).toMatch(/<li data-seq="1"[^>]*>[\s\S]*?исправлено записью №3/);
    } finally {
      await app.close();
      await engine.close();
    }
  });
});
