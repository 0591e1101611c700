/**
 * `npm run db -- copy` (cli/db.ts): usage errors exit 2 saying what to fix; a refused or
 * failed copy exits 1 (the target left as it was); a copy prints its counts per table and
 * the next steps; a password in the URL is never printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { runDb } from '../../cli/db.js';
import { createEngine, SimulatedClock } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';

const dir = mkdtempSync(join(tmpdir(), 'qi-db-cli-'));
const source = join(dir, 'source.sqlite');
const databases: TestDatabase[] = [];

beforeAll(async () => {
  const engine = await createEngine({ databasePath: source, calendar: loadKzCalendar(), procedures, clock: new SimulatedClock('2025-03-06T05:00:00.000Z') });
  await engine.start();
  const id = (await engine.createCase('feedback-inquiry', { applicant: { name: 'Асель', email: 'asel@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' }, { actor: { name: 'car-user', role: 'car' } })).view.id;
  await engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'Р-1' } }, { actor: { name: 'car-user', role: 'car' } });
  await engine.close();
}, 60_000);

afterAll(async () => {
  for (const d of databases.splice(0)) await d.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDb(argv, { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false });
  return { code, out, err };
}

/** The URL with a password (trust authentication here accepts any): it must never be printed. */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = 's3cr3t-pw';
  return u.toString();
}

describe('npm run db', () => {
  it('help prints the usage and exits 0; no command prints it and exits 2', async () => {
    const help = await run(['help']);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toMatch(/copy --from <sqlite file> --to <postgres url>/);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/usage: npm run db/);
  });

  it.each([
    [['move'], /unknown command: move \(expected copy or help\)/],
    [['copy'], /--from <sqlite file> is required/],
    [['copy', '--from', 'x.sqlite'], /--to <postgres url> is required/],
    [['copy', '--from', 'x.sqlite', '--to', 'mysql://u:hidden-pw@h/db'], /--to must be a PostgreSQL URL/],
    [['copy', '--from', 'nope.sqlite', '--to', 'postgres://u@127.0.0.1/db'], /--from nope\.sqlite: no such file/],
    [['copy', '--from', 'postgres://u@h/a', '--to', 'postgres://u@h/b'], /--from is a SQLite file/],
    [['copy', '--form', 'x.sqlite'], /Unknown option '--form'/],
    [['copy', 'x.sqlite'], /copy: .*positional/i],
  ])('%j is a usage error (exit 2) saying what to fix', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/hidden-pw/);
    expect(r.out).toBe('');
  });

  it('copies, printing the counts per table and the next steps, never the password; a second copy into it exits 1', async () => {
    const d = await createTestDatabase();
    databases.push(d);
    const to = withPassword(d.url);
    const r = await run(['copy', '--from', source, '--to', to]);
    expect(r.err).not.toMatch(/s3cr3t/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cases\s+1$/m);
    expect(r.out).toMatch(/^events\s+2$/m);
    expect(r.out).toMatch(/^ledger_head\s+1$/m);
    expect(r.out).toMatch(/copied \d+ rows in/);
    expect(r.out).toMatch(/DATABASE_URL=postgres:\/\/postgres:\*\*\*@/);
    expect(r.out).toMatch(/npm run audit -- verify/);
    expect(r.out).toMatch(/npm run audit -- ledger verify/);
    expect(r.out).not.toMatch(/s3cr3t/);

    const again = await run(['copy', '--from', source, '--to', to]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/the copy failed, nothing was copied: the target database .* is not empty: 1 cases, 2 events/);
    expect(again.err + again.out).not.toMatch(/s3cr3t/);
  });

  it('exits 1 naming the problem when the target cannot be reached, without the password', async () => {
    const r = await run(['copy', '--from', source, '--to', 'postgres://postgres:s3cr3t-pw@127.0.0.1:1/none']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the copy failed, nothing was copied: cannot open the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/none/);
    expect(r.err).not.toMatch(/s3cr3t/);
  });

  it('exits 1 on a file that is not a database of this engine', async () => {
    const d = await createTestDatabase();
    databases.push(d);
    const other = join(dir, 'other.sqlite');
    writeFileSync(other, '');
    const r = await run(['copy', '--from', other, '--to', d.url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a database of this engine/);
  });

  it('runs as `npm run db` (tsx cli/db.ts): exit codes of the real process', async () => {
    const exec = promisify(execFile);
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const help = await exec(tsx, ['cli/db.ts', 'help']);
    expect(help.stdout).toMatch(/usage: npm run db/);
    const bad = await exec(tsx, ['cli/db.ts', 'copy', '--from', source]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--to <postgres url> is required/) });
  });
});
