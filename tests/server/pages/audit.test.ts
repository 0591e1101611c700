import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, type HistoryEvent } from '../../../server/pages/audit.js';
import { advance, buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';
import { openSqliteFile, dropTripwires, itSqlite } from '../../helpers/sqlite-file.js';

let t: TestApp;
let id: string;
beforeEach(async () => {
  t = await buildTestApp();
  const created = await t.as('car').post(
    '/cases',
    {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Айгерим, "А."', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Строка 1\nСтрока 2, с запятой и "кавычками"' },
      occurredAt: '2025-03-05T12:00:00+05:00',
      backdatingReason: 'Поступило по почте, "вечером"\nвчера',
    },
  );
  id = created.json().id;
  await advance(t, id, [
    ['car', { type: 'register', registrationNumber: 'ЗТ-17' }],
    ['supervisor', { type: 'assign', unit: 'Департамент экспорта' }],
  ]);
});
afterEach(async () => t.close());

/** An RFC 4180 reader: quoted fields with doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) throw new Error('the CSV does not end with CRLF');
  return rows;
}

async function history(): Promise<HistoryEvent[]> {
  return (await t.as('auditor').get(`/cases/${id}/history`)).json().events;
}

describe('the auditors\' pages', () => {
  it('are the auditor\'s only: another role gets 403, and no action forms anywhere', async () => {
    const car = await signIn(t.app, 'car');
    for (const url of ['/ui/audit', `/ui/audit/cases/${id}`, `/ui/audit/cases/${id}/history.csv`, `/ui/audit/cases/${id}/history.jsonl`]) {
      const res = await car.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.body, url).toContain('Эти страницы доступны только в роли «Аудитор».');
    }
    const auditor = await signIn(t.app, 'auditor');
    const page = await auditor.get(`/ui/audit/cases/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('data-event=');
    expect(page.body).not.toMatch(/<form method="post"(?! action="\/ui\/sign-out")/);
  });

  it('finds a case by id or by registration number', async () => {
    const auditor = await signIn(t.app, 'auditor');
    const byId = await auditor.get(`/ui/audit?q=${id.toUpperCase()}`);
    expect(byId.statusCode).toBe(303);
    expect(byId.headers.location).toBe(`/ui/audit/cases/${id}`);
    const byNumber = await auditor.get(`/ui/audit?q=${encodeURIComponent(' зт-17 ')}`);
    expect(byNumber.statusCode).toBe(303);
    expect(byNumber.headers.location).toBe(`/ui/audit/cases/${id}`);
    const none = await auditor.get('/ui/audit?q=ЗТ-99');
    expect(none.statusCode).toBe(404);
    expect(none.body).toContain('Дело «ЗТ-99» не найдено.');
    const unknownId = await auditor.get('/ui/audit?q=00000000-0000-4000-8000-000000000000');
    expect(unknownId.statusCode).toBe(404);
  });

  it('finds by registration number through the API\'s search: the other cases are not read (the read log has none of them)', async () => {
    const others: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await t.as('car').post('/cases', {
        procedure: 'feedback-inquiry',
        input: { applicant: { name: `Другой ${i}`, email: `o${i}@example.kz` }, language: 'ru', kind: 'question', text: 'другой вопрос' },
      });
      others.push(c.json().id);
    }
    const auditor = await signIn(t.app, 'auditor');
    const byNumber = await auditor.get(`/ui/audit?q=${encodeURIComponent('ЗТ-17')}`);
    expect(byNumber.headers.location).toBe(`/ui/audit/cases/${id}`);
    for (const other of others) {
      const reads = (await t.as('auditor').get(`/cases/${other}/reads`)).json().reads as { actor: string }[];
      expect(reads.filter((r) => r.actor === 'auditor-user')).toEqual([]);
    }
  });

  it('shows the history as a table, the verification in words and the reads', async () => {
    const auditor = await signIn(t.app, 'auditor');
    const res = await auditor.get(`/ui/audit/cases/${id}`);
    expect(res.body).toContain('<h1>Дело ЗТ-17</h1>');
    expect([...res.body.matchAll(/<tr data-seq="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([1, 2, 3]);
    expect(res.body).toMatch(/<tr data-seq="1">\s*<td>1<\/td><td><code>created<\/code><\/td><td>car-user<\/td><td>ЦАР<\/td>\s*<td>05\.03\.2025 12:00<small class="backdated">задним числом: Поступило по почте, &quot;вечером&quot;/);
    expect(res.body).toContain('<td>06.03.2025 10:00</td>');
    expect(res.body).toContain('data-verify="ok">Цепочка цела, воспроизведение совпадает (событий: 3).');
    // The reads this very page made are in its reads table (the reads are listed after them).
    expect(res.body).toMatch(/<table class="reads">[\s\S]*<td>auditor-user<\/td><td>Аудитор<\/td><td><code>GET \/cases\/\{id\}\/history<\/code><\/td>/);
    expect(res.body).toContain(`href="/ui/audit/cases/${id}/history.csv"`);
  });

  itSqlite('says which event breaks the chain when the record was changed', async () => {
    const db = openSqliteFile(t.databasePath);
    try {
      dropTripwires(db);
      db.prepare("UPDATE events SET actor = 'someone else' WHERE case_id = ? AND seq = 2").run(id);
    } finally {
      db.close();
    }
    const auditor = await signIn(t.app, 'auditor');
    const res = await auditor.get(`/ui/audit/cases/${id}`);
    expect(res.body).toContain('data-verify="failed"><p>Найдены нарушения (проверено событий: 3):</p>');
    expect(res.body).toMatch(/<li data-problem-seq="2">событие 2: <code>hash_mismatch<\/code>/);
  });

  it('replays to a chosen event: the state then and its deadlines as they were', async () => {
    const auditor = await signIn(t.app, 'auditor');
    const api = (seq: number) => t.as('auditor').get(`/cases/${id}/replay?seq=${seq}`).then((r) => r.json());
    const first = await auditor.get(`/ui/audit/cases/${id}?seq=1`);
    expect(first.statusCode).toBe(200);
    const then = await api(1);
    expect(then.state).toBe('received');
    expect(first.body).toMatch(/После события 1 \(created, 05\.03\.2025 12:00\) дело было в состоянии: <strong data-state="received">Поступило<\/strong>/);
    expect(first.body).toContain('<tr data-deadline="review" data-status="pending"><td><code>review</code></td><td>п. 38, 39</td><td>05.03.2025 12:00</td><td>20.03.2025</td>');
    expect(first.body).toContain('<tr data-seq="1" class="chosen" aria-current="true">');
    const now = await api(3);
    expect(now.state).not.toBe('received');
    const third = await auditor.get(`/ui/audit/cases/${id}?seq=3`);
    expect(third.body).toContain(`<strong data-state="${now.state}">`);
    const beyond = await auditor.get(`/ui/audit/cases/${id}?seq=9`);
    expect(beyond.statusCode).toBe(200);
    expect(beyond.body).toMatch(/class="flash flash-error" role="alert">Ошибка: /);
  });

  it('exports the history as CSV (BOM, header, RFC 4180) that parses back to the history, and as JSONL', async () => {
    const auditor = await signIn(t.app, 'auditor');
    const events = await history();
    const csv = await auditor.get(`/ui/audit/cases/${id}/history.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="case-${id}-history.csv"`);
    expect(csv.headers['cache-control']).toBe('no-store');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(csv.body.slice(1));
    expect(header).toEqual([...CSV_COLUMNS]);
    const back = rows.map((r) => {
      const o = Object.fromEntries(header!.map((k, i) => [k, r[i]!]));
      return {
        ...o,
        seq: Number(o.seq),
        backdated: o.backdated === 'true',
        payload: JSON.parse(o.payload!),
        ...(o.backdatingReason ? {} : { backdatingReason: undefined }),
      };
    });
    expect(back).toEqual(events.map((e) => ({ ...e, backdatingReason: e.backdatingReason })));
    expect(back[0]!.backdatingReason).toBe('Поступило по почте, "вечером"\nвчера');

    const jsonl = await auditor.get(`/ui/audit/cases/${id}/history.jsonl`);
    expect(jsonl.headers['content-disposition']).toBe(`attachment; filename="case-${id}-history.jsonl"`);
    const lines = jsonl.body.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);

    const unknown = await auditor.get('/ui/audit/cases/00000000-0000-4000-8000-000000000000/history.csv');
    expect(unknown.statusCode).toBe(404);
  });

  it('keeps a spreadsheet formula in a text cell as text', () => {
    expect(csvCell('=HYPERLINK("x")', true)).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-1', false)).toBe('-1');
    expect(csvCell('a,b')).toBe('"a,b"');
  });
});
