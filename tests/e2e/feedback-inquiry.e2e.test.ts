/**
 * A full P3 (a question through the feedback form, п. 35–40) done only through the pages, as
 * each role does it (issue 14 "Tested in a real browser"): ЦАР registers the question on the
 * new case form and in the EDMS, the supervisor routes it to a unit, the Chairman extends the
 * term (п. 39), ЦАР records the applicant's notice of the extension given by phone (the test
 * server sends no e-mail), the unit answers after the term, the supervisor returns the answer
 * once and then approves it. Checked as a person sees it: the state in words, the due dates
 * in local time (dd.MM.yyyy, Asia/Almaty), what remains, how the term was counted, the engine's
 * message next to the field it names, the overdue mark after a clock jump, the messages to
 * the applicant and the history; axe on every page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, actionForm, axe, deadlineCells, deadlineOf, expectNoExternalRequests, expectNoPageErrors, fillFields, type Harness, rowIds, rowOf, signIn, startHarness, stateOf } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Thursday 06.03.2025, 10:00 in Almaty.
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
});
afterAll(async () => h?.close());
afterEach(() => {
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

describe('P3: a question with an extension and its notice, answered through the pages', () => {
  let caseId: string;
  let casePath: string;

  it('ЦАР registers the question received today on the new case form', async () => {
    const page = await h.newPage();
    await signIn(page, 'car', '/ui/new');
    await axe(page);
    const form = page.locator('form[data-event="create"][data-procedure="feedback-inquiry"]');
    // Filled by the labels a person reads.
    await form.getByLabel('Имя заявителя').fill('Айгерим Сапарова');
    await form.getByLabel('E-mail заявителя').fill('aigerim@example.kz');
    await form.getByLabel('Язык обращения').selectOption({ label: 'Русский' });
    await form.getByLabel('Вид обращения').selectOption({ label: 'Вопрос' });
    await form.getByLabel('Текст обращения').fill('Как получить меру государственной поддержки экспорта?');
    await Promise.all([page.waitForURL(/\/ui\/cases\/[0-9a-f-]{36}/), form.getByRole('button', { name: 'Создать дело' }).click()]);
    casePath = new URL(page.url()).pathname;
    caseId = casePath.split('/').pop()!;
    expect(await stateOf(page)).toBe('received');
    expect(await page.locator('[data-state]').innerText()).toBe('Поступило');
    // The review: 15 calendar days from receipt (06.03); the 21st is Nauryz → last day 26.03 (п. 38).
    const review = await deadlineOf(page, 'review');
    expect(review.status).toBe('pending');
    const cells = await deadlineCells(page, 'review');
    expect(cells).toContain('06.03.2025');
    expect(cells).toContain('26.03.2025');
    expect(cells).toContain('осталось 20 дней');
    expect(review.text).toMatch(/15 календарных дней с 06\.03\.2025; .*→ 26\.03/);
    // The acknowledgement with the term goes to the applicant at once (п. 36); the test server has no SMTP.
    const ack = page.locator('[data-message-id]').filter({ hasText: 'Подтверждение получения' });
    expect(await ack.getAttribute('data-message-status')).toBe('queued');
    expect(await ack.innerText()).toContain('aigerim@example.kz');
    await axe(page);

    await act(page, 'register', { registrationNumber: 'ЗТ-0042/25' });
    expect(await stateOf(page)).toBe('registered');
    expect(await page.locator('[data-state]').innerText()).toBe('Зарегистрировано');
    expect(await page.locator('h1').innerText()).toBe('Дело ЗТ-0042/25 — Айгерим Сапарова');
    // Nothing left for ЦАР: the case waits on the supervisor.
    expect(await actionForm(page, 'register').count()).toBe(0);
    await page.goto('/ui/queue');
    expect(await rowIds(page)).not.toContain(caseId);
  });

  it('the supervisor finds it in the queue and routes it to a unit', async () => {
    const page = await h.newPage();
    await signIn(page, 'supervisor');
    expect(await rowIds(page)).toContain(caseId);
    const row = await rowOf(page, caseId).innerText();
    expect(row).toContain('ЗТ-0042/25');
    expect(row).toContain('26.03.2025');
    await rowOf(page, caseId).locator(`a[href^="/ui/cases/${caseId}"]`).first().click();
    await page.waitForURL((u) => u.pathname === casePath);
    await axe(page);
    const unit = h.t.units[0]!;
    await act(page, 'assign', { unit });
    expect(await stateOf(page)).toBe('in_review');
    expect(await page.locator('[data-state]').innerText()).toBe('На рассмотрении');
    expect(await page.locator('.facts').innerText()).toContain('Департамент экспорта');
  });

  it('the Chairman extends the term; a second one past 30 days in total is refused by the field', async () => {
    const page = await h.newPage();
    await signIn(page, 'chairman', casePath);
    await act(page, 'extend', { days: '20', reason: 'Нужна проверка сведений в министерстве' });
    // 15 + 20 = 35 calendar days from 06.03 → Thursday 10.04.2025.
    expect(await deadlineCells(page, 'review')).toContain('10.04.2025');
    expect((await deadlineOf(page, 'review')).text).toMatch(/35 календарных дней с 06\.03\.2025/);
    // The notice to the applicant: 3 calendar days from the decision; 08.03–10.03 are days off → 11.03.
    expect((await deadlineOf(page, 'extension_notice')).status).toBe('pending');
    expect(await deadlineCells(page, 'extension_notice')).toContain('11.03.2025');
    expect((await deadlineOf(page, 'extension_notice')).text).toContain('3 календарных дня с 06.03.2025');
    const notice = page.locator('[data-message-id]').filter({ hasText: 'Уведомление о продлении' });
    expect(await notice.getAttribute('data-message-status')).toBe('queued');

    // 20 + 15 > 30: the engine refuses, and says so by the form; nothing is recorded.
    const form = actionForm(page, 'extend');
    await fillFields(form, { days: '15', reason: 'Ещё одна проверка' });
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type="submit"]').click()]);
    expect(response.status()).toBeGreaterThanOrEqual(400);
    await page.waitForLoadState();
    const again = actionForm(page, 'extend');
    // The engine's own message, next to the field it names, with what was typed kept.
    expect(await page.locator('[role="alert"]').innerText()).toMatch(/^Событие не записано: .*20 of 30 days, 10 days remain/);
    const days = again.locator('[name="days"]');
    expect(await days.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await days.getAttribute('aria-describedby'))!.split(' ').find((x) => x.endsWith('-error'))!;
    expect(await page.locator(`#${errorId}`).innerText()).toMatch(/10 days remain/);
    expect(await again.locator('[name="days"]').inputValue()).toBe('15');
    await axe(page);
    expect(await deadlineCells(page, 'review')).toContain('10.04.2025');

    // 20 + 10 = 30: the longest term, 45 days → Sunday 20.04 → Monday 21.04.2025 (п. 39).
    await act(page, 'extend', { days: '10', reason: 'Ответ министерства ожидается' });
    const cells = await deadlineCells(page, 'review');
    expect(cells).toContain('21.04.2025');
    expect((await deadlineOf(page, 'review')).text).toMatch(/45 календарных дней с 06\.03\.2025; 20\.04 выходной → 21\.04/);
    expect(cells).toContain('осталось 46 дней');
  });

  it('ЦАР records that the applicant was told of the extension by phone: the notice deadline is met', async () => {
    const page = await h.newPage();
    await signIn(page, 'car', casePath);
    await act(page, 'record_notice', { deadline: 'extension_notice', channel: 'phone', reference: 'звонок 06.03.2025 11:30' });
    const d = await deadlineOf(page, 'extension_notice');
    expect(d.status).toBe('met');
    expect(d.text).toContain('соблюдён');
    expect(d.text).toContain('закрыт 06.03.2025');
    await axe(page);
  });

  it('after the term the case is overdue; the unit answers late, the supervisor returns it once, then approves', async () => {
    // Wednesday 23.04.2025: two days after the last day (21.04).
    await h.jump('2025-04-23T05:00:00.000Z');
    const page = await h.newPage();
    await signIn(page, 'unit');
    expect(await rowOf(page, caseId).getAttribute('class')).toBe('urgency-overdue');
    expect(await rowOf(page, caseId).innerText()).toContain('просрочено на 2 дня');
    await axe(page);
    await page.goto(casePath);
    expect((await deadlineOf(page, 'review')).status).toBe('missed');
    expect(await page.locator('[data-badge="overdue"]').count()).toBe(1);
    expect(await deadlineCells(page, 'review')).toContain('просрочено на 2 дня');
    await act(page, 'submit_answer', {
      text: 'Меры поддержки экспорта предоставляются по заявке через портал.',
      citations: 'Предпринимательский кодекс РК, ст. 93\nПостановление Правительства РК № 1033',
      language: 'ru',
    });
    expect(await stateOf(page)).toBe('answer_review');
    expect(await page.locator('[data-state]').innerText()).toBe('Проверка ответа');

    const sup = await h.newPage();
    await signIn(sup, 'supervisor', casePath);
    await act(sup, 'return_answer', { comment: 'Добавьте срок рассмотрения заявки.' });
    expect(await stateOf(sup)).toBe('in_review');

    await page.reload();
    await act(page, 'submit_answer', {
      text: 'Меры поддержки экспорта предоставляются по заявке через портал; заявка рассматривается 10 рабочих дней.',
      citations: 'Предпринимательский кодекс РК, ст. 93',
      language: 'ru',
    });
    await sup.reload();
    await act(sup, 'approve_answer');
    expect(await stateOf(sup)).toBe('answered');
    expect(await sup.locator('[data-state]').innerText()).toBe('Ответ дан');
    // Answered after the last day: met late; the notice was on time.
    expect((await deadlineOf(sup, 'review')).status).toBe('met_late');
    expect((await deadlineOf(sup, 'extension_notice')).status).toBe('met');
    const answer = sup.locator('[data-message-id]').filter({ hasText: 'aigerim@example.kz' });
    expect(await answer.count()).toBe(4);
    // No more forms but a comment (and the engine's correction) on a closed case.
    expect(await sup.locator('form[data-event]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-event')))).not.toContain('approve_answer');
    // The history as a timeline, in order, with who and under which role.
    const types = await sup.locator('.timeline > li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-type')));
    expect(types.filter((x) => x !== 'deadline_missed')).toEqual([
      'created',
      'register',
      'assign',
      'extend',
      'extend',
      'record_notice',
      'submit_answer',
      'return_answer',
      'submit_answer',
      'approve_answer',
    ]);
    const approve = await sup.locator('.timeline > li[data-type="approve_answer"]').innerText();
    expect(approve).toContain('supervisor-user (Курирующий руководитель)');
    expect(approve).toContain('23.04.2025');
    await axe(sup);
  });
});
