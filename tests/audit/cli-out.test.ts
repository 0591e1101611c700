/**
 * Issue 12 §9: `npm run audit -- export … > file` wrote npm's banner into the file. The
 * commands that print take `--out FILE` (the output goes there, stdout stays empty), and
 * `npm run -s audit` prints the output alone (what docs/audit.md says to use).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOn, runChild } from '../helpers/audit.js';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';


let t: TestApp;
let id: string;

const child = (file: string, args: string[]) => runChild(file, args, t.databasePath);

const audit = (args: string[]) => auditOn(t.databasePath, args);

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  id = (
    await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Айгерим', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
    })
  ).json().id;
  await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЗТ-1' }]]);
  await t.engine.idle();
});
afterAll(async () => {
  await t.close();
});

describe('audit --out FILE', () => {
  it('should write the export to the file and nothing to stdout (child process)', async () => {
    const file = join(t.dir, 'history.jsonl');
    const r = await child(process.execPath, ['--import', 'tsx', 'cli/audit.ts', 'export', id, '--out', file]);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['created', 'register']);
  });

  it('should take --out on verify, export --format csv and replay too', async () => {
    for (const [name, args, first] of [
      ['verify.txt', ['verify'], /^verified 1 case\(s\), 2 event\(s\): 1 ok, 0 failed\n$/],
      ['history.csv', ['export', id, '--format', 'csv'], /^caseId,seq,type,/],
      ['replay.txt', ['replay', id, '--at', '1'], /^case {7}/],
    ] as const) {
      const file = join(t.dir, name);
      const r = await audit([...args, '--out', file]);
      expect(r).toMatchObject({ code: 0, out: '' });
      expect(readFileSync(file, 'utf8')).toMatch(first);
    }
  });

  it('should leave no file when the command is refused, and refuse an unwritable file with exit 2 in one line', async () => {
    const none = join(t.dir, 'none.jsonl');
    expect((await audit(['export', 'no-such-case', '--out', none])).code).toBe(2);
    expect(existsSync(none)).toBe(false);
    const r = await audit(['export', id, '--out', join(t.dir, 'no-such-dir', 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^audit: --out .*no-such-dir.*\n$/);
  });
});

describe('npm run -s audit', () => {
  it('should print the export alone, without npm\'s banner (as docs/audit.md says)', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = await child(npm, ['run', '-s', 'audit', '--', 'export', id]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('{')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
  });
});
