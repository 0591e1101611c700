/**
 * An auditor's replay (issue 14 §6, "Tested in a real browser"), in Debian's chromium: find
 * the case by its registration number, read the history, replay to a chosen event (the
 * state and the deadlines then), the verification in words, the CSV and JSONL exports —
 * and no action form anywhere. The case's life is made through the API (the scenario is
 * the auditor's reading, not the staff's work). axe on each page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPublicKey, openNote, parseCheckpointBody } from '../../lib/signed-note.js';
import { actionForm, axe, demo, expectNoExternalRequests, expectNoPageErrors, signIn, startHarness, type Harness } from './harness.js';

let h: Harness;
let id: string;
let unit: string;
beforeAll(async () => {
  h = await startHarness({ now: '2025-03-06T05:00:00.000Z' });
  unit = h.t.units[0]!;
  id = (await h.createCase('car', 'feedback-inquiry', demo.question())).id;
  await h.jump('2025-03-07T05:00:00.000Z');
  await h.event('car', id, { type: 'register', registrationNumber: 'ЗТ-2025-0042' });
  await h.event('supervisor', id, { type: 'assign', unit });
});
afterAll(async () => h?.close());
afterEach(async () => {
  await h.closePages();
  expectNoExternalRequests(h);
  expectNoPageErrors(h);
});

describe("an auditor's replay", () => {
  it('finds the case by its registration number, replays it to an earlier event, verifies it, and offers no action', async () => {
    const page = await h.newPage();
    await signIn(page, 'auditor', '/ui/audit');
    expect(await page.locator('h1').innerText()).toBe('Аудит');
    // The auditor's navigation: no queue of their own, no new case.
    const nav = await page.locator('nav').innerText();
    expect(nav).toContain('Аудит');
    expect(nav).not.toContain('Новое дело');
    await axe(page);

    await page.getByLabel('Идентификатор или регистрационный номер').fill('ЗТ-2025-0042');
    await Promise.all([page.waitForURL(new RegExp(`/ui/audit/cases/${id}$`)), page.getByRole('button', { name: 'Найти' }).click()]);
    expect(await page.locator('h1').innerText()).toBe('Дело ЗТ-2025-0042');
    const current = await h.t.as('auditor').get(`/cases/${id}`);
    expect(await page.locator('main [data-state]').first().getAttribute('data-state')).toBe(current.json().state);
    // The history: three events, who and when in local time (Asia/Almaty, dd.MM.yyyy).
    const rows = page.locator('table.history tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.locator('td:nth-child(2)').allInnerTexts()).toEqual(['created', 'register', 'assign']);
    expect(await rows.nth(0).innerText()).toContain('06.03.2025 10:00');
    expect(await rows.nth(1).innerText()).toContain('07.03.2025 10:00');
    expect(await rows.nth(1).innerText()).toContain('ЦАР');
    expect(await rows.nth(2).innerText()).toContain('Курирующий руководитель');
    // The verification in words.
    expect(await page.locator('[data-verify]').getAttribute('data-verify')).toBe('ok');
    expect(await page.locator('[data-verify]').innerText()).toBe('Цепочка цела, воспроизведение совпадает (событий: 3).');
    // Read-only: no form that changes anything, no action form.
    expect(await page.locator('form[data-event]').count()).toBe(0);
    expect(await actionForm(page, 'register').count()).toBe(0);
    expect(await page.locator('main form[method="post"]').count()).toBe(0);
    await axe(page);

    // Replay to the registration (event 2): the state then, and the deadlines as they were.
    await page.getByLabel('Номер события').fill('2');
    await page.getByRole('button', { name: 'Показать состояние' }).click();
    await page.waitForURL(/[?&]seq=2/);
    const replayed = page.locator('.replayed');
    expect(await replayed.getAttribute('data-replay-seq')).toBe('2');
    const then = (await h.t.as('auditor').get(`/cases/${id}/replay?seq=2`)).json();
    expect(await replayed.locator('[data-state]').getAttribute('data-state')).toBe(then.state);
    expect(then.state).not.toBe(current.json().state);
    expect(await replayed.innerText()).toContain('После события 2 (register, 07.03.2025 10:00) дело было в состоянии');
    // The review term: 15 calendar days from 06.03.2025; 21.03 is Nauryz → 26.03.2025.
    const review = replayed.locator('[data-deadline]').first();
    expect(await review.getAttribute('data-status')).toBe(then.deadlines[0].status);
    expect(await review.innerText()).toContain('26.03.2025');
    expect(await page.locator('tr[data-seq="2"]').getAttribute('aria-current')).toBe('true');
    await axe(page);

    // The same through the history's link: replay to the first event.
    await page.locator('tr[data-seq="1"]').getByRole('link', { name: 'на момент события 1' }).click();
    await page.waitForURL(/[?&]seq=1/);
    expect(await page.locator('.replayed').getAttribute('data-replay-seq')).toBe('1');
    expect(await page.locator('.replayed [data-state]').getAttribute('data-state')).toBe((await h.t.as('auditor').get(`/cases/${id}/replay?seq=1`)).json().state);
  });

  it('downloads the history as CSV and JSONL, every event with its hash', async () => {
    const page = await h.newPage({ javaScriptEnabled: false });
    await signIn(page, 'auditor', `/ui/audit/cases/${id}`);
    const history = (await h.t.as('auditor').get(`/cases/${id}/history`)).json().events as { seq: number; type: string; hash: string }[];
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV (Excel)' }).click()]);
    expect(csv.suggestedFilename()).toBe(`case-${id}-history.csv`);
    const csvText = await readAll(await csv.createReadStream());
    const lines = csvText.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(1 + history.length);
    for (const e of history) expect(csvText).toContain(e.hash);
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSONL' }).click()]);
    const events = (await readAll(await jsonl.createReadStream())).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; hash: string });
    expect(events.map((e) => [e.seq, e.type, e.hash])).toEqual(history.map((e) => [e.seq, e.type, e.hash]));
  });

  it('signs a checkpoint of the log and downloads it with the public key, the note opening with that key', async () => {
    const page = await h.newPage();
    await signIn(page, 'auditor', '/ui/audit');
    await Promise.all([page.waitForURL(/\/ui\/audit\/ledger$/), page.getByRole('link', { name: 'Журнал записей и контрольные точки' }).click()]);
    expect(await page.locator('h1').innerText()).toBe('Журнал записей');
    await axe(page);
    await Promise.all([page.waitForURL(/\/ui\/audit\/ledger\?signed=\d+$/), page.getByRole('button', { name: 'Подписать контрольную точку сейчас' }).click()]);
    expect(await page.locator('[role="status"]').innerText()).toMatch(/^Контрольная точка подписана: записей \d+\./);
    const size = Number(await page.locator('[data-latest-size]').getAttribute('data-latest-size'));
    expect(size).toBe((await h.t.engine.ledger.head()).size);
    await axe(page);
    const [note] = await Promise.all([page.waitForEvent('download'), page.locator('table.checkpoints tbody tr').first().getByRole('link', { name: 'скачать' }).click()]);
    const text = await readAll(await note.createReadStream());
    expect(text.split('\n')[1]).toBe(String(size));
    const [key] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Открытый ключ журнала (PEM)' }).click()]);
    expect(key.suggestedFilename()).toBe('ledger-public-key.pem');
    const pem = await readAll(await key.createReadStream());
    expect(pem).toBe(h.t.engine.ledger.publicKeyPem);
    const body = text.slice(0, text.indexOf('\n\n') + 1);
    expect(openNote(text, parseCheckpointBody(body).origin, loadPublicKey(pem))).toBe(body);
  });

  it('refuses the auditor\'s pages to another role', async () => {
    const page = await h.newPage();
    await signIn(page, 'car');
    const res = await page.goto(`/ui/audit/cases/${id}`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('[role="alert"]').innerText()).toBe('Эти страницы доступны только в роли «Аудитор».');
    await axe(page);
  });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
