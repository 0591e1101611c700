/**
 * The staff's queue page at scale (issue 14: "a queue page of 50 rows over 100k cases
 * renders in a few ms on the server"): `GET /ui/queue` (my queue, nearest due first, 50
 * rows, as ЦАР) against the JSON list of the same rows (`GET /cases?mine=true&sort=due&limit=50`
 * with the same acting role), both over `app.inject` on one app and one database of
 * 100,000 P3 cases. The page is that same API call in-process plus the rendering, so the
 * ratio is what the HTML costs on top of the JSON. Also the all-cases list with a search,
 * and the dashboard's counts (`GET /stats`).
 */
import { loadKzCalendar } from '../calendars/index.js';
import { createEngine } from '../engine/index.js';
import { procedures } from '../machines/index.js';
import { buildApp } from '../server/app.js';
import { sha256Hex, UserDirectory } from '../server/auth.js';
import { caseDataset } from './lib/dataset.js';
import { fmt, median, ratio, timeRuns, type PartResult } from './lib/measure.js';

const TOKEN = 'bench-car-token';

export async function runPagesBench(o: { cases?: number } = {}): Promise<PartResult> {
  const n = o.cases ?? 100_000;
  const log = (s: string) => console.log(`pages: ${s}`);
  log(`building ${n.toLocaleString('en-US')} cases…`);
  const data = await caseDataset(n, log);
  const engine = await createEngine({ databasePath: data.path, synchronous: 'NORMAL', calendar: loadKzCalendar(), procedures });
  const users = new UserDirectory({ users: [{ name: 'car-user', roles: ['car'], tokenSha256: sha256Hex(TOKEN) }] } as ConstructorParameters<typeof UserDirectory>[0]);
  const app = await buildApp({ calendars: { kz: loadKzCalendar() }, engine, users });
  try {
    const signIn = await app.inject({
      method: 'POST',
      url: '/ui/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ name: 'car-user', token: TOKEN, next: '/ui/queue' }).toString(),
    });
    if (signIn.statusCode !== 303) throw new Error(`sign-in failed: ${signIn.statusCode}`);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const api = { authorization: `Bearer ${TOKEN}`, 'x-acting-role': 'car' };
    const rows = (body: string) => (body.match(/<tr data-case-id=/g) ?? []).length;

    const pairs = [
      { name: 'my queue (50 rows, due order)', page: '/ui/queue', json: '/cases?mine=true&sort=due&limit=50' },
      { name: 'all cases, search matching every case ("Сапарова")', page: `/ui/cases?q=${encodeURIComponent('Сапарова')}`, json: `/cases?q=${encodeURIComponent('Сапарова')}&sort=due&limit=50` },
      { name: 'all cases, search matching none ("Иванов": the walk of every index entry)', page: `/ui/cases?q=${encodeURIComponent('Иванов')}`, json: `/cases?q=${encodeURIComponent('Иванов')}&sort=due&limit=50` },
      { name: 'all cases, overdue (due order)', page: '/ui/cases?overdue=1', json: '/cases?overdue=true&sort=due&limit=50' },
    ];
    const results: { name: string; pageMs: number; jsonMs: number; rows: number; bytes: number }[] = [];
    for (const p of pairs) {
      const first = await app.inject({ method: 'GET', url: p.page, headers: { cookie } });
      if (first.statusCode !== 200) throw new Error(`${p.page}: ${first.statusCode}`);
      const check = await app.inject({ method: 'GET', url: p.json, headers: api });
      if (check.statusCode !== 200) throw new Error(`${p.json}: ${check.statusCode} ${check.body.slice(0, 200)}`);
      const jsonRows = (check.json() as { cases: unknown[] }).cases.length;
      if (jsonRows !== rows(first.body)) throw new Error(`${p.name}: the page shows ${rows(first.body)} rows, the JSON has ${jsonRows}`);
      // Interleaved, one of each per round, so that the machine's drift hits both alike.
      const pageRuns: number[] = [];
      const jsonRuns: number[] = [];
      const once = async (url: string, headers: Record<string, string>, into: number[]) => {
        const t0 = performance.now();
        await app.inject({ method: 'GET', url, headers });
        into.push(performance.now() - t0);
      };
      for (let i = 0; i < 5; i++) await Promise.all([once(p.page, { cookie }, []), once(p.json, api, [])]);
      for (let i = 0; i < 60; i++) {
        await once(p.page, { cookie }, pageRuns);
        await once(p.json, api, jsonRuns);
      }
      const pageMs = median(pageRuns);
      const jsonMs = median(jsonRuns);
      results.push({ name: p.name, pageMs, jsonMs, rows: jsonRows, bytes: first.body.length });
      log(`${p.name}: page ${fmt(pageMs)} ms, JSON ${fmt(jsonMs)} ms (${jsonRows} rows)`);
    }
    const statsMs = (await timeRuns(() => app.inject({ method: 'GET', url: '/stats', headers: api }), { minMs: 500, maxRuns: 200, minRuns: 10, warmup: 2 })).median;
    const dashMs = (await timeRuns(() => app.inject({ method: 'GET', url: '/ui/dashboard', headers: { cookie } }), { minMs: 500, maxRuns: 200, minRuns: 10, warmup: 2 })).median;

    const md = [
      `Data: ${n.toLocaleString('en-US')} P3 cases (${data.active >= 0 ? `${data.active.toLocaleString('en-US')} open, ${data.overdue.toLocaleString('en-US')} overdue` : 'cached'}). ms per request over \`app.inject\` (no socket), median of 60 runs each, page and JSON interleaved; the page is the same API call in-process plus the HTML, as ЦАР (one role).`,
      '',
      '| list | rows | HTML page ms | JSON list ms | page / JSON | page size |',
      '|---|---|---|---|---|---|',
      ...results.map((r) => `| ${r.name} | ${r.rows} | ${fmt(r.pageMs)} | ${fmt(r.jsonMs)} | **${ratio(r.pageMs, r.jsonMs)}** | ${(r.bytes / 1024).toFixed(0)} KiB |`),
      '',
      `Dashboard counts over ${n.toLocaleString('en-US')} cases (SQL aggregates on indexes, migration 000800): \`GET /stats\` ${fmt(statsMs)} ms, the page \`/ui/dashboard\` ${fmt(dashMs)} ms.`,
    ];
    const q = results[0]!;
    return { markdown: md, summary: `queue page ${fmt(q.pageMs)} ms vs JSON ${fmt(q.jsonMs)} ms (${ratio(q.pageMs, q.jsonMs)}) over ${n.toLocaleString('en-US')} cases; stats ${fmt(statsMs)} ms` };
  } finally {
    await app.close();
    await engine.close();
  }
}
