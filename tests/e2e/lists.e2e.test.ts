/**
 * The lists (issue 14 §2, §5) in Debian's chromium, as staff use them: the filters and the
 * search of "all cases" (with and without JavaScript), the unit's queue, and after a
 * simulated clock jump the overdue view grouped by unit with the overdue mark, and the
 * dashboard's counts. The cases are made through the API (the scenario is the reading of
 * the lists). axe on each page.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, demo, expectNoExternalRequests, expectNoPageErrors, rowIds, rowOf, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
let unit: string;
/** Registered and assigned to the unit. */
let assigned: string;
/** Received, waiting on ЦАР to register it. */
let received: string;
let blog: string;
let publication: string;
beforeAll(async () => {
  // Thursday 06.03.2025, 10:00 in Almaty.
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
  unit = h.t.units[0]!;
  assigned = (await h.createCase('car', 'feedback-inquiry', demo.question(1))).id;
  await h.event('car', assigned, { type: 'register', registrationNumber: 'ЗТ-2025-0042' });
  await h.event('supervisor', assigned, { type: 'assign', unit });
  received = (await h.createCase('car', 'feedback-inquiry', demo.question(2))).id;
  blog = (await h.createCase('press_secretary', 'blog-question', demo.blogQuestion(1))).id;
  publication = (await h.createCase('initiator', 'publication', demo.publication('2025-03-20'))).id;
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

/** Applies the filter form (the button), waiting for the address to say what is shown. */
async function apply(page: Page, expectInUrl: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Показать' }).click();
  await page.waitForURL(expectInUrl);
}

/** The due date of a row as shown, and as its `datetime` says it. */
async function dueOf(page: Page, id: string): Promise<{ iso: string | null; shown: string }> {
  const time = rowOf(page, id).locator('time');
  return { iso: await time.getAttribute('datetime'), shown: await time.innerText() };
}

describe('all cases: filters and search', () => {
  it('filters by procedure, searches by registration number and by applicant, and resets', async () => {
    const page = await h.newPage();
    await signIn(page, 'supervisor', '/ui/cases');
    expect(await page.locator('h1').innerText()).toBe('Все дела');
    expect(new Set(await rowIds(page))).toEqual(new Set([assigned, received, blog, publication]));
    await axe(page);

    await page.getByLabel('Процедура').selectOption('feedback-inquiry');
    await apply(page, /procedure=feedback-inquiry/);
    await expect.poll(async () => new Set(await rowIds(page))).toEqual(new Set([assigned, received]));
    // The address says what is shown: a reload shows the same.
    await page.reload();
    expect(new Set(await rowIds(page))).toEqual(new Set([assigned, received]));
    expect(await page.getByLabel('Процедура').inputValue()).toBe('feedback-inquiry');

    await page.getByLabel('Поиск').fill('ЗТ-2025-0042');
    await apply(page, /q=/);
    await expect.poll(() => rowIds(page)).toEqual([assigned]);
    const row = await rowOf(page, assigned).innerText();
    expect(row).toContain('ЗТ-2025-0042');
    expect(row).toContain('Айгерим Сапарова 1');
    const due = await dueOf(page, assigned);
    expect(due.shown).toBe(due.iso!.split('-').reverse().join('.'));
    await axe(page);

    await page.getByLabel('Поиск').fill('Сапарова 2');
    await apply(page, /q=%D0%A1/);
    await expect.poll(() => rowIds(page)).toEqual([received]);

    await page.getByRole('link', { name: 'Сбросить' }).click();
    await page.waitForURL(/\/ui\/cases$/);
    expect(new Set(await rowIds(page))).toEqual(new Set([assigned, received, blog, publication]));
  });

  it('filters with plain forms when JavaScript is off', async () => {
    const page = await h.newPage({ javaScriptEnabled: false });
    await signIn(page, 'supervisor', '/ui/cases');
    await page.getByLabel('Процедура').selectOption('blog-question');
    await apply(page, /procedure=blog-question/);
    expect(await rowIds(page)).toEqual([blog]);
    expect(await rowOf(page, blog).innerText()).toContain('Вопрос в блог Председателя');
  });

  it("shows the unit the case assigned to it, with the review's last day and what remains", async () => {
    const page = await h.newPage();
    await signIn(page, 'unit');
    expect(await page.locator('h1').innerText()).toBe('Моя очередь');
    expect(await rowIds(page)).toEqual([assigned]);
    const text = await rowOf(page, assigned).innerText();
    expect(text).toContain('Структурное подразделение');
    const due = await dueOf(page, assigned);
    expect(due.shown).toMatch(/^\d\d\.03\.2025$/);
    expect(text).toMatch(/осталось \d+ (раб\. )?(день|дня|дней)/);
    await axe(page);
  });
});

describe("the press secretary's control of posting (п. 15)", () => {
  it('lists the material sent to the site administrator, with its last day for posting', async () => {
    const sent = await h.event('press_secretary', publication, { type: 'send_to_administrator' });
    const posting = (sent as unknown as { deadlines: { key: string; lastDay: string; open?: boolean }[] }).deadlines.find((d) => d.key === 'posting');
    expect(posting).toBeDefined();
    const page = await h.newPage();
    await signIn(page, 'press_secretary', '/ui/overdue');
    const section = page.locator('section[aria-labelledby="posting"]');
    expect(await section.locator('h2').innerText()).toBe('Контроль размещения (п. 15)');
    expect(await section.locator('[data-case-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id')))).toEqual([publication]);
    const row = section.locator(`[data-case-id="${publication}"]`);
    expect(await row.innerText()).toContain('QazIndustry на выставке 1');
    expect(await row.locator('time').getAttribute('datetime')).toBe(posting!.lastDay);
    expect(await row.locator('time').innerText()).toBe(posting!.lastDay.split('-').reverse().join('.'));
    await axe(page);
  });
});

