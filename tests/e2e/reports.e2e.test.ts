/**
 * The on-time report page (issue 15 §2) in Debian's chromium: reached from the
 * navigation, the range and the period chosen with the GET form, the tables and the
 * server's SVG chart, the CSV and XLSX downloads through the session, and axe (which needs
 * JavaScript to run); then the same form with JavaScript off.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, demo, expectNoExternalRequests, expectNoPageErrors, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Thursday 06.03.2025, 10:00 in Almaty: two questions, review last day 26.03.2025.
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
  const unit = h.t.units[0]!;
  const onTime = (await h.createCase('car', 'feedback-inquiry', demo.question(1))).id;
  await h.createCase('car', 'feedback-inquiry', demo.question(2));
  await h.event('car', onTime, { type: 'register', registrationNumber: 'ЗТ-2025-0042' });
  await h.event('supervisor', onTime, { type: 'assign', unit });
  await h.event('unit', onTime, { type: 'submit_answer', text: 'Ответ', citations: ['Закон РК'], language: 'ru' });
  await h.event('supervisor', onTime, { type: 'approve_answer' });
  // 1 April: the other one is open and overdue.
  await h.jump('2025-04-01T05:00:00.000Z');
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

describe('the on-time report page', () => {
  it('shows the tables and the chart, switches the period with the form and downloads CSV and XLSX', async () => {
    const page = await h.newPage();
    await signIn(page, 'supervisor', '/ui/dashboard');
    await page.getByRole('link', { name: 'Отчёт о сроках' }).click();
    await page.waitForURL(/\/ui\/reports$/);
    expect(await page.locator('h1').innerText()).toBe('Отчёт о соблюдении сроков');
    await axe(page);

    await page.getByLabel('С (последний день)').fill('2025-03-01');
    await page.getByLabel('По (последний день)').fill('2025-03-31');
    await page.locator('#report-group').selectOption('month');
    await Promise.all([page.waitForURL(/from=2025-03-01/), page.getByRole('button', { name: 'Показать' }).click()]);
    const byPeriod = page.getByRole('table', { name: 'По периодам' });
    const march = byPeriod.getByRole('row', { name: /^2025-03/ });
    expect(await march.locator('[data-cell="opened"]').innerText()).toBe('2');
    expect(await march.locator('[data-cell="closedOnTime"]').innerText()).toBe('1');
    expect(await march.locator('[data-cell="closedLate"]').innerText()).toBe('0');
    expect(await march.locator('[data-cell="open"]').innerText()).toBe('1');
    expect(await march.locator('[data-cell="overdue"]').innerText()).toBe('1');
    const groups = page.getByRole('table', { name: 'По процедурам, срокам и подразделениям' });
    expect(await groups.locator('tbody tr').count()).toBe(2);
    const chart = page.getByRole('img', { name: 'Закрыто в срок и с нарушением срока по периодам' });
    await expect.poll(() => chart.count()).toBe(1);
    expect(await page.locator('svg.chart g[data-period]').count()).toBe(1);
    await axe(page);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('deadlines-2025-03-01-2025-03-31-month.csv');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Excel (XLSX)' }).click()]);
    expect(xlsx.suggestedFilename()).toBe('deadlines-2025-03-01-2025-03-31-month.xlsx');

    await page.locator('#report-group').selectOption('quarter');
    await page.getByLabel('С (последний день)').fill('2025-01-01');
    await page.getByLabel('По (последний день)').fill('2025-12-31');
    await Promise.all([page.waitForURL(/groupBy=quarter/), page.getByRole('button', { name: 'Показать' }).click()]);
    expect(await page.locator('svg.chart g[data-period]').count()).toBe(4);
    expect(await page.getByRole('table', { name: 'По периодам' }).getByRole('row', { name: /^2025-Q1/ }).locator('[data-cell="opened"]').innerText()).toBe('2');
  });

  it('works without JavaScript: the GET form, the tables and the chart', async () => {
    const page = await h.newPage({ javaScriptEnabled: false });
    await signIn(page, 'unit', '/ui/reports');
    await page.getByLabel('С (последний день)').fill('2025-03-01');
    await page.getByLabel('По (последний день)').fill('2025-03-31');
    await Promise.all([page.waitForURL(/to=2025-03-31/), page.getByRole('button', { name: 'Показать' }).click()]);
    const march = page.getByRole('table', { name: 'По периодам' }).getByRole('row', { name: /^2025-03/ });
    expect(await march.locator('[data-cell="opened"]').innerText()).toBe('2');
    expect(await page.locator('svg.chart g[data-period]').count()).toBe(1);
  });

  it('says what to fix for an inverted range, with the form kept', async () => {
    const page = await h.newPage();
    await signIn(page, 'auditor', '/ui/reports?from=2025-04-01&to=2025-03-01');
    expect(await page.getByRole('alert').innerText()).toContain('before "from"');
    expect(await page.getByLabel('С (последний день)').inputValue()).toBe('2025-04-01');
    await axe(page);
  });
});
