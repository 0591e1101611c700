/**
 * The server's ledger key (server/ledger-key.ts, server/main.ts; issue 16 §2): LEDGER_KEY_FILE
 * is read; a production start (AUTH_FILE) without one is refused, saying how to make one; a
 * development start creates one once (0600) and reuses it; a key that is not Ed25519 stops the
 * engine naming LEDGER_KEY_FILE; and the server process itself refuses to start without it.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock } from '../../engine/index.js';
import { generatePrivateKeyPem, loadPrivateKey } from '../../lib/signed-note.js';
import { procedures } from '../../machines/index.js';
import { sha256Hex } from '../../server/auth.js';
import { resolveLedgerKey } from '../../server/ledger-key.js';
import { kz } from '../helpers/app.js';
import { freePort } from '../inspect/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qi-ledger-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveLedgerKey', () => {
  it('reads LEDGER_KEY_FILE, in production and in development alike', () => {
    const keyFile = join(dir, 'ledger.pem');
    const pem = generatePrivateKeyPem();
    writeFileSync(keyFile, pem, { mode: 0o600 });
    const devPath = join(dir, 'dev', 'ledger-key.dev.pem');
    for (const production of [true, false]) {
      expect(resolveLedgerKey({ keyFile, production, devPath })).toEqual({ pem, path: keyFile, created: false });
    }
    expect(existsSync(devPath)).toBe(false);
  });

  it('names LEDGER_KEY_FILE when it cannot be read', () => {
    const keyFile = join(dir, 'absent.pem');
    expect(() => resolveLedgerKey({ keyFile, production: true, devPath: join(dir, 'dev.pem') })).toThrow(new RegExp(`LEDGER_KEY_FILE=${keyFile}: cannot read it .*ENOENT`));
  });

  it('refuses a production start without LEDGER_KEY_FILE, saying how to create one, and creates nothing', () => {
    const devPath = join(dir, 'dev.pem');
    expect(() => resolveLedgerKey({ keyFile: undefined, production: true, devPath })).toThrow(/LEDGER_KEY_FILE is required with AUTH_FILE.*openssl genpkey -algorithm ed25519/);
    expect(existsSync(devPath)).toBe(false);
  });

  it('creates the development key once, readable by its owner only, and reuses it', () => {
    const devPath = join(dir, 'data', 'ledger-key.dev.pem');
    const first = resolveLedgerKey({ keyFile: undefined, production: false, devPath });
    expect(first).toMatchObject({ path: devPath, created: true });
    expect(loadPrivateKey(first.pem).asymmetricKeyType).toBe('ed25519');
    expect(statSync(devPath).mode & 0o777).toBe(0o600);
    const second = resolveLedgerKey({ keyFile: undefined, production: false, devPath });
    expect(second).toEqual({ pem: first.pem, path: devPath, created: false });
  });
});

describe('a key that is not Ed25519', () => {
  it.each([
    ['an RSA key', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /rsa, not ed25519/],
    ['an EC key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /ec, not ed25519/],
    ['a public key', () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(), /public key/],
    ['not PEM', () => 'hello', /not PEM/],
  ])('%s makes createEngine fail naming LEDGER_KEY_FILE', async (_what, pem, why) => {
    const keyPem = pem();
    const run = createEngine({ databasePath: join(dir, 'db.sqlite'), calendar: kz, procedures, clock: new SimulatedClock('2025-03-06T05:00:00.000Z'), ledger: { keyPem } });
    await expect(run).rejects.toThrow(/LEDGER_KEY_FILE/);
    await expect(run).rejects.toThrow(why);
  });
});

describe('the server process', () => {
  async function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const childEnv: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', PORT: String(await freePort()), ...env };
    if (!('LEDGER_KEY_FILE' in env)) delete childEnv.LEDGER_KEY_FILE;
    delete childEnv.LEDGER_CHECKPOINTS;
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => (output += String(d)));
    proc.stderr.on('data', (d) => (output += String(d)));
    const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    return new Promise((resolve) =>
      proc.once('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, output });
      }),
    );
  }

  const authFile = () => {
    const f = join(dir, 'auth.json');
    writeFileSync(f, JSON.stringify({ users: [{ name: 'car', roles: ['car'], tokenSha256: sha256Hex('car-token') }] }));
    return f;
  };

  it('refuses to start with AUTH_FILE and without LEDGER_KEY_FILE, saying what to set', async () => {
    const database = join(dir, 'db.sqlite');
    const r = await start({ AUTH_FILE: authFile(), DATABASE: database });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.output).toMatch(/LEDGER_KEY_FILE is required with AUTH_FILE/);
    expect(r.output).toMatch(/openssl genpkey -algorithm ed25519/);
    expect(r.output).not.toMatch(/listening on/);
    expect(existsSync(database)).toBe(false);
  }, 30_000);

  it('refuses to start with a LEDGER_KEY_FILE that is not an Ed25519 key, naming it', async () => {
    const keyFile = join(dir, 'rsa.pem');
    writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const r = await start({ AUTH_FILE: authFile(), DATABASE: join(dir, 'db.sqlite'), LEDGER_KEY_FILE: keyFile });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.output).toMatch(/LEDGER_KEY_FILE.*not ed25519/);
    expect(r.output).not.toMatch(/listening on/);
  }, 30_000);
});
