/**
 * Sign-in, the queue, languages, sign-out and the CSRF refusal, in Debian's chromium, as a
 * person does them (issue 14 "Tested in a real browser", "Accessible"); axe on each page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { token } from '../helpers/app.js';
import { axe, demo, expectNoExternalRequests, expectNoPageErrors, rowIds, rowOf, signIn, signOut, startHarness, type Harness } from './harness.js';

let h: Harness;
let inquiry: string;
beforeAll(async () => {
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
  // A question received today waits on ЦАР (register); its review term is 15 calendar days
  // from 06.03.2025, on Nauryz → 26.03.2025 (п. 38).
  inquiry = (await h.createCase('car', 'feedback-inquiry', demo.question())).id;
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

describe('signing in', () => {
  it('signs in through the form and shows my queue, with the case, its due date and what remains', async () => {
    const page = await h.newPage();
    await page.goto('/');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/ui/sign-in');
    await axe(page);
    await signIn(page, 'car');
    expect(new URL(page.url()).pathname).toBe('/ui/queue');
    expect(await page.locator('h1').innerText()).toBe('Моя очередь');
    expect(await page.locator('[data-user]').getAttribute('data-user')).toBe('car-user');
    expect(await rowIds(page)).toEqual([inquiry]);
    const row = await rowOf(page, inquiry).innerText();
    // The due date in dd.mm.yyyy, Asia/Almaty, and the calendar days left to the last day (26.03).
    expect(row).toMatch(/\b\d\d\.03\.2025\b/);
    expect(row).toContain('осталось 20 дней');
    await axe(page);
  });

  it('refuses a wrong key without saying which field was wrong', async () => {
    const page = await h.newPage();
    await page.goto('/ui/sign-in');
    await page.locator('#sign-in-name').fill('car-user');
    await page.locator('#sign-in-token').fill('not-the-key');
    await page.locator('form[data-form="sign-in"] button').click();
    await expect.poll(() => page.locator('[role="alert"]').innerText()).toBe('Неверное имя пользователя или ключ.');
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await axe(page);
  });

  it('signs in with the keyboard only: Tab to the skip link, Enter, Tab through the fields, Enter', async () => {
    const page = await h.newPage();
    await page.goto('/ui/sign-in');
    const focused = async () => {
      const el = page.locator(':focus');
      return (await el.getAttribute('id')) || (await el.innerText()).trim();
    };
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Перейти к содержимому');
    // The skip link shows when focused (it is off-screen otherwise).
    const box = await page.locator('a.skip').boundingBox();
    expect(box && box.x >= 0 && box.y >= 0).toBe(true);
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('main');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('sign-in-name');
    await page.keyboard.type('car-user');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('sign-in-token');
    await page.keyboard.type(token('car'));
    await Promise.all([page.waitForURL(/\/ui\/queue$/), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').innerText()).toBe('Моя очередь');
  });

  it('comes back to the page asked for before signing in', async () => {
    const page = await h.newPage();
    await page.goto('/ui/queue?x=1');
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await page.locator('#sign-in-name').fill('car-user');
    await page.locator('#sign-in-token').fill(token('car'));
    await Promise.all([page.waitForURL(/\/ui\/queue\?x=1$/), page.locator('form[data-form="sign-in"] button').click()]);
  });
});

describe('languages and signing out', () => {
  it('switches every label to Kazakh and English, and keeps the choice from page to page', async () => {
    const page = await h.newPage();
    await signIn(page, 'car');
    await page.getByRole('link', { name: 'Қазақша' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Менің кезегім');
    expect(await page.locator('html').getAttribute('lang')).toBe('kk');
    expect(await page.locator('form[action="/ui/sign-out"] button').innerText()).toBe('Шығу');
    await axe(page);
    await page.reload();
    expect(await page.locator('h1').innerText()).toBe('Менің кезегім');
    await page.getByRole('link', { name: 'English' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('My queue');
    expect(await page.locator('nav').innerText()).toContain('My queue');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await axe(page);
  });

  it('signs out: the sign-in page says so, and the queue asks to sign in again', async () => {
    const page = await h.newPage();
    await signIn(page, 'supervisor');
    await signOut(page);
    expect(await page.locator('[role="status"]').innerText()).toBe('Вы вышли.');
    await axe(page);
    await page.goto('/ui/queue');
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
  });

  it('shows a form posted with a stale CSRF token as a page that says what to do, and changes nothing', async () => {
    const page = await h.newPage();
    await signIn(page, 'car');
    await page.locator('form[action="/ui/sign-out"] input[name="_csrf"]').evaluate((el) => el.setAttribute('value', 'stale'));
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/ui/sign-out')), page.locator('form[action="/ui/sign-out"] button').click()]);
    expect(response.status()).toBe(403);
    await expect.poll(() => page.locator('main').innerText()).toContain('Форма устарела или отправлена не с этой страницы. Обновите страницу и повторите.');
    expect(await page.title()).toMatch(/^Ошибка/);
    await axe(page);
    // Still signed in: the refused sign-out did nothing.
    await page.goto('/ui/queue');
    expect(new URL(page.url()).pathname).toBe('/ui/queue');
  });

  it('lets a person with two roles pick the acting role in the header', async () => {
    const page = await h.newPage();
    await signIn(page, { name: 'two-hats', token: 'token-two-hats' });
    await page.getByLabel('Роль').selectOption('administrator');
    await page.getByRole('button', { name: 'Сменить роль' }).click();
    await expect.poll(() => page.locator('#acting-role').inputValue()).toBe('administrator');
    await axe(page);
  });
});

describe('nothing from the internet', () => {
  it('loads every asset of the pages from 127.0.0.1', async () => {
    const page = await h.newPage();
    const hosts = new Set<string>();
    page.on('request', (r) => void hosts.add(new URL(r.url()).host));
    await signIn(page, 'car');
    await page.reload();
    expect([...hosts]).toEqual([new URL(h.baseUrl).host]);
    // The stylesheet and the scripts did load (the CSP let them).
    expect(await page.locator('body').evaluate((b) => b.ownerDocument.defaultView?.getComputedStyle(b).margin)).toBe('0px');
    expect(await page.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx)).toBe('object');
  });

  it('refuses and notes a request to another host (the harness guard works)', async () => {
    const page = await h.newPage();
    // A script's fetch is stopped earlier, by the pages' CSP (connect-src 'self')...
    await page.goto('/ui/sign-in');
    expect(await page.evaluate(() => fetch('https://cdn.example.com/x.js').then(() => 'loaded', () => 'refused'))).toBe('refused');
    // ...a navigation is not: the harness aborts it and notes the address.
    await expect(page.goto('https://cdn.example.com/x.js')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    expect(h.external).toEqual(['https://cdn.example.com/x.js']);
    h.external.length = 0;
  });
});

describe('without JavaScript', () => {
  it('signs in, switches the language and signs out with plain forms and links', async () => {
    const page = await h.newPage({ javaScriptEnabled: false });
    await signIn(page, 'car');
    expect(await rowIds(page)).toEqual([inquiry]);
    await page.getByRole('link', { name: 'English' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('My queue');
    await signOut(page);
    expect(await page.locator('[role="status"]').innerText()).toBe('You are signed out.');
  });
});

describe('the harness', () => {
  it('fails axe on a serious violation, naming the rule and the element', async () => {
    const page = await h.newPage();
    await page.goto('/ui/sign-in');
    await page.locator('label[for="sign-in-name"]').evaluate((el) => el.remove());
    await expect(axe(page)).rejects.toThrow(/\[critical\] label: .*\n\s+#sign-in-name/);
  });
});

// Last: it moves the shared clock.
describe('after a clock jump', () => {
  it('marks the case overdue in the queue', async () => {
    const page = await h.newPage();
    await signIn(page, 'car');
    expect(await rowOf(page, inquiry).getAttribute('class')).toBe('urgency-ok');
    // 28.03.2025: two days after the last day (26.03).
    await h.jump('2025-03-28T05:00:00.000Z');
    await page.reload();
    expect(await rowOf(page, inquiry).getAttribute('class')).toBe('urgency-overdue');
    expect(await rowOf(page, inquiry).innerText()).toContain('просрочено на 2 дня');
    await axe(page);
  });
});
