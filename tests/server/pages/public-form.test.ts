import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock } from '../../../engine/index.js';
import { procedures } from '../../../machines/index.js';
import { buildApp } from '../../../server/app.js';
import { UserDirectory } from '../../../server/auth.js';
import { loadConfig, parseFrameAncestors } from '../../../server/config.js';
import { buildTestApp, kz, type TestApp } from '../../helpers/app.js';
import { encodeForm, signIn } from '../../helpers/pages.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ intakeRateLimit: 1000 });
});
afterEach(async () => t.close());

const keyOf = (body: string) => /name="_key" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** A browser without a session posting the form from our page. */
function post(app: FastifyInstance, form: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url: '/form/feedback',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    payload: encodeForm(form),
  });
}

async function cases(): Promise<{ id: string; context: Record<string, unknown> }[]> {
  return (await t.as('auditor').get('/cases')).json().cases;
}

const filled = { name: 'Айгерим', email: 'a@example.kz', language: 'ru', kind: 'question', text: 'Когда откроется приём заявок?' };

describe('the public feedback form (/form/feedback)', () => {
  it('needs no sign-in and shows no staff navigation, in Russian, Kazakh and English', async () => {
    const ru = await t.app.inject({ method: 'GET', url: '/form/feedback' });
    expect(ru.statusCode).toBe(200);
    expect(ru.body).toContain('<html lang="ru">');
    expect(ru.body).toContain('<h1>Обращение через форму обратной связи</h1>');
    expect(ru.body).toContain('<label for="fb-name">Ваше имя</label>');
    expect(ru.body).not.toContain('/ui/queue');
    expect(ru.body).not.toContain('nav');
    const kk = await t.app.inject({ method: 'GET', url: '/form/feedback?lang=kk' });
    expect(kk.body).toContain('<html lang="kk">');
    expect(kk.body).toContain('<label for="fb-name">Атыңыз</label>');
    expect(kk.body).toContain('<input type="hidden" name="lang" value="kk">');
    const en = await t.app.inject({ method: 'GET', url: '/form/feedback?lang=en' });
    expect(en.body).toContain('<label for="fb-text">Your message</label>');
    expect(en.body).toContain('<option value="en" selected lang="en">English</option>');
    // Language links stay on the form (no cookie needed inside a frame).
    expect(en.body).toContain('href="/form/feedback?lang=kk"');
  });

  it('registers the inquiry and shows the acknowledgement, the reference and the term, in the page\'s language', async () => {
    const form = await t.app.inject({ method: 'GET', url: '/form/feedback?lang=en' });
    const res = await post(t.app, { ...filled, language: 'en', _key: keyOf(form.body), lang: 'en' });
    expect(res.statusCode).toBe(200);
    const [only] = await cases();
    expect(only).toBeDefined();
    expect(only!.context).toMatchObject({ applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'en', kind: 'question' });
    expect(res.body).toContain(`data-reference="${only!.id}"`);
    expect(res.body).toContain('<p lang="en">Your message has been received. A confirmation with the review term is sent to your e-mail.</p>');
    expect(res.body).toContain(`Reference: ${only!.id}`);
    expect(res.body).toContain('Received: 06.03.2025 10:00');
    // Received 06.03.2025: 15 calendar days → 26.03.2025 (п. 36, 38).
    expect(res.body).toContain('data-review-last-day="2025-03-26"');
    expect(res.body).toContain('The review term is 15 calendar days from receipt: you will be answered by 26.03.2025 at the latest.');

    const kk = await post(t.app, { ...filled, text: 'Басқа сұрақ', language: 'kk', _key: 'k-2', lang: 'kk' });
    expect(kk.body).toContain('<p lang="kk">Өтінішіңіз қабылданды.');
    expect(kk.body).toContain('жауап 26.03.2025 кешіктірілмей беріледі');
    const ru = await post(t.app, { ...filled, text: 'Третий', _key: 'k-3' });
    expect(ru.body).toContain('Срок рассмотрения — 15 календарных дней со дня поступления: ответ будет дан не позднее 26.03.2025.');
    expect(await cases()).toHaveLength(3);
  });

  it('a double submit of one form is one case', async () => {
    const key = keyOf((await t.app.inject({ method: 'GET', url: '/form/feedback' })).body);
    const [a, b] = await Promise.all([post(t.app, { ...filled, _key: key }), post(t.app, { ...filled, _key: key })]);
    const c = await post(t.app, { ...filled, _key: key });
    const refs = [a, b, c].map((r) => /data-reference="([^"]+)"/.exec(r.body)?.[1]);
    expect(refs[0]).toBeDefined();
    expect(new Set(refs).size).toBe(1);
    expect(await cases()).toHaveLength(1);
  });

  it('shows what to fix next to the field, in the page\'s language, keeps the values and registers nothing', async () => {
    const res = await post(t.app, { ...filled, email: 'nope', name: '  ', text: 'Мой <текст>', _key: 'k-1', lang: 'kk' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<span class="field-error" id="fb-email-error">E-mail-ді name@example.kz түрінде көрсетіңіз.</span>');
    expect(res.body).toContain('<span class="field-error" id="fb-name-error">Бұл өрісті толтырыңыз.</span>');
    expect(res.body).toMatch(/id="fb-email"[^>]*value="nope"[^>]*aria-invalid="true"/);
    expect(res.body).toContain('>Мой &lt;текст&gt;</textarea>');
    expect(keyOf(res.body)).toBe('k-1');
    expect(await cases()).toHaveLength(0);
  });

  it('over the intake\'s rate limit, says so and keeps what was typed', async () => {
    const limited = await buildTestApp({ intakeRateLimit: 1 });
    try {
      expect((await post(limited.app, { ...filled, _key: 'r-1' })).statusCode).toBe(200);
      const res = await post(limited.app, { ...filled, text: 'Ещё', _key: 'r-2' });
      expect(res.statusCode).toBe(429);
      expect(res.body).toMatch(/role="alert">Не удалось отправить обращение: Too many submissions from this address; retry in \d+ s\./);
      expect(res.body).toContain('>Ещё</textarea>');
    } finally {
      await limited.close();
    }
  });

  it('is refused when posted from another site', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/form/feedback',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      payload: encodeForm({ ...filled, _key: 'x' }),
    });
    expect(res.statusCode).toBe(403);
    expect(await cases()).toHaveLength(0);
  });

  it('works for a browser that also has a staff session (the CSRF token is in the form)', async () => {
    const car = await signIn(t.app, 'car');
    const form = await car.get('/form/feedback');
    expect(form.body).not.toContain('data-user=');
    const res = await car.post('/form/feedback', { ...filled, _key: keyOf(form.body) });
    expect(res.statusCode).toBe(200);
    expect(await cases()).toHaveLength(1);
  });

  it('nobody may frame it by default (frame-ancestors \'none\', X-Frame-Options DENY)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/form/feedback' });
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});

