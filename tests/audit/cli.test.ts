/**
 * The audit CLI on a real engine database, next to the running engine (WAL, read-only):
 * verify (also as a child process, as operators run it), export and replay.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../cli/audit-commands.js';
import { auditChild, auditOn, type AuditRunOptions } from '../helpers/audit.js';
import { canonicalJson, eventHash } from '../../engine/hash.js';
import type { Role } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';
import { freePort, record } from '../inspect/helpers.js';
import { openSqliteFile, dropTripwires, itSqlite } from '../helpers/sqlite-file.js';


let t: TestApp;
let inquiry: string;
let blog: string;

/** The CLI as operators run it: a child process; resolves with its exit code and output. */
const cli = (args: string[], env: Record<string, string> = {}) => auditChild(t.databasePath, args, env);

/** The CLI in-process, with its output captured. */
const audit = (args: string[], o: AuditRunOptions = {}) => auditOn(t.databasePath, args, o);

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  inquiry = (
    await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Айгерим "Ая", Сапарова', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Строка 1,\nстрока "2"' },
    })
  ).json().id;
  t.clock.set('2025-03-07T05:00:00.000Z');
  await advance(t, inquiry, [
    ['car', { type: 'register', registrationNumber: 'ЗТ-1' }],
    ['supervisor', { type: 'assign', unit: 'Департамент, экспорта' }],
    ['unit', { type: 'comment', text: 'with, comma and "quotes"\r\nand a new line' }],
  ]);
  t.clock.set('2025-03-10T05:00:00.000Z');
  blog = (
    await t.as('press_secretary').post('/cases', {
      procedure: 'blog-question',
      input: { channel: 'blog', author: { name: 'Дана' }, language: 'ru', text: 'Когда?' },
    })
  ).json().id;
  await t.engine.idle();
});
afterAll(async () => {
  await t.close();
});

describe('audit verify', () => {
  itSqlite('should pass every intact case and say so (child process, while the engine has the database open)', async () => {
    const r = await cli(['verify']);
    expect(r.stderr).toContain('verifying 2 case(s)');
    expect(r.stdout).toContain('verified 2 case(s), 5 event(s): 2 ok, 0 failed');
    expect(r.code).toBe(0);
  });

  it('should draw a progress bar on a terminal', async () => {
    const r = await audit(['verify'], { isTTY: true });
    expect(r.code).toBe(0);
    expect(r.err).toContain('\r[##############################] 2/2');
  });

  it('should refuse a case that does not exist with exit 2', async () => {
    const r = await audit(['verify', '--case', 'no-such-case']);
    expect(r).toMatchObject({ code: 2, err: 'audit: case no-such-case not found\n' });
  });
});

