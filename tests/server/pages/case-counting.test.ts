/**
 * "How it was counted" on the case page says the number of days in the language's plural
 * form: "3 календарных дня", not "3 календарных дней" (found by the P3 browser scenario,
 * tests/e2e/feedback-inquiry.e2e.test.ts, on the extension notice's row).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
afterEach(async () => t?.close());

const question = { applicant: { name: 'Айгерим Сатпаева', email: 'applicant@example.kz' }, language: 'ru', kind: 'question', text: 'Когда откроется приём?' };

function rowOf(page: string, key: string): string {
  return new RegExp(`<tr data-deadline="${key}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
}

describe('how a deadline was counted, in words', () => {
  it('uses the plural form of the number of days (Russian)', async () => {
    t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z', units: true });
    const id = ((await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question })).json() as { id: string }).id;
    await advance(t, id, [
      ['car', { type: 'register', registrationNumber: 'ЗТ-1' }],
      ['supervisor', { type: 'assign', unit: t.units[0] }],
      ['chairman', { type: 'extend', days: 30, reason: 'проверка' }],
    ]);
    const car = await signIn(t.app, 'car');
    const page = (await car.get(`/ui/cases/${id}`)).body;
    expect(rowOf(page, 'extension_notice')).toContain('3 календарных дня с 06.03.2025');
    expect(rowOf(page, 'review')).toContain('45 календарных дней с 06.03.2025');

    // P5: 2 and 3 working days from the receipt.
    const unit = await signIn(t.app, 'unit');
    await advance(t, id, [['unit', { type: 'redirect', reason: 'вне компетенции' }]]);
    const redirected = (await unit.get(`/ui/cases/${id}`)).body;
    expect(rowOf(redirected, 'redirect_notice')).toContain('2 рабочих дня с 06.03.2025');
    expect(rowOf(redirected, 'forward')).toContain('3 рабочих дня с 06.03.2025');
  });

  it('says "1 рабочий день" for a procurement notice (P1: at most 1 working day after the announcement)', async () => {
    t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
    const res = await t.as('initiator').post('/cases', {
      procedure: 'publication',
      input: { title: 'Закупка', kind: 'procurement', channels: ['site'], announcementPublishedAt: '2025-03-05T05:00:00.000Z' },
    });
    expect(res.statusCode).toBe(201);
    const ps = await signIn(t.app, 'press_secretary');
    const row = rowOf((await ps.get(`/ui/cases/${(res.json() as { id: string }).id}`)).body, 'submission');
    expect(row).toMatch(/1 рабочий день с 05\.03\.2025/);
  });
});
