/**
 * P4 — a question to the Chairman's blog, with two rework turns (issue 14 "Tested in a real
 * browser"), done only through the pages as the roles: the press secretary opens it with the
 * new case form, ЦАР registers it, the press secretary assigns it, the unit answers, the
 * supervisor agrees, and the Chairman returns it twice before approving; the press secretary
 * posts it. What a person sees is checked at each step: the state in words and `data-state`,
 * the deadlines' local dates, what remains, the turns of `rework`, and the overdue mark after
 * a clock jump. axe on every distinct page.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, axe, deadlineOf, expectNoExternalRequests, expectNoPageErrors, type Harness, openCase, signIn, startHarness, stateShown } from './harness.js';

let h: Harness;
let caseId = '';
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

/** The rows of a deadline (current and past turns), as shown. */
async function deadlineRows(page: Page, key: string): Promise<{ status: string | null; turn: string | null; text: string }[]> {
  return page.locator(`[data-deadline="${key}"]`).evaluateAll((els) =>
    els.map((e) => ({ status: e.getAttribute('data-status'), turn: e.getAttribute('data-turn'), text: (e as unknown as { innerText: string }).innerText.trim() })),
  );
}

describe('P4: a blog question with two rework turns, through the pages', () => {
  it('the press secretary opens the case with the new case form', async () => {
    const page = await h.newPage();
    await signIn(page, 'press_secretary', '/ui/new');
    await axe(page);
    const form = page.locator('form[data-event="create"][data-procedure="blog-question"]');
    await form.locator('[name="channel"]').selectOption('blog');
    await form.locator('[name="author.name"]').fill('Ерлан Ахметов');
    await form.locator('[name="language"]').selectOption('ru');
    await form.locator('[name="text"]').fill('Когда откроется приём заявок на возмещение затрат экспортёров?');
    await Promise.all([page.waitForURL(/\/ui\/cases\/[^/?]+/), form.locator('button[type="submit"]').click()]);
    caseId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await stateShown(page)).toEqual({ id: 'received', words: 'Поступило' });
    // The unit's answer: 10 calendar days from 06.03.2025 → 16.03 is a Sunday → 17.03.2025.
    const d = await deadlineOf(page, 'unit_answer');
    expect(d.status).toBe('pending');
    expect(d.text).toContain('06.03.2025');
    expect(d.text).toContain('17.03.2025');
    expect(d.text).toContain('18.03.2025 00:00');
    expect(d.text).toContain('осталось 11 дней');
    expect(d.text).toContain('10 календарных дней с 06.03.2025; 16.03 выходной → 17.03');
    await axe(page);
  });

  it('ЦАР registers it; the press secretary assigns it to a unit', async () => {
    let page = await openCase(h, 'car', caseId);
    await act(page, 'register', { registrationNumber: 'БЛ-2025-0101' });
    expect(await stateShown(page)).toEqual({ id: 'registered', words: 'Зарегистрировано' });
    expect(await page.locator('h1').innerText()).toContain('БЛ-2025-0101');
    await h.closePages();
    page = await openCase(h, 'press_secretary', caseId);
    await act(page, 'assign', { unit: h.t.units[0]! });
    expect(await stateShown(page)).toEqual({ id: 'in_review', words: 'На рассмотрении' });
    expect(await page.locator('.case-head').innerText()).toContain(h.t.units[0]!);
  });

  it("the unit answers and the supervisor agrees: the answer is the press secretary's, due in 2 days", async () => {
    let page = await openCase(h, 'unit', caseId);
    await act(page, 'submit_answer', { text: 'Приём заявок откроется 1 апреля 2025 года.' });
    expect(await stateShown(page)).toEqual({ id: 'answer_review', words: 'Проверка ответа' });
    await h.closePages();
    page = await openCase(h, 'supervisor', caseId);
    await act(page, 'agree_answer');
    expect(await stateShown(page)).toEqual({ id: 'with_press_secretary', words: 'У пресс-секретаря' });
    expect((await deadlineOf(page, 'unit_answer')).status).toBe('met');
    // 2 days (calendar reading) from 06.03.2025: 08.03 (Saturday, Women's Day) is off, and
    // so is Monday 10.03 (its carry-over) → Tuesday 11.03.
    const d = await deadlineOf(page, 'to_chairman');
    expect(d.status).toBe('pending');
    expect(d.text).toContain('11.03.2025');
    expect(d.text).toContain('осталось 5 дней');
    expect(d.text).toContain('2 календарных дня с 06.03.2025; 08.03 выходной (Международный женский день) → 11.03');
  });

  it('the Chairman returns it twice; each turn of rework is shown with its own deadline', async () => {
    for (const turn of [1, 2]) {
      let page = await openCase(h, 'press_secretary', caseId);
      await act(page, 'forward_to_chairman');
      expect(await stateShown(page)).toEqual({ id: 'with_chairman', words: 'У Председателя' });
      await h.closePages();
      page = await openCase(h, 'chairman', caseId);
      if (turn === 1) await axe(page);
      await act(page, 'return_for_rework', { comment: `Уточните сроки (${turn})` });
      expect(await stateShown(page)).toEqual({ id: 'rework', words: 'Доработка' });
      // Rework: 1 day from the return (Thursday 06.03) → Friday 07.03; one row per turn, the
      // current one open, the earlier ones met.
      const rows = await deadlineRows(page, 'rework');
      expect(rows.map((r) => [r.turn, r.status])).toEqual(turn === 1 ? [['1', 'pending']] : [['2', 'pending'], ['1', 'met']]);
      expect(rows[0]!.text).toContain(`круг ${turn}`);
      expect(rows[0]!.text).toContain('07.03.2025');
      expect(rows[0]!.text).toContain('осталось 1 день');
      expect(rows[0]!.text).toContain('1 календарный день с 06.03.2025 → 07.03.2025');
      await h.closePages();
    }
    const page = await openCase(h, 'press_secretary', caseId);
    expect(await stateShown(page)).toEqual({ id: 'rework', words: 'Доработка' });
    // The history shows both returns, as the Chairman.
    const returns = page.locator('[data-type="return_for_rework"]');
    expect(await returns.count()).toBe(2);
    expect(await returns.first().innerText()).toMatch(/Председатель/);
    await axe(page);
  });

  it('after a clock jump past the rework day, the case shows as overdue; the late forward is met late', async () => {
    let page = await openCase(h, 'press_secretary', caseId);
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(0);
    await h.closePages();
    // Monday 10.03.2025, 10:00: the rework's last day was Friday 07.03.
    await h.jump('2025-03-10T05:00:00.000Z');
    page = await openCase(h, 'press_secretary', caseId);
    expect(await page.locator('[data-badge="overdue"]').innerText()).toBe('Просрочено');
    const d = await deadlineOf(page, 'rework');
    expect(d.status).toBe('missed');
    expect(d.text).toContain('просрочено на 3 дня');
    await axe(page);
    await act(page, 'forward_to_chairman');
    const rows = await deadlineRows(page, 'rework');
    expect(rows.map((r) => [r.turn, r.status])).toEqual([['2', 'met_late'], ['1', 'met']]);
    expect(rows[0]!.text).toContain('закрыт 10.03.2025 10:00');
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(0);
  });

  it('the Chairman approves and the press secretary posts it: the case is posted', async () => {
    let page = await openCase(h, 'chairman', caseId);
    await act(page, 'approve');
    expect(await stateShown(page)).toEqual({ id: 'approved', words: 'Одобрено' });
    // Posting on the blog: 1 day from the approval on 10.03 → 11.03.
    const d = await deadlineOf(page, 'posting');
    expect(d.status).toBe('pending');
    expect(d.text).toContain('1 календарный день с 10.03.2025 → 11.03.2025');
    await h.closePages();
    page = await openCase(h, 'press_secretary', caseId);
    await act(page, 'post', { url: 'https://dialog.egov.kz/blogs/answer/1' });
    expect(await stateShown(page)).toEqual({ id: 'posted', words: 'Размещено' });
    expect(await page.locator('.case-head').innerText()).toContain('Размещено (завершено)');
    expect((await deadlineOf(page, 'posting')).status).toBe('met');
    // The whole course in the history, as the roles who acted.
    const types = await page.locator('[data-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(types.filter((x) => x === 'return_for_rework')).toHaveLength(2);
    expect(types.filter((x) => x === 'forward_to_chairman')).toHaveLength(3);
    // Nothing left to do on a closed case but a comment or a correction.
    expect(await page.locator('form[data-event="post"]').count()).toBe(0);
    await axe(page);
  });
});
