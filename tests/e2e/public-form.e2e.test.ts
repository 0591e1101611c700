/**
 * The public feedback form (issue 14 §4, п. 35–36) in Debian's chromium, as an applicant
 * fills it: no sign-in, the acknowledgement with the reference and the term on the page,
 * a double click is one case, a wrong e-mail is shown next to its field, Kazakh labels;
 * then ЦАР finds the inquiry in the queue with its due date. axe on each page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, expectNoExternalRequests, expectNoPageErrors, rowIds, rowOf, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // 06.03.2025 10:00 in Almaty: the review term is 15 calendar days, 21.03 falls on Nauryz → 26.03.2025 (п. 36).
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

async function inquiries(): Promise<{ id: string; state: string }[]> {
  return (await h.t.as('auditor').get('/cases?procedure=feedback-inquiry')).json().cases;
}

describe('the public feedback form', () => {
  let reference = '';

  it('takes a question without sign-in and shows the acknowledgement, the reference and the last day of the review', async () => {
    const page = await h.newPage();
    await page.goto('/form/feedback');
    expect(await page.locator('h1').innerText()).toBe('Обращение через форму обратной связи');
    // No staff navigation, no sign-in.
    expect(await page.locator('nav').count()).toBe(0);
    await axe(page);
    await page.getByLabel('Ваше имя').fill('Айгерим Сапарова');
    await page.getByLabel('E-mail').fill('aigerim@example.kz');
    await page.getByLabel('Язык ответа').selectOption('ru');
    await page.getByLabel('Вопрос').check();
    await page.getByLabel('Текст обращения').fill('Когда откроется приём заявок на грант?');
    // A double click: the form's own idempotency key makes it one case.
    await page.getByRole('button', { name: 'Отправить' }).dblclick();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Обращение принято');
    const receipt = page.locator('.receipt[role="status"]');
    reference = (await receipt.getAttribute('data-reference')) ?? '';
    expect(reference).not.toBe('');
    const text = await receipt.innerText();
    expect(text).toContain(`Номер обращения: ${reference}`);
    expect(text).toContain('Получено: 06.03.2025 10:00');
    expect(text).toContain('ответ будет дан не позднее 26.03.2025');
    expect(await page.locator('[data-review-last-day]').getAttribute('data-review-last-day')).toBe('2025-03-26');
    await axe(page);
    expect(await inquiries()).toHaveLength(1);
  });

  it('shows a wrong e-mail next to its field, keeps what was typed and registers nothing', async () => {
    const page = await h.newPage();
    await page.goto('/form/feedback');
    await page.getByLabel('Ваше имя').fill('Ерлан');
    // The browser's own check lets "a@b" through; the form's does not.
    await page.getByLabel('E-mail').fill('erlan@kz');
    await page.getByLabel('Текст обращения').fill('Предлагаю проводить вебинары.');
    await page.getByLabel('Предложение').check();
    await page.getByRole('button', { name: 'Отправить' }).click();
    await expect.poll(() => page.locator('[role="alert"]').innerText()).toBe('Исправьте отмеченные поля.');
    const email = page.getByLabel('E-mail');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#fb-email-error').innerText()).toBe('Укажите e-mail в виде name@example.kz.');
    expect(await page.getByLabel('Ваше имя').inputValue()).toBe('Ерлан');
    expect(await page.getByLabel('Текст обращения').inputValue()).toBe('Предлагаю проводить вебинары.');
    expect(await page.getByLabel('Предложение').isChecked()).toBe(true);
    await axe(page);
    expect(await inquiries()).toHaveLength(1);
    // Corrected, the same form goes through.
    await email.fill('erlan@example.kz');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Обращение принято');
    expect(await inquiries()).toHaveLength(2);
  });

  it('speaks Kazakh when the applicant picks it, and acknowledges in Kazakh', async () => {
    const page = await h.newPage();
    await page.goto('/form/feedback');
    await page.getByRole('link', { name: 'Қазақша' }).click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('kk');
    await axe(page);
    await page.getByLabel('Атыңыз').fill('Дәурен');
    await page.getByLabel('E-mail').fill('dauren@example.kz');
    expect(await page.locator('#fb-language').inputValue()).toBe('kk');
    await page.locator('#fb-text').fill('Экспортқа қолдау туралы сұрақ');
    await page.locator('form[data-form="feedback"] button[type="submit"]').click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('kk');
    await expect.poll(() => page.locator('.receipt').count()).toBe(1);
    expect(await page.locator('.receipt').innerText()).toContain('26.03.2025');
    await axe(page);
    expect(await inquiries()).toHaveLength(3);
  });

  it('puts the inquiry in ЦАР\'s queue with its due date and what remains', async () => {
    const [first] = (await inquiries()).filter((c) => JSON.stringify(c).includes(reference));
    expect(first).toBeDefined();
    const page = await h.newPage();
    await signIn(page, 'car');
    expect(await rowIds(page)).toContain(first!.id);
    const row = await rowOf(page, first!.id).innerText();
    expect(row).toMatch(/\b\d\d\.03\.2025\b/);
    expect(row).toContain('осталось 20 дней');
    await axe(page);
  });
});
