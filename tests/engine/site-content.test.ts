/**
 * The site's mandatory content (п. 9, issue 18 §3; engine/site-content.ts): the register's
 * revisions against If-Match, the periodic review opening one case per kind and period
 * exactly once (two engines at the same moment too), and the compliance of each kind.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine.js';
import { periodOf, previousPeriodStart } from '../../engine/site-content.js';
import type { UnitDirectory } from '../../engine/units.js';
import type { Actor } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { SITE_CONTENT_KIND_KEYS } from '../../machines/site-content-review/site-content.kinds.js';
import { engineRejection, tmpDir } from './fixtures/helpers.js';

const EXPORT = 'Департамент экспорта';
const PR = 'Служба пресс-секретаря';
const directory: UnitDirectory = { units: [EXPORT, PR], people: new Map([['Асель', [EXPORT]]]) };
const press: Actor = { name: 'PS', role: 'press_secretary' };
const admin: Actor = { name: 'Admin', role: 'administrator' };
const asel: Actor = { name: 'Асель', role: 'unit', units: [EXPORT] };
const kz = loadKzCalendar();

let clock: SimulatedClock;
let path: string;
let engine: Engine;
let cleanup: () => void;
const open = (more: Partial<EngineOptions> = {}) =>
  createEngine({ databasePath: path, calendar: kz, procedures, clock, units: directory, siteReviewPeriod: 'quarterly', ...more });

beforeEach(async () => {
  const tmp = tmpDir('site-content-');
  cleanup = tmp.cleanup;
  path = join(tmp.dir, 'e.db');
  // Monday 7 April 2025, 10:00 in Almaty: the second quarter.
  clock = new SimulatedClock('2025-04-07T05:00:00.000Z');
  engine = await open();
});
afterEach(async () => {
  await engine.close();
  cleanup();
});

const entry = async (kind: string) => (await engine.siteContent.register()).kinds.find((k) => k.kind === kind)!;
const reviews = async () => (await engine.listCases({ procedure: 'site-content-review', limit: 500 })).cases;

describe('the periods', () => {
  it('names the quarter or month of an Almaty day, and the start of the period before', () => {
    expect(periodOf('2025-04-07', 'quarterly')).toBe('2025-Q2');
    expect(periodOf('2025-12-31', 'quarterly')).toBe('2025-Q4');
    expect(periodOf('2025-01-01', 'monthly')).toBe('2025-01');
    expect(previousPeriodStart('2025-04-07', 'quarterly')).toBe('2025-01-01');
    expect(previousPeriodStart('2025-02-14', 'quarterly')).toBe('2024-10-01');
    expect(previousPeriodStart('2025-01-31', 'monthly')).toBe('2024-12-01');
    expect(previousPeriodStart('2025-07-01', 'monthly')).toBe('2025-06-01');
  });
});

describe('the register', () => {
  it('lists the seven kinds of п. 9 in order, none set: missing, no page', async () => {
    const r = await engine.siteContent.register();
    expect(r.kinds.map((k) => k.kind)).toEqual(SITE_CONTENT_KIND_KEYS);
    expect(r.kinds.map((k) => k.item)).toEqual(SITE_CONTENT_KIND_KEYS.map((_, i) => `п. 9, пп. ${i + 1}`));
    expect(r.kinds.every((k) => k.revision === 0 && k.url === null && k.compliance.status === 'missing' && k.compliance.reason === 'no_page')).toBe(true);
    expect(r.counts).toEqual({ present: 0, missing: 7, stale: 0 });
    expect(r.period).toBe('2025-Q2');
    // The previous quarter's first day starts at midnight Almaty (UTC+5).
    expect(r.freshSince).toBe('2024-12-31T19:00:00.000Z');
  });

  it('writes a revision only against the revision the writer saw, and keeps every one', async () => {
    const first = await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/procurement', unit: EXPORT }, press, 0);
    expect(first).toMatchObject({ kind: 'procurement', revision: 1, changedBy: 'PS', role: 'press_secretary', changedAt: '2025-04-07T05:00:00.000Z' });
    // A second editor who also saw 0 is refused, and nothing is written.
    const refused = await engineRejection(engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/zakupki', unit: EXPORT }, admin, 0));
    expect(refused.code).toBe('version_conflict');
    expect(refused.details).toEqual({ revision: 1 });
    expect((await engine.siteContent.history('procurement')).length).toBe(1);
    clock.advance(60_000);
    await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/zakupki', unit: EXPORT, note: 'the page moved' }, admin, 1);
    const history = await engine.siteContent.history('procurement');
    expect(history.map((h) => [h.revision, h.url, h.note])).toEqual([
      [1, 'https://qazindustry.gov.kz/procurement', null],
      [2, 'https://qazindustry.gov.kz/zakupki', 'the page moved'],
    ]);
    expect(await entry('procurement')).toMatchObject({ revision: 2, url: 'https://qazindustry.gov.kz/zakupki', unit: EXPORT, changedBy: 'Admin' });
    // The same values again, without a note: nothing new.
    const same = await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/zakupki', unit: EXPORT }, admin, 2);
    expect(same.revision).toBe(2);
    expect((await engine.siteContent.history('procurement')).length).toBe(2);
  });

  it('refuses a bad page, an unconfigured unit and a kind п. 9 does not have, writing nothing', async () => {
    const bad = [
      engine.siteContent.update('news', { url: 'javascript:alert(1)', unit: EXPORT }, press, 0),
      engine.siteContent.update('news', { url: 'qazindustry.gov.kz/news', unit: EXPORT }, press, 0),
      engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: 'Отдел, которого нет' }, press, 0),
      engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: '  ' }, press, 0),
    ];
    for (const p of bad) expect((await engineRejection(p)).code).toBe('invalid_request');
    const unknown = await engineRejection(engine.siteContent.update('vacancies', { url: null, unit: null }, press, 0));
    expect(unknown.code).toBe('not_found');
    expect(unknown.details).toEqual({ kinds: [...SITE_CONTENT_KIND_KEYS] });
    expect(await engine.siteContent.history('news')).toEqual([]);
  });

  it('refuses a second revision with the same number (the unique key), leaving the first as it was', async () => {
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: PR }, press, 0);
    const batch = await engine.storage.beginBatch();
    try {
      // Inserting revision 1 again is the only write the repository has; the unique key refuses it.
      await expect(batch.repos.siteContent.insert({ kind: 'news', revision: 1, url: null, unit: null, note: null, changedAt: 'x', changedBy: 'x', role: 'x' })).rejects.toThrow();
    } finally {
      await batch.rollback();
    }
    expect((await engine.siteContent.history('news')).map((r) => r.url)).toEqual(['https://qazindustry.gov.kz/news']);
  });
});

describe('the periodic review', () => {
  it('opens one review per kind with a unit, for that unit, once per period', async () => {
    await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/procurement', unit: EXPORT }, press, 0);
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: PR }, press, 0);
    await engine.siteContent.update('strategy', { url: 'https://qazindustry.gov.kz/strategy', unit: null }, press, 0);
    const opened = await engine.siteContent.openDue();
    expect(opened.length).toBe(2);
    const cases = await reviews();
    expect(cases.map((c) => [c.context.kind, c.context.unit, c.context.period, c.context.url]).sort()).toEqual([
      ['news', PR, '2025-Q2', 'https://qazindustry.gov.kz/news'],
      ['procurement', EXPORT, '2025-Q2', 'https://qazindustry.gov.kz/procurement'],
    ]);
    // 10 working days counted from the day after Monday 7 April 2025: Monday 21 April is the last.
    const procurement = cases.find((c) => c.context.kind === 'procurement')!;
    expect(procurement.deadlines.find((d) => d.key === 'review')?.lastDay).toBe('2025-04-21');
    // Again in the same quarter, even after the review closed: nothing new.
    await engine.applyEvent(procurement.id, { type: 'confirm_present', payload: { url: 'https://qazindustry.gov.kz/procurement' } }, { actor: asel });
    clock.advance(30 * 24 * 3600_000);
    expect(await engine.siteContent.openDue()).toEqual([]);
    expect((await reviews()).length).toBe(2);
    // The next quarter: one more per kind.
    clock.set('2025-07-01T04:00:00.000Z');
    expect((await engine.siteContent.openDue()).length).toBe(2);
    expect((await reviews()).filter((c) => c.context.period === '2025-Q3').length).toBe(2);
  });

  it('opens nothing when SITE_REVIEW_PERIOD is off, and months when it is monthly', async () => {
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: PR }, press, 0);
    await engine.close();
    engine = await open({ siteReviewPeriod: 'off' });
    expect(await engine.siteContent.openDue()).toEqual([]);
    expect((await engine.siteContent.register()).period).toBeNull();
    await engine.close();
    engine = await open({ siteReviewPeriod: 'monthly' });
    await engine.siteContent.openDue();
    expect((await reviews()).map((c) => c.context.period)).toEqual(['2025-04']);
  });

  it('opens none for a unit no longer configured (it would wait in nobody\'s queue)', async () => {
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: PR }, press, 0);
    await engine.siteContent.update('contacts', { url: 'https://qazindustry.gov.kz/contacts', unit: EXPORT }, press, 0);
    await engine.close();
    engine = await open({ units: { units: [EXPORT], people: new Map() } });
    await engine.siteContent.openDue();
    expect((await reviews()).map((c) => c.context.kind)).toEqual(['contacts']);
  });

  it('opens one case per kind when two engines on one database look at the same moment', async () => {
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: PR }, press, 0);
    await engine.siteContent.update('contacts', { url: 'https://qazindustry.gov.kz/contacts', unit: PR }, press, 0);
    const other = await open();
    try {
      await Promise.all([engine.siteContent.openDue(), other.siteContent.openDue(), engine.siteContent.openDue()]);
    } finally {
      await other.close();
    }
    expect((await reviews()).map((c) => c.context.kind).sort()).toEqual(['contacts', 'news']);
  });

  it('opens the reviews when the engine starts', async () => {
    await engine.siteContent.update('general', { url: 'https://qazindustry.gov.kz/about', unit: PR }, press, 0);
    await engine.close();
    engine = await open();
    await engine.start();
    await engine.idle();
    expect((await reviews()).map((c) => c.context.kind)).toEqual(['general']);
  });
});

describe('compliance', () => {
  it('follows the reviews: confirmed is present until the period after next; missing stays missing until the page changes', async () => {
    await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/procurement', unit: EXPORT }, press, 0);
    expect((await entry('procurement')).compliance).toEqual({ status: 'stale', reason: 'never_reviewed' });
    const [id] = await engine.siteContent.openDue();
    expect((await entry('procurement')).openReview).toMatchObject({ caseId: id, period: '2025-Q2', state: 'in_review', lastDay: '2025-04-21', dueAt: '2025-04-21T19:00:00.000Z' });
    clock.advance(3600_000);
    await engine.applyEvent(id!, { type: 'confirm_present', payload: { url: 'https://qazindustry.gov.kz/procurement' } }, { actor: asel });
    let e = await entry('procurement');
    expect(e.compliance).toEqual({ status: 'present', reason: 'confirmed' });
    expect(e.lastReview).toMatchObject({ caseId: id, result: 'present', at: '2025-04-07T06:00:00.000Z', period: '2025-Q2' });
    expect(e.openReview).toBeUndefined();
    // Q3: the Q2 confirmation is still fresh (the period before).
    clock.set('2025-08-01T05:00:00.000Z');
    expect((await entry('procurement')).compliance.status).toBe('present');
    // Q4 without a Q3 confirmation: stale.
    clock.set('2025-10-06T05:00:00.000Z');
    expect((await entry('procurement')).compliance).toEqual({ status: 'stale', reason: 'review_due' });
    // The Q4 review reports it missing.
    const [q4] = await engine.siteContent.openDue();
    await engine.applyEvent(q4!, { type: 'report_missing', payload: { note: 'the 2025 plan is not posted' } }, { actor: asel });
    e = await entry('procurement');
    expect(e.compliance).toEqual({ status: 'missing', reason: 'reported_missing' });
    expect(e.lastReview).toMatchObject({ result: 'missing', note: 'the 2025 plan is not posted' });
    expect((await engine.siteContent.register()).counts).toEqual({ present: 0, missing: 7, stale: 0 });
    // A new page named afterwards: to be reviewed, no longer missing.
    clock.advance(60_000);
    await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/procurement/2025', unit: EXPORT }, press, 1);
    expect((await entry('procurement')).compliance).toEqual({ status: 'stale', reason: 'review_due' });
  });
});
