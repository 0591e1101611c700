/**
 * A machine's refusal that names the payload field it is about (`Send "days" ≤ 10.`) is shown
 * by that field on the re-rendered form, not only at the top of the form (found by the P3
 * browser scenario, tests/e2e/feedback-inquiry.e2e.test.ts: a second extension past 30 days).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
afterEach(async () => t?.close());

const question = { applicant: { name: 'Айгерим Сатпаева', email: 'applicant@example.kz' }, language: 'ru', kind: 'question', text: 'Когда откроется приём?' };

function hiddenOf(form: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[h[1]!] = h[2]!;
  return out;
}

describe('a refusal of the machine on the case page', () => {
  it('puts the message by the field it names, and records nothing', async () => {
    t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z', units: true });
    const id = ((await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question })).json() as { id: string }).id;
    await advance(t, id, [
      ['car', { type: 'register', registrationNumber: 'ЗТ-1' }],
      ['supervisor', { type: 'assign', unit: t.units[0] }],
      ['chairman', { type: 'extend', days: 20, reason: 'проверка' }],
    ]);
    const chairman = await signIn(t.app, 'chairman');
    const page = (await chairman.get(`/ui/cases/${id}`)).body;
    const form = /<form[^>]*data-event="extend"[\s\S]*?<\/form>/.exec(page)?.[0] ?? '';
    const res = await chairman.post(`/ui/cases/${id}/events`, { ...hiddenOf(form), days: '15', reason: 'ещё проверка' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    const again = /<form[^>]*data-event="extend"[\s\S]*?<\/form>/.exec(res.body)?.[0] ?? '';
    expect(again).toMatch(/name="days"[^>]*aria-invalid="true"[^>]*>.*?<span class="field-error" id="[^"]+-days-error">[^<]*10 days remain/s);
    expect(again).toContain('value="15"');
    const history = (await t.as('auditor').get(`/cases/${id}/history`)).json() as { events: { type: string }[] };
    expect(history.events.filter((e) => e.type === 'extend')).toHaveLength(1);
  });
});
