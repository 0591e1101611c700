/**
 * P1 — a publication with translation (P2) into Kazakh and English and two channels (issue
 * 14 "Tested in a real browser"), done only through the pages as the roles: the initiator
 * submits it with the new case form (channels as checkboxes, the planned date), the press
 * secretary sends it for translation, ЦАР delivers each language, the press secretary sends
 * it to the administrator, who posts it on the site, misses the day for Telegram (clock
 * jump: the overdue mark) and posts it there late. What a person sees is checked at each
 * step: the state in words and `data-state`, local dates, what remains, the deadlines'
 * statuses. axe on every distinct page.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, actionForm, axe, deadlineOf, expectNoExternalRequests, expectNoPageErrors, type Harness, openCase, signIn, startHarness, stateShown } from './harness.js';

let h: Harness;
let caseId = '';
beforeAll(async () => {
  // Tuesday 15.04.2025, 10:00 in Almaty.
  h = await startHarness({ now: '2025-04-15T05:00:00.000Z' });
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

/** What the case still waits for, as the header says it ("Ожидаются: …"): the languages, the channels. */
async function awaited(page: Page): Promise<string> {
  return (await page.locator('.case-head dt:has-text("Ожидаются") + dd').innerText()).trim();
}

describe('P1: a publication with translation into two languages and two channels, through the pages', () => {
  it('the initiator submits it with the new case form: two channels, planned for Thursday 17.04; on time', async () => {
    const page = await h.newPage();
    await signIn(page, 'initiator', '/ui/new');
    await axe(page);
    const form = page.locator('form[data-event="create"][data-procedure="publication"]');
    await form.locator('[name="title"]').fill('QazIndustry на выставке Innoprom');
    await form.locator('[name="kind"]').selectOption('regular');
    await form.locator('input[type="checkbox"][name="channels"][value="site"]').check();
    await form.locator('input[type="checkbox"][name="channels"][value="telegram"]').check();
    await form.locator('[name="plannedFor"]').fill('2025-04-17');
    await Promise.all([page.waitForURL(/\/ui\/cases\/[^/?]+/), form.locator('button[type="submit"]').click()]);
    caseId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await stateShown(page)).toEqual({ id: 'editing', words: 'Подготовка материала' });
    // Not less than 2 working days before 17.04.2025 → by the end of Tuesday 15.04: met.
    const d = await deadlineOf(page, 'submission');
    expect(d.status).toBe('met');
    expect(d.text).toContain('15.04.2025');
    expect(d.text).toContain('не менее 2 рабочих дней до 17.04.2025 → 15.04.2025');
    await axe(page);
  });

  it('the press secretary sends it for translation into Kazakh and English: 2 days', async () => {
    const page = await openCase(h, 'press_secretary', caseId);
    await axe(page);
    await act(page, 'send_for_translation', { languages: ['kk', 'en'] });
    expect(await stateShown(page)).toEqual({ id: 'translation', words: 'Перевод' });
    expect(await awaited(page)).toBe('Казахский, Английский');
    // 2 days (calendar reading) from 15.04 → Thursday 17.04.
    const d = await deadlineOf(page, 'translation');
    expect(d.status).toBe('pending');
    expect(d.text).toContain('17.04.2025');
    expect(d.text).toContain('осталось 2 дня');
    expect(d.text).toContain('2 календарных дня с 15.04.2025 → 17.04.2025');
  });

  it('ЦАР delivers each language; the translation is met when the second one arrives', async () => {
    const page = await openCase(h, 'car', caseId);
    await act(page, 'deliver_translation', { language: 'kk', text: 'QazIndustry Innoprom көрмесінде' });
    expect((await deadlineOf(page, 'translation')).status).toBe('pending');
    expect(await awaited(page)).toBe('Английский');
    await act(page, 'deliver_translation', { language: 'en', text: 'QazIndustry at Innoprom' });
    expect((await deadlineOf(page, 'translation')).status).toBe('met');
    expect(await stateShown(page)).toEqual({ id: 'translated', words: 'Переведено' });
    await axe(page);
  });

  it('the press secretary sends it to the administrator: posting within 1 day', async () => {
    const page = await openCase(h, 'press_secretary', caseId);
    await act(page, 'send_to_administrator');
    expect(await stateShown(page)).toEqual({ id: 'posting', words: 'Размещение' });
    const d = await deadlineOf(page, 'posting');
    expect(d.status).toBe('pending');
    expect(d.text).toContain('16.04.2025');
    expect(d.text).toContain('осталось 1 день');
    expect(d.text).toContain('1 календарный день с 15.04.2025 → 16.04.2025');
  });

  it('the administrator posts on the site; after a clock jump the case is overdue; the Telegram post is late; published', async () => {
    let page = await openCase(h, 'administrator', caseId);
    await axe(page);
    await act(page, 'post', { channel: 'site', url: 'https://qazindustry.gov.kz/news/innoprom' });
    expect((await deadlineOf(page, 'posting')).status).toBe('pending');
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(0);
    expect(await awaited(page)).toBe('Telegram');
    await h.closePages();
    // Friday 18.04.2025, 10:00: the posting's last day was Wednesday 16.04.
    await h.jump('2025-04-18T05:00:00.000Z');
    page = await openCase(h, 'administrator', caseId);
    expect(await page.locator('[data-badge="overdue"]').innerText()).toBe('Просрочено');
    const d = await deadlineOf(page, 'posting');
    expect(d.status).toBe('missed');
    expect(d.text).toContain('просрочено на 2 дня');
    await axe(page);
    // Dated tomorrow by mistake: the engine refuses it, the page says so by the field, and keeps what was typed.
    let form = actionForm(page, 'post');
    await form.locator('[name="channel"]').selectOption('telegram');
    await form.locator('[name="url"]').fill('https://t.me/qazindustry/1234');
    await form.locator('summary').click();
    await form.locator('[name="occurredAt"]').fill('2025-04-19T10:00');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type="submit"]').click()]);
    expect(refused.status()).toBe(422);
    await page.waitForLoadState();
    form = actionForm(page, 'post');
    expect(await form.locator('[name="occurredAt"]').getAttribute('aria-invalid')).toBe('true');
    // The engine's message, next to the field and in the notice.
    expect(await form.locator('.field-error').allInnerTexts()).toEqual([expect.stringContaining('is later than the server time')]);
    expect(await page.locator('.flash').first().innerText()).toMatch(/^Событие не записано: occurredAt .* is later than the server time/);
    expect(await form.locator('[name="url"]').inputValue()).toBe('https://t.me/qazindustry/1234');
    expect(await stateShown(page)).toEqual({ id: 'posting', words: 'Размещение' });
    await axe(page);
    await form.locator('[name="occurredAt"]').fill('');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'post'), form.locator('button[type="submit"]').click()]);
    expect(await stateShown(page)).toEqual({ id: 'published', words: 'Опубликовано' });
    expect(await page.locator('.case-head').innerText()).toContain('(завершено)');
    const after = await deadlineOf(page, 'posting');
    expect(after.status).toBe('met_late');
    expect(after.text).toContain('закрыт 18.04.2025 10:00');
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(0);
    // The history: one post per channel, as the administrator.
    const posts = page.locator('[data-type="post"]');
    expect(await posts.count()).toBe(2);
    expect(await posts.first().innerText()).toMatch(/Администратор/);
    await axe(page);
  });
});
