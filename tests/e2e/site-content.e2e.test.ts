/**
 * The site's mandatory content page (п. 9, issue 18 §3) in Debian's chromium: reached from
 * the navigation, an entry changed with its form, the compliance shown, axe; the same form
 * with JavaScript off, and a unit user who only reads.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, expectNoExternalRequests, expectNoPageErrors, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: '2025-04-07T05:00:00.000Z' });
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

describe('the site content page', () => {
  it('lets the press secretary name a page and a unit, and shows the kind to be reviewed', async () => {
    const page = await h.newPage();
    await signIn(page, 'press_secretary', '/ui/queue');
    await page.getByRole('link', { name: 'Обязательная информация сайта' }).click();
    await page.waitForURL(/\/ui\/site-content$/);
    expect(await page.locator('h1').innerText()).toBe('Обязательная информация сайта (п. 9)');
    expect(await page.locator('tr[data-kind]').count()).toBe(7);
    await axe(page);

    const row = page.locator('tr[data-kind="news"]');
    await row.getByText('Изменить: Новости и пресс-релизы').click();
    await row.getByLabel('Страница сайта').fill('https://qazindustry.gov.kz/news');
    await row.getByLabel('Ответственное подразделение').fill(h.t.units[0]!);
    await Promise.all([page.waitForURL(/saved=news/), row.getByRole('button', { name: 'Сохранить' }).click()]);
    expect(await page.getByRole('status').innerText()).toContain('сохранена');
    const saved = page.locator('tr[data-kind="news"]');
    expect(await saved.getByRole('link', { name: 'https://qazindustry.gov.kz/news' }).count()).toBe(1);
    expect(await saved.locator('[data-status]').getAttribute('data-status')).toBe('stale');
    await axe(page);
  });

  it('works without JavaScript: the form posts and the page comes back with the entry', async () => {
    const page = await h.newPage({ javaScriptEnabled: false });
    await signIn(page, 'administrator', '/ui/site-content');
    const row = page.locator('tr[data-kind="contacts"]');
    await row.getByText('Изменить: Контакты и обратная связь').click();
    await row.getByLabel('Страница сайта').fill('https://qazindustry.gov.kz/contacts');
    await Promise.all([page.waitForURL(/saved=contacts/), row.getByRole('button', { name: 'Сохранить' }).click()]);
    expect(await page.locator('tr[data-kind="contacts"] [data-status]').getAttribute('data-status')).toBe('stale');
  });

  it('shows a unit user the register without the forms', async () => {
    const page = await h.newPage();
    await signIn(page, 'unit', '/ui/site-content');
    expect(await page.locator('tr[data-kind]').count()).toBe(7);
    expect(await page.locator('form[data-form^="site-content-"]').count()).toBe(0);
    await axe(page);
  });
});
