/**
 * The browser test harness: the real app (buildApp + the real engine on a temp SQLite file,
 * a SimulatedClock, the test users of tests/helpers/app.ts with units as `npm start` has
 * them) listening on 127.0.0.1 on a free port, and Debian's chromium driven by
 * playwright-core (never a downloaded browser; CHROMIUM_PATH overrides /usr/bin/chromium).
 *
 * Every page comes from `h.newPage()`: a fresh browser context (no cookies) in Asia/Almaty
 * and ru-RU, whose requests to any host other than 127.0.0.1 are aborted and recorded in
 * `h.external` (nothing may load from the internet: `expectNoExternalRequests`), and whose
 * script errors are recorded in `h.pageErrors` (a CSP refusal or a broken script shows there).
 *
 * Tests act only through the pages, as a person would; the API helpers (`createCase`,
 * `event`) prepare the data a scenario starts from, and `jump` moves the simulated clock
 * and lets the engine fire what fell due. The hooks the pages promise (docs/web.md "Stable
 * hooks") have readers: `stateOf`, `deadlineOf`, `rowIds`.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildTestApp, token, type HumanRole, type TestApp } from '../helpers/app.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TIMEZONE = 'Asia/Almaty';
export const LOCALE = 'ru-RU';

/** Who signs in: a role's test user (`<role>-user`), or any name and key. */
export type Who = HumanRole | { name: string; token: string };

export interface CaseCreated {
  id: string;
  state: string;
  seq: number;
  [key: string]: unknown;
}

export interface Harness {
  /** The app, the engine and the simulated clock (tests/helpers/app.ts). */
  t: TestApp;
  /** `http://127.0.0.1:<port>`; pages resolve relative URLs against it. */
  baseUrl: string;
  browser: Browser;
  /** Requests the browser tried to send to another host (aborted). */
  external: string[];
  /** Uncaught script errors of any page. */
  pageErrors: string[];
  /** A page in a new context (own cookies), Asia/Almaty, ru-RU, local requests only. */
  newPage(options?: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } }): Promise<Page>;
  /** Creates a case through the API as `role`; fails loudly on anything but 201. */
  createCase(role: HumanRole, procedure: string, input: Record<string, unknown>): Promise<CaseCreated>;
  /** Sends an event through the API as `role`; fails loudly on anything but 200. Returns the view. */
  event(role: HumanRole, caseId: string, body: Record<string, unknown>): Promise<CaseCreated>;
  /** Moves the simulated clock to `to` (never back), fires the timers due, waits until the engine is idle. */
  jump(to: string | Date): Promise<void>;
  /** Closes every page opened so far (a long file can call it in afterEach). */
  closePages(): Promise<void>;
  /** Stops the browser, the server and the engine; removes the temp folder. */
  close(): Promise<void>;
}

export async function startHarness(options: { now?: string } = {}): Promise<Harness> {
  const t = await buildTestApp({ now: options.now ?? '2025-03-06T05:00:00.000Z', units: true });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  } catch (e) {
    await t.close();
    throw new Error(`cannot start chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH): ${(e as Error).message}`, { cause: e });
  }
  const contexts: BrowserContext[] = [];
  const external: string[] = [];
  const pageErrors: string[] = [];

  const h: Harness = {
    t,
    baseUrl,
    browser,
    external,
    pageErrors,
    async newPage(o = {}) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        timezoneId: TIMEZONE,
        locale: LOCALE,
        javaScriptEnabled: o.javaScriptEnabled ?? true,
        viewport: o.viewport ?? { width: 1280, height: 800 },
      });
      contexts.push(context);
      // Only our server: any other host (a CDN, a font, an analytics beacon) is refused and noted.
      await context.route(
        (url) => url.hostname !== '127.0.0.1',
        (route) => {
          external.push(route.request().url());
          return route.abort('blockedbyclient');
        },
      );
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
      return page;
    },
    async createCase(role, procedure, input) {
      const res = await t.as(role).post('/cases', { procedure, input });
      if (res.statusCode !== 201) throw new Error(`${role} creates ${procedure} → ${res.statusCode} ${res.body}`);
      return res.json();
    },
    async event(role, caseId, body) {
      const res = await t.as(role).post(`/cases/${caseId}/events`, body);
      if (res.statusCode !== 200) throw new Error(`${role} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
      return res.json();
    },
    async jump(to) {
      t.clock.set(to);
      await t.engine.idle();
    },
    async closePages() {
      for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
    },
    async close() {
      await h.closePages();
      await browser.close();
      await t.close();
    },
  };
  return h;
}

/**
 * Signs in through the sign-in form (types the name and the key, presses the button) and
 * waits for the page it leads to. `next`: where to go after (default the queue).
 */
export async function signIn(page: Page, who: Who, next?: string): Promise<void> {
  const user = typeof who === 'string' ? { name: `${who}-user`, token: token(who) } : who;
  await page.goto(next ? `/ui/sign-in?next=${encodeURIComponent(next)}` : '/ui/sign-in');
  await page.locator('#sign-in-name').fill(user.name);
  await page.locator('#sign-in-token').fill(user.token);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/ui/sign-in')), page.locator('form[data-form="sign-in"] button[type="submit"]').click()]);
}

/** Signs out with the header's button; lands on the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL(/\/ui\/sign-in/), page.locator('form[action="/ui/sign-out"] button').click()]);
}

/**
 * Runs axe-core on the page as it is and throws on any `serious` or `critical` violation,
 * listing each rule, what to fix and the elements (minor and moderate ones are returned).
 */
export async function axe(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    const lines = bad.map(
      (v) =>
        `- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ') ?? ''}`).join('\n'),
    );
    throw new Error(`axe: ${bad.length} serious or critical violation(s) on ${page.url()}:\n${lines.join('\n')}`);
  }
  return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', nodes: v.nodes.length }));
}

