/**
 * server/main.ts as a real process: start-up, quiet logs at the default level, a bad
 * configuration failing start-up, and a graceful shutdown on SIGTERM that keeps every
 * acknowledged write.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/auth.js';
import { freePort } from '../inspect/helpers.js';
import { openSqliteFile } from '../helpers/sqlite-file.js';
import { generatePrivateKeyPem } from '../../lib/signed-note.js';

const ROOT = join(import.meta.dirname, '..', '..');
let dir: string;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (output += String(d)));
  proc.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  child = proc;
  return { proc, output: () => output, exited };
}

async function until(check: () => boolean, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the server process', () => {
  it('should serve, log no per-request lines at info, and keep every write on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'qi-proc-'));
    const authFile = join(dir, 'auth.json');
    writeFileSync(authFile, JSON.stringify({ users: [{ name: 'car', roles: ['car'], tokenSha256: sha256Hex('car-token') }] }));
    const port = await freePort();
    const database = join(dir, 'db.sqlite');
    const ledgerKey = join(dir, 'ledger.pem');
    writeFileSync(ledgerKey, generatePrivateKeyPem());
    const s = start({ PORT: String(port), DATABASE: database, AUTH_FILE: authFile, LEDGER_KEY_FILE: ledgerKey });
    await until(() => s.output().includes('listening on'), 'listening', s.output);

    const base = `http://127.0.0.1:${port}`;
    const input = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/cases`, {
        method: 'POST',
        headers: { authorization: 'Bearer car-token', 'content-type': 'application/json' },
        body: JSON.stringify({ procedure: 'feedback-inquiry', input }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const lines = s.output().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.some((l) => l.includes('"url"'))).toBe(false);

    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain('shutting down');

    const db = openSqliteFile(database, { readonly: true });
    try {
      const stored = db.prepare('select id from cases').all() as { id: string }[];
      expect(stored.map((r) => r.id).sort()).toEqual(ids.sort());
      const events = db.prepare('select count(*) as n from events').get() as { n: number };
      expect(events.n).toBe(20);
    } finally {
      db.close();
    }
  });

  it('should refuse to start on a bad configuration, naming it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'qi-proc-'));
    const s = start({ PORT: 'eighty', DATABASE: join(dir, 'db.sqlite') });
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/PORT/);
    const r = start({ PORT: '3000', DATABASE: join(dir, 'db.sqlite'), DEADLINE_READINGS: 'review=working' });
    expect(await r.exited).toBe(1);
    expect(r.output()).toMatch(/DEADLINE_READINGS: 'review'/);
  });
});
