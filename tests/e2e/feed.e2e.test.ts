/**
 * The calendar feeds in a real browser (issue 15 §3): from the header to "My calendars",
 * issue the links, fetch the deadlines feed at the URL the page shows (parsed with
 * ical.js), revoke, and the same URL answers 404.
 */
import ICAL from 'ical.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axe, demo, expectNoExternalRequests, expectNoPageErrors, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
let inquiry: string;
beforeAll(async () => {
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
  inquiry = (await h.createCase('car', 'feedback-inquiry', demo.question())).id;
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

describe('my calendar feeds', () => {
  it('issues the links, the deadlines feed opens in a calendar parser, revoking makes it 404', async () => {
    const page = await h.newPage();
    await signIn(page, 'car');
    await Promise.all([page.waitForURL(/\/ui\/account$/), page.locator('header a[href="/ui/account"]').click()]);
    expect(await page.locator('[data-feed-status]').getAttribute('data-feed-status')).toBe('none');
    await axe(page);

    await page.locator('form[data-form="issue-feed"] button').click();
    await expect.poll(() => page.locator('[data-feed-status]').getAttribute('data-feed-status')).toBe('active');
    const deadlinesUrl = await page.locator('#feed-deadlines').inputValue();
    const daysOffUrl = await page.locator('#feed-days-off').inputValue();
    expect(deadlinesUrl).toMatch(new RegExp(`^${h.baseUrl}/feeds/[A-Za-z0-9_-]{43}/deadlines\\.ics$`));
    expect(await page.locator('#feed-deadlines').getAttribute('readonly')).not.toBeNull();
    await axe(page);

    // A calendar program fetches the URL: no cookie, no header, just the link.
    const res = await fetch(deadlinesUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await res.text();
    const events = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent');
    expect(events.map((e) => String(e.getFirstPropertyValue('uid')).split('.')[0])).toContain(inquiry);
    const review = events.find((e) => String(e.getFirstPropertyValue('uid')).startsWith(`${inquiry}.review.`))!;
    expect((review.getFirstPropertyValue('dtstart') as ICAL.Time).toString()).toBe('2025-03-26');
    expect(String(review.getFirstPropertyValue('url'))).toBe(`${h.baseUrl}/ui/cases/${inquiry}`);
    expect(ics).not.toContain(demo.question().applicant.name);
    expect((await fetch(daysOffUrl)).status).toBe(200);

    await Promise.all([page.waitForURL(/\/ui\/account\?revoked=1$/), page.locator('form[data-form="revoke-feed"] button').click()]);
    expect(await page.locator('[data-feed-status]').getAttribute('data-feed-status')).toBe('none');
    expect((await fetch(deadlinesUrl)).status).toBe(404);
    expect((await fetch(daysOffUrl)).status).toBe(404);
  });
});