describe('PUBLIC_FORM_FRAME_ANCESTORS', () => {
  it('reads origins, and refuses anything that is not one', () => {
    expect(loadConfig({}).publicFormFrameAncestors).toEqual([]);
    expect(loadConfig({ PUBLIC_FORM_FRAME_ANCESTORS: 'https://qazindustry.gov.kz, https://*.qazindustry.gov.kz http://localhost:8080' }).publicFormFrameAncestors).toEqual([
      'https://qazindustry.gov.kz',
      'https://*.qazindustry.gov.kz',
      'http://localhost:8080',
    ]);
    for (const bad of ['*', "'self'", 'https://a.kz/path', 'qazindustry.gov.kz', 'https://']) {
      expect(() => parseFrameAncestors(bad), bad).toThrow(/PUBLIC_FORM_FRAME_ANCESTORS/);
    }
    expect(() => loadConfig({ PUBLIC_FORM_FRAME_ANCESTORS: "https://a.kz 'unsafe-inline'" })).toThrow(/PUBLIC_FORM_FRAME_ANCESTORS/);
  });

  it('lets the listed origins frame /form/* only; every other page stays unframeable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qi-frame-'));
    const engine = await createEngine({ databasePath: join(dir, 'db.sqlite'), synchronous: 'NORMAL', calendar: kz, procedures, clock: new SimulatedClock('2025-03-06T05:00:00.000Z') });
    const app = await buildApp({ calendars: { kz }, engine, users: new UserDirectory({ users: [] }), publicFormFrameAncestors: ['https://qazindustry.gov.kz', 'https://*.qazindustry.gov.kz'] });
    try {
      const form = await app.inject({ method: 'GET', url: '/form/feedback?lang=kk' });
      expect(form.statusCode).toBe(200);
      expect(form.headers['content-security-policy']).toContain('frame-ancestors https://qazindustry.gov.kz https://*.qazindustry.gov.kz');
      expect(form.headers['content-security-policy']).not.toContain("frame-ancestors 'none'");
      expect(form.headers['x-frame-options']).toBeUndefined();
      const answer = await post(app, { ...filled, _key: 'frame-1' });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-security-policy']).toContain('frame-ancestors https://qazindustry.gov.kz');
      for (const url of ['/ui/sign-in', '/health', '/formx']) {
        const other = await app.inject({ method: 'GET', url });
        expect(other.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
        expect(other.headers['x-frame-options'], url).toBe('DENY');
      }
    } finally {
      await app.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