// Last: they move the shared clock.
describe('overdue and the dashboard', () => {
  it('shows nothing overdue at first, then, after the last day has passed, the cases by unit with the overdue mark', async () => {
    const page = await h.newPage();
    await signIn(page, 'supervisor');
    await page.getByRole('link', { name: 'Просроченные' }).click();
    await page.waitForURL(/\/ui\/overdue$/);
    expect(await page.locator('h1').innerText()).toBe('Просроченные и близкие сроки');
    const overdue = page.locator('section[aria-labelledby="overdue"]');
    expect(await overdue.innerText()).toContain('Нет.');
    expect(await overdue.locator('[data-case-id]').count()).toBe(0);
    await axe(page);

    // 28.03.2025: two days after the review's last day (26.03.2025) of both inquiries.
    await h.jump('2025-03-28T05:00:00.000Z');
    await page.reload();
    const ids = await overdue.locator('[data-case-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id')));
    expect(ids).toEqual(expect.arrayContaining([assigned, received]));
    for (const id of [assigned, received]) {
      const row = overdue.locator(`[data-case-id="${id}"]`);
      expect(await row.getAttribute('class')).toBe('urgency-overdue');
      expect(await row.innerText()).toMatch(/просрочено на \d+ (день|дня|дней)/);
    }
    // Grouped by unit: the assigned one under its unit, the unregistered one under "no unit".
    const headings = await overdue.locator('h3').allInnerTexts();
    expect(headings).toContain(`Подразделение: ${unit}`);
    expect(headings).toContain('Подразделение не назначено');
    const unitTable = overdue.locator(`h3:text-is("Подразделение: ${unit}") + table`);
    expect(await unitTable.locator(`[data-case-id="${assigned}"]`).count()).toBe(1);
    expect(await unitTable.locator(`[data-case-id="${received}"]`).count()).toBe(0);
    await axe(page);

    // The same mark in the lists, and the "only overdue" filter.
    await page.goto('/ui/cases');
    await page.getByLabel('Только просроченные').check();
    await apply(page, /overdue=1/);
    const listed = await rowIds(page);
    expect(listed).toEqual(expect.arrayContaining([assigned, received]));
    for (const id of listed) expect(await rowOf(page, id).getAttribute('class')).toBe('urgency-overdue');
  });

  it('counts open and overdue cases per procedure and unit on the dashboard', async () => {
    const page = await h.newPage();
    await signIn(page, 'supervisor');
    await page.getByRole('link', { name: 'Сводка' }).click();
    await page.waitForURL(/\/ui\/dashboard$/);
    expect(await page.locator('h1').innerText()).toBe('Сводка');
    expect(await page.locator('main').innerText()).toContain('На 28.03.2025 10:00');
    const byProcedure = page.locator('table.counts').first();
    const row = byProcedure.locator('tr', { has: page.locator('th', { hasText: 'Обращение через форму обратной связи' }) });
    expect(await row.locator('[data-count="open"]').innerText()).toBe('2');
    expect(await row.locator('[data-count="overdue"]').innerText()).toBe('2');
    expect(await row.locator('[data-count="overdue"]').getAttribute('class')).toBe('count-overdue');
    const total = byProcedure.locator('tr.total');
    expect(Number(await total.locator('[data-count="open"]').innerText())).toBe(4);
    const byUnit = page.locator('table.counts').nth(1);
    const unitRow = byUnit.locator('tr', { has: page.locator('th', { hasText: unit }) });
    expect(await unitRow.locator('[data-count="overdue"]').innerText()).toBe('1');
    await axe(page);
  });
});

// Last of all: it adds 50 cases (the counts above would change).
describe('paging', () => {
  it('shows 50 rows a page, "next" and "previous" as links, every case once', async () => {
    for (let n = 2; n <= 51; n++) await h.createCase('press_secretary', 'blog-question', demo.blogQuestion(n));
    const page = await h.newPage();
    await signIn(page, 'supervisor', '/ui/cases?procedure=blog-question');
    const first = await rowIds(page);
    expect(first).toHaveLength(50);
    await page.getByRole('link', { name: 'Следующие →' }).click();
    await page.waitForURL(/after=/);
    await expect.poll(async () => (await rowIds(page)).length).toBe(1);
    const second = await rowIds(page);
    expect(new Set([...first, ...second]).size).toBe(51);
    expect([...first, ...second]).toContain(blog);
    await axe(page);
    await page.getByRole('link', { name: '← Предыдущие' }).click();
    await expect.poll(() => rowIds(page)).toEqual(first);
  });
});