describe('audit usage errors', () => {
  it.each([
    [['frobnicate'], /unknown command: frobnicate/],
    [[], /usage: npm run audit/],
    [['export'], /export needs exactly one <caseId>/],
    [['export', 'x', '--format', 'xml'], /--format must be jsonl or csv, not xml/],
    [['verify', '--bogus'], /Unknown option '--bogus'/],
    [['replay', 'x', '--at', 'yesterday'], /case x not found/],
  ])('should exit 2 for %j with a clear message', async (args, message) => {
    const r = await audit(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  itSqlite('should exit 2 naming a database that does not exist, and never create it', async () => {
    const missing = join(t.dir, 'missing.sqlite');
    const r = await cli(['verify'], { DATABASE: missing });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot open the database ${missing} read-only`);
    const again = await audit(['verify'], { env: { DATABASE: missing } });
    expect(again.code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it('should reject a bad --at for an existing case', async () => {
    expect((await audit(['replay', inquiry, '--at', 'yesterday'])).err).toMatch(/--at must be an event seq or an instant/);
    expect((await audit(['replay', inquiry, '--at', '9'])).err).toMatch(/has events 1 to 4/);
    expect((await audit(['replay', inquiry, '--at', '2025-03-01T00:00:00Z'])).err).toMatch(/was not recorded yet/);
  });
});

describe('audit export', () => {
  itSqlite('should print a history that replays through the machines to the stored state, with intact hashes', async () => {
    const r = await audit(['export', inquiry, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const events = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(events.map((e) => e.type)).toEqual(['created', 'register', 'assign', 'comment']);
    expect(Object.keys(events[0]!).sort()).toEqual(['actor', 'backdated', 'backdatingReason', 'caseId', 'hash', 'machineVersion', 'occurredAt', 'payload', 'prevHash', 'recordedAt', 'role', 'seq', 'type']);
    expect(events.map((e) => e.machineVersion)).toEqual(events.map(() => '1.0.0'));

    // Replay the export (not the database) through the machine's start/step.
    const module = procedures['feedback-inquiry'];
    const deps = t.engine.deps;
    let result;
    for (const e of events) {
      const meta = { occurredAt: e.occurredAt, recordedAt: e.recordedAt, actor: { name: e.actor, role: e.role as Role } };
      result = e.seq === 1 ? module.start(deps, e.payload, meta) : module.step(deps, (result as any).snapshot, { type: e.type, payload: e.payload, ...meta });
      expect(result.ok).toBe(true);
      // Every field of the hash is in the export: the chain can be checked from it alone.
      expect(eventHash({ caseId: e.caseId, seq: e.seq, type: e.type, payload: e.payload, role: e.role, actor: e.actor, occurredAt: e.occurredAt, recordedAt: e.recordedAt, prevHash: e.prevHash, backdatingReason: e.backdatingReason as string | null })).toBe(e.hash);
    }
    const stored = openSqliteFile(t.databasePath, { readonly: true }).prepare('select snapshot, state from cases where id = ?').get(inquiry) as { snapshot: string; state: string };
    expect(result!.ok && canonicalJson(result!.snapshot)).toBe(canonicalJson(JSON.parse(stored.snapshot)));
    expect(result!.ok && result!.state).toBe(stored.state);
  });

  it('should print the same history as properly quoted CSV', async () => {
    const jsonl = (await audit(['export', inquiry])).out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const r = await audit(['export', inquiry, '--format', 'csv']);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.out);
    expect(rows[0]).toEqual(['caseId', 'seq', 'type', 'occurredAt', 'recordedAt', 'actor', 'role', 'payload', 'backdatingReason', 'machineVersion', 'prevHash', 'hash']);
    expect(rows).toHaveLength(jsonl.length + 1);
    rows.slice(1).forEach((row, i) => {
      const e = jsonl[i]!;
      expect(row).toEqual([e.caseId, String(e.seq), e.type, e.occurredAt, e.recordedAt, e.actor, e.role, JSON.stringify(e.payload), (e.backdatingReason as string | null) ?? '', e.machineVersion, e.prevHash, e.hash]);
    });
    expect(JSON.parse(rows[4]![7]!)).toEqual({ text: 'with, comma and "quotes"\r\nand a new line' });
  });

  it('should quote exactly the fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(7)).toBe('7');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
  });
});

describe('audit replay', () => {
  it('should print the state and deadlines as they were after a seq, and as recorded at an instant', async () => {
    const at2 = await audit(['replay', inquiry, '--at', '2']);
    expect(at2.code).toBe(0);
    const view = await t.engine.replay(inquiry, 2);
    expect(at2.out).toContain(`state      ${view.state} (active)`);
    expect(at2.out).toContain('as of      event 2 of 4');
    for (const d of view.deadlines) expect(at2.out).toMatch(new RegExp(`^${d.key}\\s+${d.rule.replace('.', '\\.')}\\s.*${d.lastDay}\\s+${d.dueAt}`, 'm'));

    // Between the creation (03-06) and the register (03-07): the case as created.
    const asJson = await audit(['replay', inquiry, '--at', '2025-03-06T12:00:00+05:00', '--json']);
    const parsed = JSON.parse(asJson.out) as { seq: number; state: string; deadlines: { key: string }[] };
    const at1 = await t.engine.replay(inquiry, 1);
    expect(parsed).toMatchObject({ seq: 1, state: at1.state });
    expect(parsed.deadlines.map((d) => d.key)).toEqual(at1.deadlines.map((d) => d.key));
  });

  it('should replay a stored case into the inspector and serve it until stopped', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let ready!: (url: string) => void;
    const url = new Promise<string>((r) => (ready = r));
    const port = await freePort();
    const done = audit(['replay', inquiry, '--inspect'], {
      env: { INSPECT_PORT: String(port) },
      stopped: () => stopped,
      onErr: (s) => {
        const m = /into (ws:\/\/\S+)/.exec(s);
        if (m) ready(m[1]!);
      },
    });
    const client = await record(await url);
    const ms = await client.until((m) => m.filter((x) => x.type === '@xstate.snapshot').length === 4);
    expect(ms[0]).toMatchObject({ type: '@xstate.actor', sessionId: inquiry, name: `feedback-inquiry@${procedures['feedback-inquiry'].version}` });
    expect(ms.filter((x) => x.type === '@xstate.event').map((x) => x.event?.type)).toEqual(['created', 'register', 'assign', 'comment']);
    const stored = await t.engine.getCase(inquiry);
    expect(ms.at(-1)?.snapshot?.context).toMatchObject({ registrationNumber: stored.context.registrationNumber });
    await client.close();
    stop();
    expect((await done).code).toBe(0);
  });
});

describe('tampering', () => {
  itSqlite('should be found by GET /cases/{id}/verify and by the CLI, naming the case and the seq', async () => {
    const sqlite = openSqliteFile(t.databasePath);
    dropTripwires(sqlite);
    sqlite.prepare('update events set payload = ? where case_id = ? and seq = 3').run(JSON.stringify({ unit: 'Подменённый отдел' }), inquiry);
    sqlite.close();

    const api = (await t.as('auditor').get(`/cases/${inquiry}/verify`)).json();
    expect(api.ok).toBe(false);
    expect(api.problems).toContainEqual(expect.objectContaining({ seq: 3, kind: 'hash_mismatch' }));

    const r = await cli(['verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL case ${inquiry} seq 3 hash_mismatch`);
    expect(r.stdout).toContain('verified 2 case(s), 5 event(s): 1 ok, 1 failed');
    expect(r.stdout).not.toContain(`FAIL case ${blog}`);
    expect((await cli(['verify', '--case', blog])).code).toBe(0);
  });
});

/** RFC 4180 reader for the test (quoted fields with commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

