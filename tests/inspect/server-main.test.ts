/**
 * server/main.ts as a real process: with INSPECT off nothing listens on INSPECT_PORT; with
 * INSPECT=1 the inspector listens there (127.0.0.1) and streams the cases the server advances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/auth.js';
import { freePort, listening, record } from './helpers.js';
import { generatePrivateKeyPem } from '../../lib/signed-note.js';

const ROOT = join(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function startServer(inspect: '0' | '1'): Promise<{ port: number; inspectPort: number }> {
  dir = mkdtempSync(join(tmpdir(), 'qi-main-'));
  const authFile = join(dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ users: [{ name: 'press', roles: ['press_secretary'], tokenSha256: sha256Hex('press-token') }] }));
  const ledgerKey = join(dir, 'ledger.pem');
  writeFileSync(ledgerKey, generatePrivateKeyPem());
  const port = await freePort();
  const inspectPort = await freePort();
  let output = '';
  child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE: join(dir, 'db.sqlite'),
      AUTH_FILE: authFile,
      LEDGER_KEY_FILE: ledgerKey,
      INSPECT: inspect,
      INSPECT_PORT: String(inspectPort),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const deadline = Date.now() + 15_000;
  while (!output.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, inspectPort };
}

describe('INSPECT in the server process', () => {
  it('should listen on no inspector port when INSPECT is off', async () => {
    const { port, inspectPort } = await startServer('0');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(await listening(inspectPort)).toBe(false);
  });

  it('should stream a case created over HTTP to an inspector client when INSPECT=1', async () => {
    const { port, inspectPort } = await startServer('1');
    const client = await record(`ws://127.0.0.1:${inspectPort}`);
    const res = await fetch(`http://127.0.0.1:${port}/cases`, {
      method: 'POST',
      headers: { authorization: 'Bearer press-token', 'content-type': 'application/json' },
      body: JSON.stringify({ procedure: 'blog-question', input: { channel: 'blog', author: { name: 'Дана' }, language: 'ru', text: 'Вопрос?' } }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const ms = await client.until((m) => m.filter((x) => x.sessionId === id).length >= 3);
    expect(ms.filter((x) => x.sessionId === id).map((x) => x.type)).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    await client.close();
  });
});
