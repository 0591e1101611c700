/**
 * The deadline's one-line explanation on the case page (case-parts.ts `explain`) names the
 * period with the plural form of its number: "1 календарный день", "2 календарных дня",
 * "15 календарных дней" (P4's rework and posting are 1 day, to_chairman and P2's translation 2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadlineView } from '../../../engine/index.js';
import { explain } from '../../../server/pages/case-parts.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

const deadline = (amount: number, reading: 'calendar' | 'working', lastDay: string) =>
  ({ key: 'rework', amount, reading, from: '2025-03-06T05:00:00.000Z', lastDay, calendar: { id: 'kz', version: 'test' } }) as unknown as DeadlineView;

describe('how a deadline was counted', () => {
  it('uses the plural form of the number of days, in Russian', () => {
    const names = new Map<string, string | undefined>();
    expect(explain('ru', deadline(1, 'calendar', '2025-03-07'), 'Asia/Almaty', names)).toBe('1 календарный день с 06.03.2025 → 07.03.2025');
    expect(explain('ru', deadline(2, 'calendar', '2025-03-11'), 'Asia/Almaty', names)).toBe('2 календарных дня с 06.03.2025; 08.03 выходной → 11.03');
    expect(explain('ru', deadline(15, 'calendar', '2025-03-21'), 'Asia/Almaty', names)).toBe('15 календарных дней с 06.03.2025 → 21.03.2025');
    expect(explain('ru', deadline(21, 'calendar', '2025-03-27'), 'Asia/Almaty', names)).toBe('21 календарный день с 06.03.2025 → 27.03.2025');
    expect(explain('ru', deadline(1, 'working', '2025-03-07'), 'Asia/Almaty', names)).toBe('1 рабочий день с 06.03.2025 → 07.03.2025');
    expect(explain('ru', deadline(3, 'working', '2025-03-12'), 'Asia/Almaty', names)).toBe('3 рабочих дня с 06.03.2025 → 12.03.2025');
    expect(explain('ru', deadline(5, 'working', '2025-03-14'), 'Asia/Almaty', names)).toBe('5 рабочих дней с 06.03.2025 → 14.03.2025');
  });

  it('and in English', () => {
    const names = new Map<string, string | undefined>();
    expect(explain('en', deadline(1, 'calendar', '2025-03-07'), 'Asia/Almaty', names)).toBe('1 calendar day from 06.03.2025 → 07.03.2025');
    expect(explain('en', deadline(2, 'working', '2025-03-11'), 'Asia/Almaty', names)).toBe('2 working days from 06.03.2025 → 11.03.2025');
  });
});

describe('the deadlines table', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it('scrolls in a region the keyboard reaches and that is named by its heading (axe scrollable-region-focusable)', async () => {
    t = await buildTestApp({});
    const input = { applicant: { name: 'Айгерим Сатпаева', email: 'applicant@example.kz' }, language: 'ru', kind: 'question', text: 'Когда откроется приём?' };
    const id = ((await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input })).json() as { id: string }).id;
    const body = (await (await signIn(t.app, 'car')).get(`/ui/cases/${id}`)).body;
    expect(body).toMatch(/<div class="scroll" tabindex="0" role="region" aria-labelledby="deadlines-title"><table class="deadlines">/);
  });
});
