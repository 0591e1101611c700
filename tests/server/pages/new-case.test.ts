import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn, type PageClient } from '../../helpers/pages.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => t.close());

/** The idempotency key of the rendered form of `procedure`. */
function keyOf(body: string, procedure: string): string {
  const form = body.slice(body.indexOf(`data-procedure="${procedure}"`));
  const key = /name="_key" value="([^"]+)"/.exec(form)?.[1];
  if (!key) throw new Error(`no form for ${procedure}`);
  return key;
}

async function formOf(client: PageClient, procedure: string): Promise<{ body: string; key: string }> {
  const res = await client.get('/ui/new');
  expect(res.statusCode).toBe(200);
  return { body: res.body, key: keyOf(res.body, procedure) };
}

async function allCases(): Promise<{ id: string; procedure: string }[]> {
  return (await t.as('auditor').get('/cases')).json().cases;
}

describe('new case forms (/ui/new)', () => {
  it('shows the forms of the procedures the acting role creates, generated from the input schema, with our labels', async () => {
    const initiator = await signIn(t.app, 'initiator');
    const { body } = await formOf(initiator, 'publication');
    expect(body).toContain('data-event="create" data-procedure="publication"');
    expect(body).not.toContain('data-procedure="blog-question"');
    expect(body).not.toContain('data-procedure="feedback-inquiry"');
    expect(body).toContain('<label for="new-publication-title">Заголовок материала</label>');
    expect(body).toMatch(/<input type="checkbox" name="channels" value="telegram" id="new-publication-channels-3"> Telegram/);
    expect(body).toContain('<option value="procurement">Объявление о закупках</option>');
    expect(body).toContain('name="plannedFor" type="date"');
    expect(body).toContain('name="occurredAt" type="datetime-local"');
    expect(body).toContain('name="backdatingReason"');
    // The input's receivedAt is the envelope's occurredAt: one field, not two.
    expect(body).not.toContain('name="receivedAt"');
    // No English schema descriptions under the Russian labels.
    expect(body).not.toContain('title of the material');

    const car = await signIn(t.app, 'car');
    const carPage = await formOf(car, 'feedback-inquiry');
    expect(carPage.body).toContain('<label for="new-feedback-inquiry-applicant-email">E-mail заявителя</label>');
    expect(carPage.body).toContain('name="applicant.email" type="email" required');

    const auditor = await signIn(t.app, 'auditor');
    const none = await auditor.get('/ui/new');
    expect(none.body).not.toContain('data-event="create"');
    expect(none.body).toContain('В роли «Аудитор» дела не создаются.');
  });

  it('gives every element of the page its own id, so each label points at its field (a publication\'s `title` once shared the heading\'s id)', async () => {
    for (const role of ['initiator', 'press_secretary', 'car'] as const) {
      const { body } = await formOf(await signIn(t.app, role), role === 'initiator' ? 'publication' : role === 'car' ? 'feedback-inquiry' : 'blog-question');
      const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i), role).toEqual([]);
      // Every label's `for` names an input, a select or a textarea.
      for (const [, id] of body.matchAll(/<label for="([^"]+)"/g)) expect(body, id).toMatch(new RegExp(`<(input|select|textarea)[^>]*\\sid="${id}"`));
    }
  });

  it('creates a publication with its channels and planned date: 303 to the case page', async () => {
    const initiator = await signIn(t.app, 'initiator');
    const { key } = await formOf(initiator, 'publication');
    const res = await initiator.post('/ui/new/publication', { _key: key, title: 'Итоги квартала', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-03-27', body: '' });
    expect(res.statusCode).toBe(303);
    const id = /^\/ui\/cases\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1];
    expect(id).toBeDefined();
    const view = (await t.as('initiator').get(`/cases/${id}`)).json();
    expect(view.procedure).toBe('publication');
    expect(view.context).toMatchObject({ title: 'Итоги квартала', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-03-27' });
    expect(view.context.body).toBeUndefined();
  });

  it('creates an appearance (press secretary) from the form generated from its schema', async () => {
    const press = await signIn(t.app, 'press_secretary');
    const res = await press.post('/ui/new/appearance', {
      _key: keyOf((await press.get('/ui/new')).body, 'appearance'),
      outlet: 'Khabar 24',
      format: 'round_table',
      topic: 'Экспорт',
      broadcast: 'live',
      questions: 'Что нового?\nКакие меры?',
      place: 'Астана',
      scheduledAt: '2025-03-27T15:00',
    });
    expect(res.statusCode, res.body).toBe(303);
    const view = (await t.as('press_secretary').get(String(res.headers.location).replace('/ui', ''))).json();
    expect(view.procedure).toBe('appearance');
    expect(view.state).toBe('requested');
    expect(view.context).toMatchObject({ format: 'round_table', questions: ['Что нового?', 'Какие меры?'], appearanceDay: '2025-03-27' });
    expect(Date.parse(view.context.scheduledAt)).toBe(Date.parse('2025-03-27T15:00:00+05:00'));
  });

  it('creates a blog question (press secretary) and a feedback inquiry received earlier (ЦАР), the receipt time read in Almaty', async () => {
    const press = await signIn(t.app, 'press_secretary');
    const blog = await press.post('/ui/new/blog-question', { _key: keyOf((await press.get('/ui/new')).body, 'blog-question'), channel: 'blog', 'author.name': 'Ерлан', 'author.contact': '', language: 'kk', text: 'Сұрақ' });
    expect(blog.statusCode).toBe(303);
    const blogView = (await t.as('press_secretary').get(String(blog.headers.location).replace('/ui', ''))).json();
    expect(blogView.procedure).toBe('blog-question');
    expect(blogView.context).toMatchObject({ channel: 'blog', author: { name: 'Ерлан' }, language: 'kk', text: 'Сұрақ' });

    const car = await signIn(t.app, 'car');
    const { key } = await formOf(car, 'feedback-inquiry');
    const res = await car.post('/ui/new/feedback-inquiry', {
      _key: key,
      'applicant.name': 'Айгерим',
      'applicant.email': 'a@example.kz',
      language: 'ru',
      kind: 'question',
      text: 'Когда?',
      occurredAt: '2025-03-05T17:30',
      backdatingReason: 'Поступило по почте вечером',
    });
    expect(res.statusCode).toBe(303);
    const id = String(res.headers.location).split('/').pop();
    const view = (await t.as('car').get(`/cases/${id}`)).json();
    expect(view.context).toMatchObject({ applicant: { name: 'Айгерим', email: 'a@example.kz' }, kind: 'question', receivedAt: '2025-03-05T12:30:00.000Z' });
    const history = (await t.as('auditor').get(`/cases/${id}/history`)).json().events;
    expect(history[0]).toMatchObject({ role: 'car', actor: 'car-user', backdated: true, backdatingReason: 'Поступило по почте вечером' });
  });

  it('shows the API\'s message next to the field, keeps the values, and creates nothing', async () => {
    const car = await signIn(t.app, 'car');
    const { key } = await formOf(car, 'feedback-inquiry');
    const res = await car.post('/ui/new/feedback-inquiry', { _key: key, 'applicant.name': 'Айгерим <b>', 'applicant.email': 'not-an-email', language: 'ru', kind: 'question', text: 'Текст' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="new-feedback-inquiry-applicant-email"[^>]*value="not-an-email"[^>]*aria-describedby="new-feedback-inquiry-applicant-email-error" aria-invalid="true"/);
    expect(res.body).toContain('<span class="field-error" id="new-feedback-inquiry-applicant-email-error">must match format &quot;email&quot;</span>');
    expect(res.body).toContain('value="Айгерим &lt;b&gt;"');
    // The same key comes back: the corrected form is still the same submission.
    expect(keyOf(res.body, 'feedback-inquiry')).toBe(key);
    expect(await allCases()).toHaveLength(0);

    // A rule across fields (п. 11) is shown at the field it names.
    const initiator = await signIn(t.app, 'initiator');
    const pub = await initiator.post('/ui/new/publication', { _key: keyOf((await initiator.get('/ui/new')).body, 'publication'), title: 'T', kind: 'regular', channels: 'site' });
    expect(pub.statusCode).toBe(400);
    expect(pub.body).toMatch(/<span class="field-error" id="new-publication-plannedFor-error">A regular material needs &quot;plannedFor&quot;/);
    // A receipt long ago without its reason: at the reason.
    const late = await initiator.post('/ui/new/publication', { _key: keyOf((await initiator.get('/ui/new')).body, 'publication'), title: 'T', kind: 'regular', channels: 'site', plannedFor: '2025-03-27', occurredAt: '2025-03-04T09:00' });
    expect(late.statusCode).toBe(400);
    expect(late.body).toMatch(/<span class="field-error" id="new-publication-backdatingReason-error">occurredAt [^<]*backdatingReason/);
    expect(late.body).toContain('value="2025-03-04T09:00"');
    expect(await allCases()).toHaveLength(0);
  });

  it('a double submit of one form is one case', async () => {
    const initiator = await signIn(t.app, 'initiator');
    const { key } = await formOf(initiator, 'publication');
    const form = { _key: key, title: 'Один раз', kind: 'graphic', channels: ['instagram'], plannedFor: '2025-03-27' };
    const [a, b] = await Promise.all([initiator.post('/ui/new/publication', form), initiator.post('/ui/new/publication', form)]);
    const c = await initiator.post('/ui/new/publication', form);
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([303, 303, 303]);
    expect(new Set([a.headers.location, b.headers.location, c.headers.location]).size).toBe(1);
    expect(await allCases()).toHaveLength(1);
    // A fresh form is a fresh key: a second material.
    const again = await initiator.post('/ui/new/publication', { ...form, _key: (await formOf(initiator, 'publication')).key });
    expect(again.headers.location).not.toBe(a.headers.location);
    expect(await allCases()).toHaveLength(2);
  });

  it('refuses a procedure the acting role does not create (and nothing is created)', async () => {
    const car = await signIn(t.app, 'car');
    await car.get('/ui/new');
    const res = await car.post('/ui/new/publication', { title: 'T', kind: 'regular', channels: 'site', plannedFor: '2025-03-27' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Нет такой процедуры, или ваша роль её не создаёт.');
    expect(await allCases()).toHaveLength(0);
  });
});
