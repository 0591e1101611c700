/**
 * The case page's messages name a notice that is no e-mail in words: P4's notice of a
 * redirection is recorded as posted on the portal (`kind: portal_notice`, no template) and
 * was shown as the raw identifier (found by tests/e2e/redirection.e2e.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
afterEach(async () => t?.close());

describe('the messages of a case', () => {
  it('names the portal notice of a redirected blog question in each language', async () => {
    t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z', units: true });
    const res = await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: { channel: 'blog', author: { name: 'Ерлан' }, language: 'kk', text: 'Сұрақ' } });
    expect(res.statusCode).toBe(201);
    const id = (res.json() as { id: string }).id;
    await advance(t, id, [
      ['car', { type: 'register', registrationNumber: 'БЛ-1' }],
      ['press_secretary', { type: 'assign', unit: t.units[0] }],
      ['unit', { type: 'redirect', reason: 'вне компетенции' }],
      ['press_secretary', { type: 'forward', organization: 'Министерство', reference: 'ОД-1' }],
    ]);
    const ps = await signIn(t.app, 'press_secretary');
    const rowOf = (page: string) => /<tr data-message-id="[^"]+" data-message-status="[^"]+">[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    const body = (await ps.get(`/ui/cases/${id}`)).body;
    // The messages table scrolls in a box a keyboard can reach, named by its heading (axe scrollable-region-focusable).
    expect(body).toContain('<div class="scroll" tabindex="0" role="region" aria-labelledby="messages-title"><table class="messages">');
    const ru = rowOf(body);
    expect(ru).toContain('Уведомление на портале');
    expect(ru).not.toContain('portal_notice');
    ps.cookie += '; qi_lang=en';
    expect(rowOf((await ps.get(`/ui/cases/${id}`)).body)).toContain('Notice on the portal');
  });
});
