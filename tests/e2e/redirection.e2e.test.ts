/**
 * P5, a redirection of a question outside the Company's competence (п. 48), inside a P3 and
 * a P4 case, done only through the pages (issue 14 "Tested in a real browser"): the unit
 * notifies the press secretary (2 working days from the question's receipt), the press
 * secretary cancels once (back to the unit, the review term as it was) and then forwards it
 * on the "Открытый диалог" portal (3 working days from receipt), and the applicant's notice
 * is queued. A late redirection after a clock jump shows overdue in the press secretary's
 * queue and on the case page, and the deadlines are judged late. The cases and their first
 * steps (receipt, registration, routing) are the starting data, made through the API.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, actionForm, axe, deadlineCells, deadlineOf, demo, expectNoExternalRequests, expectNoPageErrors, type Harness, rowIds, rowOf, signIn, startHarness, stateOf } from './harness.js';

let h: Harness;
let p3: string;
let p4: string;
beforeAll(async () => {
  // Thursday 06.03.2025, 10:00 in Almaty. Working days after it: Fri 07.03, then 08.03
  // (International Women's Day, a Saturday) moves the day off to Mon 10.03: Tue 11.03, Wed 12.03.
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
  const unit = h.t.units[0]!;
  p3 = (await h.createCase('car', 'feedback-inquiry', demo.question(1))).id;
  await h.event('car', p3, { type: 'register', registrationNumber: 'ЗТ-0101/25' });
  await h.event('supervisor', p3, { type: 'assign', unit });
  p4 = (await h.createCase('press_secretary', 'blog-question', demo.blogQuestion(2))).id;
  await h.event('car', p4, { type: 'register', registrationNumber: 'БЛ-0202/25' });
  await h.event('press_secretary', p4, { type: 'assign', unit });
});
afterAll(async () => h?.close());
afterEach(() => {
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

/** Opens a case from the signed-in person's queue by clicking its row's link. */
async function openFromQueue(page: Page, id: string): Promise<void> {
  await page.goto('/ui/queue');
  expect(await rowIds(page)).toContain(id);
  await rowOf(page, id).locator(`a[href^="/ui/cases/${id}"]`).first().click();
  await page.waitForURL((u) => u.pathname === `/ui/cases/${id}`);
}

describe('P5 inside P3: redirected on time, cancelled once, then forwarded', () => {
  it('the unit tells the press secretary the question is not ours: the notice is on time, the forward due in 3 working days', async () => {
    const page = await h.newPage();
    await signIn(page, 'unit');
    await openFromQueue(page, p3);
    await axe(page);
    await act(page, 'redirect', { reason: 'Вопрос о налогах — компетенция Комитета государственных доходов' });
    expect(await stateOf(page)).toBe('redirection');
    expect(await page.locator('[data-state]').innerText()).toBe('Перенаправление');
    const notice = await deadlineOf(page, 'redirect_notice');
    expect(notice.status).toBe('met');
    expect(notice.text).toContain('2 рабочих дня с 06.03.2025');
    expect(await deadlineCells(page, 'redirect_notice')).toContain('11.03.2025');
    const forward = await deadlineOf(page, 'forward');
    expect(forward.status).toBe('pending');
    expect(forward.text).toContain('3 рабочих дня с 06.03.2025');
    const cells = await deadlineCells(page, 'forward');
    expect(cells).toContain('12.03.2025');
    expect(cells).toContain('осталось 3 раб. дня');
    // The review is closed by the redirection; nothing more for the unit.
    expect((await deadlineOf(page, 'review')).status).toBe('met');
    expect(await actionForm(page, 'redirect').count()).toBe(0);
    await axe(page);
  });

  it('the press secretary cancels it: back to the unit, the review due as before', async () => {
    const page = await h.newPage();
    await signIn(page, 'press_secretary');
    await openFromQueue(page, p3);
    await act(page, 'cancel_redirect', { reason: 'Вопрос о мерах поддержки — наша компетенция' });
    expect(await stateOf(page)).toBe('in_review');
    expect(await page.locator('[data-state]').innerText()).toBe('На рассмотрении');
    const review = await deadlineOf(page, 'review');
    expect(review.status).toBe('pending');
    expect(await deadlineCells(page, 'review')).toContain('26.03.2025');
    expect(await page.locator('[data-deadline="forward"][data-status="pending"]').count()).toBe(0);
    await axe(page);
  });

  it('the unit redirects again and the press secretary forwards it; the applicant is notified by e-mail', async () => {
    const unit = await h.newPage();
    await signIn(unit, 'unit');
    await openFromQueue(unit, p3);
    await act(unit, 'redirect', { reason: 'Вопрос о налогах — компетенция Комитета государственных доходов' });

    const page = await h.newPage();
    await signIn(page, 'press_secretary');
    await openFromQueue(page, p3);
    await act(page, 'forward', { organization: 'Комитет государственных доходов МФ РК', reference: 'ОД-2025-000123' });
    expect(await stateOf(page)).toBe('redirected');
    expect(await page.locator('[data-state]').innerText()).toBe('Перенаправлено');
    expect((await deadlineOf(page, 'forward')).status).toBe('met');
    expect((await deadlineOf(page, 'redirect_notice')).status).toBe('met');
    // The applicant's notice goes to the e-mail of the question (no SMTP here: queued).
    const mails = page.locator('[data-message-id]');
    expect(await mails.count()).toBe(2);
    const notice = mails.filter({ hasText: 'Уведомление о перенаправлении' });
    expect(await notice.getAttribute('data-message-status')).toBe('queued');
    expect(await notice.innerText()).toContain('aigerim1@example.kz');
    // A closed case: no form of the workflow is left.
    const forms = await page.locator('form[data-event]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-event')));
    expect(forms).not.toContain('forward');
    expect(forms).not.toContain('cancel_redirect');
    const types = await page.locator('.timeline > li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-type')));
    expect(types).toEqual(['created', 'register', 'assign', 'redirect', 'cancel_redirect', 'redirect', 'forward']);
    const forward = await page.locator('.timeline > li[data-type="forward"]').innerText();
    expect(forward).toContain('press_secretary-user (Пресс-секретарь)');
    expect(forward).toContain('Комитет государственных доходов МФ РК');
    await axe(page);
  });
});