/** Throws when the browser tried to reach any host but 127.0.0.1 (listing the URLs). */
export function expectNoExternalRequests(h: Harness): void {
  if (h.external.length > 0) throw new Error(`requests left 127.0.0.1:\n${h.external.join('\n')}`);
}

/** Throws on any uncaught script error of the pages (a CSP refusal, a broken script). */
export function expectNoPageErrors(h: Harness): void {
  if (h.pageErrors.length > 0) throw new Error(`script errors:\n${h.pageErrors.join('\n')}`);
}

// The stable hooks (docs/web.md): what tests written outside the project may rely on.

/** The case page's state (`data-state`). */
export async function stateOf(page: Page): Promise<string | null> {
  return page.locator('[data-state]').first().getAttribute('data-state');
}

/** A deadline of the case page (`data-deadline="<key>"`): its `data-status` and its text as shown. */
export async function deadlineOf(page: Page, key: string): Promise<{ status: string | null; text: string }> {
  const el = page.locator(`[data-deadline="${key}"]`).first();
  return { status: await el.getAttribute('data-status'), text: (await el.innerText()).trim() };
}

/** The case ids of the rows of a queue or list (`data-case-id`), in page order. */
export async function rowIds(page: Page): Promise<string[]> {
  return page.locator('[data-case-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id') ?? ''));
}

/** The row of a case in a queue or list. */
export function rowOf(page: Page, caseId: string) {
  return page.locator(`[data-case-id="${caseId}"]`);
}

/** The action form of an event (`data-event`) on a case page. */
export function actionForm(page: Page, eventType: string) {
  return page.locator(`form[data-event="${eventType}"]`);
}

// Working the pages as a person does (the scenarios share these).

/**
 * Fills a form's fields by their payload names (`comment`, `applicant.name`): text, dates and
 * text areas are typed, selects choose the value, a list checks those boxes of a checkbox group.
 */
export async function fillFields(form: Locator, fields: Record<string, string | string[]>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) {
      for (const v of value) await form.locator(`input[type="checkbox"][name="${name}"][value="${v}"]`).check();
      continue;
    }
    const el = form.locator(`[name="${name}"]`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
    else await el.fill(value);
  }
}

/**
 * Fills and sends the case page's action form of `type` (there must be exactly one) and waits
 * for the case page the 303 leads to, with its notice "Событие записано: …".
 */
export async function act(page: Page, type: string, fields: Record<string, string | string[]> = {}): Promise<void> {
  const form = actionForm(page, type);
  expect(await form.count(), `a form for ${type}`).toBe(1);
  await fillFields(form, fields);
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === type), form.locator('button[type="submit"]').click()]);
  expect(await page.locator('.flash[role="status"]').first().innerText()).toMatch(/^Событие записано: /);
}

/** Signs in as `who` in a fresh page, straight to the case page of `caseId`. */
export async function openCase(h: Harness, who: Who, caseId: string): Promise<Page> {
  const page = await h.newPage();
  await signIn(page, who, `/ui/cases/${caseId}`);
  expect(new URL(page.url()).pathname).toBe(`/ui/cases/${caseId}`);
  return page;
}

/** The case page's state as shown: the `data-state` hook and its words. */
export async function stateShown(page: Page): Promise<{ id: string | null; words: string }> {
  return { id: await stateOf(page), words: (await page.locator('[data-state]').first().innerText()).trim() };
}

/** The cells of a deadline's row as the person reads them. */
export async function deadlineCells(page: Page, key: string): Promise<string[]> {
  return page.locator(`[data-deadline="${key}"] > *`).allInnerTexts();
}

/** Demo inputs for cases, so scenarios and the screenshots do not repeat them. */
export const demo = {
  question: (n = 1) => ({
    applicant: { name: `Айгерим Сапарова ${n}`, email: `aigerim${n}@example.kz` },
    language: 'ru',
    kind: 'question',
    text: 'Как получить меру государственной поддержки экспорта?',
  }),
  blogQuestion: (n = 1) => ({ channel: 'e-otinish', author: { name: `Ерлан ${n}` }, language: 'kk', text: 'Экспортқа қолдау туралы сұрақ' }),
  publication: (plannedFor: string, n = 1) => ({ title: `QazIndustry на выставке ${n}`, kind: 'regular', channels: ['site', 'telegram'], plannedFor }),
};
