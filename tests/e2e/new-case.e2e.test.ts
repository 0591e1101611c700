/**
 * The new case forms (issue 14 §4) in Debian's chromium, as the roles fill them: a
 * publication with two channels and its planned date (the initiator), a blog question (the
 * press secretary), a feedback inquiry received on paper and registered by ЦАР with its
 * receipt time and the back-dating reason; the engine's refusal shown next to its field;
 * each new case then in the lists with its due date in dd.MM.yyyy and what remains. axe on
 * each page.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, expectNoExternalRequests, expectNoPageErrors, rowOf, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Thursday 06.03.2025, 10:00 in Almaty.
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

async function submit(page: Page, procedure: string): Promise<string> {
  const form = page.locator(`form[data-event="create"][data-procedure="${procedure}"]`);
  await Promise.all([page.waitForURL(/\/ui\/cases\/[0-9a-f-]{36}$/), form.getByRole('button').click()]);
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** The row of the case in "all cases": its due date shown as dd.MM.yyyy of its `datetime`, and the text. */
async function listed(page: Page, id: string): Promise<{ text: string; due: string | null; shown: string }> {
  await page.goto('/ui/cases');
  const row = rowOf(page, id);
  const time = row.locator('time');
  const due = (await time.count()) > 0 ? await time.getAttribute('datetime') : null;
  return { text: await row.innerText(), due, shown: due ? await time.innerText() : '' };
}

const ddmmyyyy = (iso: string) => iso.split('-').reverse().join('.');

describe('new case forms', () => {
  it('the initiator proposes a publication for two channels on a planned date', async () => {
    const page = await h.newPage();
    await signIn(page, 'initiator');
    await page.getByRole('link', { name: 'Новое дело' }).click();
    await page.waitForURL(/\/ui\/new$/);
    // Only the procedures the initiator may start: a publication (P1) and their own post for approval (P7, п. 21).
    expect(await page.locator('form[data-event="create"]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-procedure')))).toEqual(['publication', 'employee-post']);
    await axe(page);
    const form = page.locator('form[data-procedure="publication"]');
    await form.getByLabel('Заголовок материала').fill('QazIndustry на выставке Innoprom');
    await form.getByLabel('Вид материала').selectOption('regular');
    await form.getByRole('checkbox', { name: 'Сайт', exact: true }).check();
    await form.getByRole('checkbox', { name: 'Telegram', exact: true }).check();
    await form.getByLabel('Планируемая дата публикации').fill('2025-03-20');
    const id = await submit(page, 'publication');
    const view = (await h.t.as('auditor').get(`/cases/${id}`)).json();
    expect(view.procedure).toBe('publication');
    expect(view.context).toMatchObject({ title: 'QazIndustry на выставке Innoprom', channels: ['site', 'telegram'], plannedFor: '2025-03-20' });
    const row = await listed(page, id);
    expect(row.text).toContain('Публикация материала');
    expect(row.text).toContain('QazIndustry на выставке Innoprom');
    if (row.due) expect(row.shown).toBe(ddmmyyyy(row.due));
    await axe(page);
  });

  it('the press secretary registers a blog question', async () => {
    const page = await h.newPage();
    await signIn(page, 'press_secretary', '/ui/new');
    await axe(page);
    const form = page.locator('form[data-procedure="blog-question"]');
    await form.getByLabel('Откуда поступил вопрос').selectOption('e-otinish');
    await form.getByLabel('Имя автора').fill('Ерлан Абенов');
    await form.getByLabel('Язык вопроса').selectOption('kk');
    await form.getByLabel('Текст вопроса').fill('Экспортқа қолдау туралы сұрақ');
    const id = await submit(page, 'blog-question');
    const view = (await h.t.as('auditor').get(`/cases/${id}`)).json();
    expect(view).toMatchObject({ procedure: 'blog-question', context: { channel: 'e-otinish', language: 'kk' } });
    const row = await listed(page, id);
    expect(row.text).toContain('Вопрос в блог Председателя');
    expect(row.due).not.toBeNull();
    expect(row.shown).toBe(ddmmyyyy(row.due!));
    expect(row.text).toMatch(/осталось \d+ (раб\. )?дн/);
  });

  it('ЦАР registers a paper inquiry received two days ago: the reason is asked for next to its field, then the term counts from the receipt', async () => {
    const page = await h.newPage();
    await signIn(page, 'car', '/ui/new');
    const form = page.locator('form[data-procedure="feedback-inquiry"]');
    await form.getByLabel('Имя заявителя').fill('Айгерим Сапарова');
    await form.getByLabel('E-mail заявителя').fill('aigerim@example.kz');
    await form.getByLabel('Язык обращения').selectOption('ru');
    await form.getByLabel('Вид обращения').selectOption('question');
    await form.getByLabel('Текст обращения').fill('Как получить меру государственной поддержки экспорта?');
    // Received on paper on Tuesday 04.03.2025 at 11:30 (Almaty), typed as local time, without a reason.
    await form.getByLabel('Время поступления').fill('2025-03-04T11:30');
    await form.getByRole('button').click();
    await expect.poll(() => page.locator('form[data-procedure="feedback-inquiry"] [role="alert"]').count()).toBe(1);
    const refused = page.locator('form[data-procedure="feedback-inquiry"]');
    // The engine's message, next to the reason's field, which is marked invalid and described by it.
    const reason = refused.getByLabel('Причина регистрации задним числом');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await reason.getAttribute('aria-describedby')).toContain('new-feedback-inquiry-backdatingReason-error');
    expect(await page.locator('#new-feedback-inquiry-backdatingReason-error').innerText()).toMatch(/backdatingReason/);
    // What was typed is kept.
    expect(await refused.getByLabel('Имя заявителя').inputValue()).toBe('Айгерим Сапарова');
    expect(await refused.getByLabel('Время поступления').inputValue()).toBe('2025-03-04T11:30');
    expect((await h.t.as('auditor').get('/cases?procedure=feedback-inquiry')).json().cases).toHaveLength(0);
    await axe(page);

    await refused.getByLabel('Причина регистрации задним числом').fill('Поступило по почте, зарегистрировано позже');
    const id = await submit(page, 'feedback-inquiry');
    expect((await h.t.as('auditor').get('/cases?procedure=feedback-inquiry')).json().cases).toHaveLength(1);
    const [created] = (await h.t.as('auditor').get(`/cases/${id}/history`)).json().events;
    expect(created).toMatchObject({ occurredAtLocal: '2025-03-04T11:30:00.000+05:00', backdated: true, backdatingReason: 'Поступило по почте, зарегистрировано позже' });
    // 15 calendar days from 04.03.2025: 19.03.2025 (a Wednesday), in ЦАР's queue.
    await page.goto('/ui/queue');
    const row = rowOf(page, id);
    expect(await row.locator('time').getAttribute('datetime')).toBe('2025-03-19');
    expect(await row.locator('time').innerText()).toBe('19.03.2025');
    expect(await row.innerText()).toContain('осталось 13 дней');
    await axe(page);
  });

  it('offers no new case form to a role that starts no procedure, and hides the link from the auditor', async () => {
    const page = await h.newPage();
    await signIn(page, 'unit', '/ui/new');
    expect(await page.locator('form[data-event="create"]').count()).toBe(0);
    expect(await page.locator('main').innerText()).toContain('Структурное подразделение');
    await axe(page);
    const auditor = await h.newPage();
    await signIn(auditor, 'auditor', '/ui/cases');
    expect(await auditor.getByRole('link', { name: 'Новое дело' }).count()).toBe(0);
  });
});