// Last: it moves the shared clock.
describe('P5 inside P4: redirected late, after a clock jump', () => {
  it('shows the late redirection overdue in the press secretary\'s queue and forwards it late', async () => {
    // Friday 14.03.2025: past both last days (11.03 and 12.03).
    await h.jump('2025-03-14T05:00:00.000Z');
    const unit = await h.newPage();
    await signIn(unit, 'unit');
    await openFromQueue(unit, p4);
    await act(unit, 'redirect', { reason: 'Вопрос о пенсиях — компетенция Министерства труда' });
    expect(await stateOf(unit)).toBe('redirection');
    expect((await deadlineOf(unit, 'redirect_notice')).status).toBe('met_late');

    const page = await h.newPage();
    await signIn(page, 'press_secretary');
    expect(await rowIds(page)).toContain(p4);
    expect(await rowOf(page, p4).getAttribute('class')).toBe('urgency-overdue');
    const row = await rowOf(page, p4).innerText();
    expect(row).toContain('12.03.2025');
    expect(row).toMatch(/просрочено на 2 (раб\. )?дня/);
    await axe(page);
    await openFromQueue(page, p4);
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(1);
    const forward = await deadlineOf(page, 'forward');
    expect(forward.status).toBe('missed');
    expect(forward.text).toMatch(/просрочено на 2 (раб\. )?дня/);
    await act(page, 'forward', { organization: 'Министерство труда и социальной защиты населения РК', reference: 'ОД-2025-000456' });
    expect(await stateOf(page)).toBe('redirected');
    expect(await page.locator('[data-state]').innerText()).toBe('Перенаправлено');
    expect((await deadlineOf(page, 'forward')).status).toBe('met_late');
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(0);
    // P4's applicant is told on the portal: the notice is recorded as posted there, in words.
    const notice = page.locator('[data-message-id]');
    expect(await notice.count()).toBe(1);
    expect(await notice.getAttribute('data-message-status')).toBe('sent');
    expect(await notice.innerText()).toContain('Уведомление на портале');
    // Both judged late, by working days: 11.03 → 14.03 and 12.03 → 14.03.
    expect((await deadlineOf(page, 'redirect_notice')).text).toContain('с опозданием на 3 раб. дня');
    expect((await deadlineOf(page, 'forward')).text).toContain('с опозданием на 2 раб. дня');
    await axe(page);
  });
});
