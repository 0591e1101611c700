/**
 * `npm run screenshots`: PNGs of the main pages in docs/screenshots/ (shown in the README).
 * Starts the browser harness (tests/e2e/harness.ts) on a simulated clock, makes a few demo
 * cases (one of them overdue), signs in as each role of SHOTS and photographs its page.
 * A new page is one line of SHOTS. Needs chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HumanRole } from '../helpers/app.js';
import { demo, signIn, startHarness, type Harness } from './harness.js';

interface Shot {
  /** The file name, without `.png`. */
  name: string;
  /** Who is signed in; none: the page as a visitor sees it. */
  role?: HumanRole;
  /** The page; a function of the demo cases for a page of one case. */
  url: string | ((cases: DemoCases) => string);
  lang?: 'ru' | 'kk' | 'en';
}

const SHOTS: Shot[] = [
  { name: 'sign-in', url: '/ui/sign-in' },
  { name: 'queue-car', role: 'car', url: '/ui/queue' },
  { name: 'queue-unit', role: 'unit', url: '/ui/queue' },
  { name: 'queue-press-secretary', role: 'press_secretary', url: '/ui/queue' },
  { name: 'queue-supervisor-en', role: 'supervisor', url: '/ui/queue', lang: 'en' },
  { name: 'new-case-initiator', role: 'initiator', url: '/ui/new' },
  { name: 'new-case-car', role: 'car', url: '/ui/new' },
  { name: 'public-form', url: '/form/feedback' },
  { name: 'overdue-supervisor', role: 'supervisor', url: '/ui/overdue' },
  { name: 'dashboard-supervisor', role: 'supervisor', url: '/ui/dashboard' },
  // The search by registration number leads to the case's audit page.
  { name: 'audit-case', role: 'auditor', url: '/ui/audit?q=ЗТ-2025-0042' },
  { name: 'case-press-secretary', role: 'press_secretary', url: (c) => `/ui/cases/${c.blog}` },
  { name: 'reports-supervisor', role: 'supervisor', url: '/ui/reports?from=2025-01-01&to=2025-06-30&groupBy=month' },
  { name: 'account-car', role: 'car', url: '/ui/account' },
  { name: 'audit-ledger', role: 'auditor', url: '/ui/audit/ledger' },
  { name: 'site-content-press-secretary', role: 'press_secretary', url: '/ui/site-content' },
];

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

/** The demo cases a shot of one case page can name. */
interface DemoCases {
  /** A blog question returned once by the Chairman for rework (deadlines of several turns). */
  blog: string;
}

/** Cases of every procedure, at several stages; the first question is overdue by the end. */
async function demoCases(h: Harness): Promise<DemoCases> {
  const unit = h.t.units[0]!;
  // Monday 24.02.2025, 10:00 in Almaty: a question that will be late by the screenshots' day.
  const late = await h.createCase('car', 'feedback-inquiry', demo.question(1));
  await h.event('car', late.id, { type: 'register', registrationNumber: 'ЗТ-2025-0031' });
  await h.event('supervisor', late.id, { type: 'assign', unit });
  await h.jump('2025-03-06T05:00:00.000Z');
  const a = await h.createCase('car', 'feedback-inquiry', demo.question(2));
  await h.event('car', a.id, { type: 'register', registrationNumber: 'ЗТ-2025-0042' });
  await h.createCase('car', 'feedback-inquiry', demo.question(3));
  const b = await h.createCase('car', 'feedback-inquiry', demo.question(4));
  await h.event('car', b.id, { type: 'register', registrationNumber: 'ЗТ-2025-0043' });
  await h.event('supervisor', b.id, { type: 'assign', unit });
  const blog = await h.createCase('press_secretary', 'blog-question', demo.blogQuestion(1));
  await h.event('car', blog.id, { type: 'register', registrationNumber: 'БЛ-2025-0007' });
  await h.event('press_secretary', blog.id, { type: 'assign', unit });
  await h.event('unit', blog.id, { type: 'submit_answer', text: 'Приём заявок откроется 1 апреля.' });
  await h.event('supervisor', blog.id, { type: 'agree_answer' });
  await h.event('press_secretary', blog.id, { type: 'forward_to_chairman' });
  await h.event('chairman', blog.id, { type: 'return_for_rework', comment: 'Уточните сроки.' });
  await h.createCase('initiator', 'publication', demo.publication('2025-03-27', 1));
  await h.jump('2025-03-12T05:00:00.000Z');
  await h.createCase('press_secretary', 'blog-question', demo.blogQuestion(2));
  await h.createCase('initiator', 'publication', demo.publication('2025-03-20', 2));
  // The register of the site's mandatory content (п. 9): four kinds named, their reviews of
  // the quarter opened, one confirmed and one reported missing by the unit.
  const ps = { name: 'press_secretary-user', role: 'press_secretary' } as const;
  const site = 'https://qazindustry.gov.kz';
  for (const [kind, path] of [['general', '/about'], ['procurement', '/procurement'], ['news', '/news'], ['contacts', '/contacts']] as const) {
    await h.t.engine.siteContent.update(kind, { url: site + path, unit }, ps, 0);
  }
  await h.t.engine.siteContent.openDue();
  const reviews = (await h.t.engine.listCases({ procedure: 'site-content-review' })).cases;
  const review = (kind: string) => reviews.find((c) => c.context.kind === kind)!.id;
  await h.event('unit', review('news'), { type: 'confirm_present', url: `${site}/news` });
  await h.event('unit', review('procurement'), { type: 'report_missing', note: 'Не размещён план закупок на 2025 год.' });
  return { blog: blog.id };
}

async function main(): Promise<void> {
  const h = await startHarness({ now: '2025-02-24T05:00:00.000Z' });
  try {
    const cases = await demoCases(h);
    mkdirSync(OUT, { recursive: true });
    for (const shot of SHOTS) {
      const url = typeof shot.url === 'function' ? shot.url(cases) : shot.url;
      const page = await h.newPage({ viewport: { width: 1200, height: 640 } });
      if (shot.role) await signIn(page, shot.role);
      if (shot.lang) await page.goto(`/ui/lang?to=${shot.lang}&back=${encodeURIComponent(url)}`);
      else await page.goto(url);
      const file = join(OUT, `${shot.name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`${file} (${shot.role ?? 'visitor'}, ${url})`);
      await h.closePages();
    }
    if (h.external.length > 0) throw new Error(`requests left 127.0.0.1: ${h.external.join(', ')}`);
    if (h.pageErrors.length > 0) throw new Error(`script errors: ${h.pageErrors.join(', ')}`);
  } finally {
    await h.close();
  }
}

await main();
