/**
 * `npm run audit -- ledger …` (cli/ledger-commands.ts; issue 16 §2, §3) on a test database
 * next to the running engine: a checkpoint signed with LEDGER_KEY_FILE and published to
 * LEDGER_CHECKPOINTS, the public key, the offline checks of proofs saved from the HTTP API
 * (ok, and FAIL once a hash is flipped), `ledger verify` of an intact log, and the operator's
 * mistakes: exit 2 with a message saying what to give.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LEDGER_ORIGIN } from '../../engine/ledger/index.js';
import { generatePrivateKeyPem, loadPrivateKey, loadPublicKey, openNote, parseCheckpointBody, publicKeyPem, verifierKey } from '../../lib/signed-note.js';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';
import { auditOn } from '../helpers/audit.js';

const dir = mkdtempSync(join(tmpdir(), 'qi-ledger-cli-'));
const keyFile = join(dir, 'ledger.pem');
const keyPem = generatePrivateKeyPem();
writeFileSync(keyFile, keyPem, { mode: 0o600 });
const publicKeyFile = join(dir, 'public.pem');
const published = join(dir, 'published');
const env = { LEDGER_KEY_FILE: keyFile, LEDGER_CHECKPOINTS: published };

let t: TestApp;
let inquiry: string;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const audit = (args: string[], e: Record<string, string> = env) => auditOn(t.databasePath, ['ledger', ...args], { env: e });

/** A proof saved as an auditor saves it: the HTTP answer's body, as a file. */
async function saved(name: string, url: string): Promise<{ path: string; json: Record<string, unknown> & { inclusionPath?: string[]; consistencyPath?: string[] } }> {
  const res = await t.as('auditor').get(url);
  expect(res.statusCode, res.body).toBe(200);
  return { path: file(name, res.body), json: res.json() };
}

async function signNow(name: string): Promise<{ path: string; size: number }> {
  const res = await t.as('auditor').post('/ledger/checkpoints', {});
  expect(res.statusCode, res.body).toBe(201);
  return { path: file(name, res.json().note), size: res.json().size };
}

/** The base64 hash with its first byte's lowest bit flipped. */
const flip = (h: string) => {
  const b = Buffer.from(h, 'base64');
  b[0]! ^= 0x01;
  return b.toString('base64');
};

let cpOld: { path: string; size: number };
let cpNew: { path: string; size: number };

beforeAll(async () => {
  t = await buildTestApp({ ledger: { keyPem } });
  inquiry = (
    await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Айгерим Сапарова', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Как?' },
    })
  ).json().id;
  await t.engine.idle();
  cpOld = await signNow('old.checkpoint');
  t.clock.set('2025-03-07T05:00:00.000Z');
  await advance(t, inquiry, [
    ['car', { type: 'register', registrationNumber: 'ЗТ-1' }],
    ['supervisor', { type: 'assign', unit: 'Департамент экспорта' }],
  ]);
  await t.engine.idle();
  cpNew = await signNow('new.checkpoint');
  writeFileSync(publicKeyFile, (await t.as('auditor').get('/ledger/public-key')).body);
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ledger checkpoint', () => {
  it('prints a note of the committed head signed with LEDGER_KEY_FILE and writes it to LEDGER_CHECKPOINTS', async () => {
    const head = await t.engine.ledger.head();
    const recorded = (await t.as('auditor').get('/ledger/checkpoints?limit=1000')).json().checkpoints.length;
    const r = await audit(['checkpoint']);
    expect(r.code, r.err).toBe(0);
    const body = parseCheckpointBody(openNote(r.out, DEFAULT_LEDGER_ORIGIN, loadPublicKey(readFileSync(publicKeyFile, 'utf8'))));
    expect(body.size).toBe(head.size);
    expect(body.rootHash.toString('hex')).toBe(head.rootHash);
    const files = readdirSync(published);
    expect(files).toHaveLength(1);
    expect(r.err).toContain(`written to ${join(published, files[0]!)}`);
    expect(readFileSync(join(published, files[0]!), 'utf8')).toBe(r.out);
    // The database is opened read-only: the published file is the record, not a row.
    expect((await t.as('auditor').get('/ledger/checkpoints?limit=1000')).json().checkpoints).toHaveLength(recorded);

    // A second one at once is its own file, the first untouched.
    const again = await audit(['checkpoint']);
    expect(again.code, again.err).toBe(0);
    expect(readdirSync(published)).toHaveLength(2);
    expect(readFileSync(join(published, files[0]!), 'utf8')).toBe(r.out);

    // The file it printed verifies the log.
    const cp = file('cli.checkpoint', r.out);
    const v = await audit(['verify', '--checkpoint', cp, '--public-key', publicKeyFile]);
    expect(v.code, v.out + v.err).toBe(0);
  });

  it('says so when LEDGER_CHECKPOINTS cannot be written (exit 2, one line), and prints no note', async () => {
    const notDir = file('not-a-dir', 'a file');
    const r = await audit(['checkpoint'], { LEDGER_KEY_FILE: keyFile, LEDGER_CHECKPOINTS: join(notDir, 'cps') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^audit: LEDGER_CHECKPOINTS .*not-a-dir\/cps: the checkpoint could not be written \([^\n]*\)\n$/);
    expect(r.out).toBe('');
  });

  it('without LEDGER_CHECKPOINTS only prints it', async () => {
    const r = await audit(['checkpoint'], { LEDGER_KEY_FILE: keyFile });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^procedures\.qazindustry\.kz\/ledger\n\d+\n/);
    expect(r.err).not.toMatch(/written to/);
  });
});

describe('ledger public-key', () => {
  it('prints the key\'s public half as the server serves it, and its verifier key on stderr', async () => {
    const r = await audit(['public-key']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(publicKeyPem(loadPrivateKey(keyPem)));
    expect(r.out).toBe(readFileSync(publicKeyFile, 'utf8'));
    expect(r.err).toContain(verifierKey(DEFAULT_LEDGER_ORIGIN, loadPrivateKey(keyPem)));
  });
});

describe('ledger check-inclusion', () => {
  it('checks a proof saved from HTTP against the checkpoint: ok; a flipped hash: FAIL, exit 1', async () => {
    const proof = await saved('inclusion.json', `/ledger/proof/inclusion?case=${inquiry}&seq=2`);
    expect(proof.json.treeSize).toBe(cpNew.size);
    const ok = await audit(['check-inclusion', '--proof', proof.path, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(new RegExp(`^ok: entry ${String(proof.json.leafIndex)} is in the tree of ${cpNew.size} entries`));

    const path = proof.json.inclusionPath!;
    expect(path.length).toBeGreaterThan(0);
    for (let i = 0; i < path.length; i++) {
      const bad = file(`inclusion-flipped-${i}.json`, JSON.stringify({ ...proof.json, inclusionPath: path.map((h, j) => (j === i ? flip(h) : h)) }));
      const r = await audit(['check-inclusion', '--proof', bad, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
      expect(r.code, `hash ${i}`).toBe(1);
      expect(r.out).toMatch(/^FAIL: /);
    }
    // An edited entry is not the one proven.
    const edited = file('inclusion-edited.json', JSON.stringify({ ...proof.json, entry: String(proof.json.entry).replace('"seq":2', '"seq":3') }));
    const r = await audit(['check-inclusion', '--proof', edited, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL: /);
  });

  it('refuses a proof for another tree than the checkpoint\'s, or a checkpoint the key did not sign (exit 2, one line)', async () => {
    const proof = await saved('inclusion-old.json', `/ledger/proof/inclusion?entry=0&treeSize=${cpOld.size}`);
    const r = await audit(['check-inclusion', '--proof', proof.path, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^audit: the proof is for a tree of ${cpOld.size} entries, the checkpoint of ${cpNew.size}\\n$`));

    const otherKey = file('other.pem', publicKeyPem(loadPrivateKey(generatePrivateKeyPem())));
    const s = await audit(['check-inclusion', '--proof', proof.path, '--checkpoint', cpOld.path, '--public-key', otherKey]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/^audit: --checkpoint .*old\.checkpoint: the note carries no signature of key [^\n]*\n$/);
  });

  it('refuses a file that is not an inclusion proof (exit 2, one line naming the file), not a crash', async () => {
    const consistency = await saved('consistency-as-inclusion.json', `/ledger/proof/consistency?from=${cpOld.size}&to=${cpNew.size}`);
    const half = file('inclusion-half.json', JSON.stringify({ leafIndex: 0, treeSize: cpNew.size, entry: 'x' }));
    for (const p of [consistency.path, half, file('inclusion-array.json', '[]'), file('inclusion-null.json', 'null')]) {
      const r = await audit(['check-inclusion', '--proof', p, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
      expect(r.code, p).toBe(2);
      expect(r.err, p).toMatch(new RegExp(`^audit: --proof ${p}: [^\\n]+\\n$`));
    }
  });
});

describe('ledger check-consistency', () => {
  it('checks a proof saved from HTTP against two checkpoints: ok; a flipped hash: FAIL, exit 1', async () => {
    const proof = await saved('consistency.json', `/ledger/proof/consistency?from=${cpOld.size}&to=${cpNew.size}`);
    const ok = await audit(['check-consistency', '--proof', proof.path, '--checkpoint', cpOld.path, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toBe(`ok: the tree of ${cpNew.size} entries extends the tree of ${cpOld.size} unchanged\n`);

    const path = proof.json.consistencyPath!;
    expect(path.length).toBeGreaterThan(0);
    for (let i = 0; i < path.length; i++) {
      const bad = file(`consistency-flipped-${i}.json`, JSON.stringify({ ...proof.json, consistencyPath: path.map((h, j) => (j === i ? flip(h) : h)) }));
      const r = await audit(['check-consistency', '--proof', bad, '--checkpoint', cpOld.path, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
      expect(r.code, `hash ${i}`).toBe(1);
      expect(r.out).toMatch(/^FAIL: the tree signed in .*new\.checkpoint does not extend the one signed in .*old\.checkpoint/);
    }
  });

  it('refuses the checkpoints in the wrong order, or one of them missing (exit 2)', async () => {
    const proof = await saved('consistency-2.json', `/ledger/proof/consistency?from=${cpOld.size}&to=${cpNew.size}`);
    const swapped = await audit(['check-consistency', '--proof', proof.path, '--checkpoint', cpNew.path, '--checkpoint', cpOld.path, '--public-key', publicKeyFile]);
    expect(swapped.code).toBe(2);
    expect(swapped.err).toMatch(/^audit: the proof is from \d+ to \d+ entries, the checkpoints are of \d+ and \d+\n$/);
    const one = await audit(['check-consistency', '--proof', proof.path, '--checkpoint', cpOld.path, '--public-key', publicKeyFile]);
    expect(one.code).toBe(2);
    expect(one.err.split('\n')[0]).toBe('audit: ledger check-consistency: give --proof <file> and two --checkpoint <file> (the older first)');
    const inclusion = await saved('inclusion-as-consistency.json', `/ledger/proof/inclusion?entry=0`);
    const wrong = await audit(['check-consistency', '--proof', inclusion.path, '--checkpoint', cpOld.path, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^audit: --proof .*: [^\n]+\n$/);
  });
});

describe('ledger verify', () => {
  it('passes an intact log against the checkpoints the server signed', async () => {
    const r = await audit(['verify', '--checkpoint', cpOld.path, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^ok {3}checkpoint .*old\.checkpoint \(size \d+\)$/m);
    expect(r.out).toMatch(/^ok {3}checkpoint .*new\.checkpoint \(size \d+\)$/m);
    expect(r.out).toMatch(/: ok\n$/);
  });
});

describe('the operator\'s mistakes: exit 2 and a line saying what to give', () => {
  const first = (s: string) => s.split('\n')[0];

  it('no --checkpoint', async () => {
    const v = await audit(['verify', '--public-key', publicKeyFile]);
    expect(v.code).toBe(2);
    expect(first(v.err)).toBe('audit: ledger verify: give at least one --checkpoint <file> (a checkpoint published before)');
    const proof = file('any-proof.json', '{}');
    const i = await audit(['check-inclusion', '--proof', proof, '--public-key', publicKeyFile]);
    expect(i.code).toBe(2);
    expect(first(i.err)).toBe('audit: ledger check-inclusion: give --proof <file> and --checkpoint <file>');
  });

  it('no --public-key', async () => {
    for (const args of [['verify', '--checkpoint', cpNew.path], ['check-inclusion', '--proof', cpNew.path, '--checkpoint', cpNew.path], ['check-consistency', '--proof', cpNew.path, '--checkpoint', cpOld.path, '--checkpoint', cpNew.path]]) {
      const r = await audit(args);
      expect(r.code, args[0]).toBe(2);
      expect(first(r.err), args[0]).toBe('audit: ledger: --public-key <file> is required (GET /ledger/public-key, or `ledger public-key`)');
    }
  });

  it('an unknown subcommand, or none', async () => {
    const r = await audit(['sign']);
    expect(r.code).toBe(2);
    expect(first(r.err)).toBe('audit: ledger: unknown subcommand sign (expected verify, checkpoint, public-key, check-inclusion or check-consistency)');
    const none = await audit([]);
    expect(none.code).toBe(2);
    expect(first(none.err)).toMatch(/^audit: ledger needs one of: verify, checkpoint/);
  });

  it('an unreadable file', async () => {
    const missing = join(dir, 'no-such.checkpoint');
    const v = await audit(['verify', '--checkpoint', missing, '--public-key', publicKeyFile]);
    expect(v.code).toBe(2);
    expect(v.err).toMatch(new RegExp(`^audit: --checkpoint ${missing}: ENOENT[^\\n]*\\n$`));
    const k = await audit(['verify', '--checkpoint', cpNew.path, '--public-key', missing]);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/^audit: --public-key .*no-such\.checkpoint: ENOENT[^\n]*\n$/);
    const p = await audit(['check-inclusion', '--proof', missing, '--checkpoint', cpNew.path, '--public-key', publicKeyFile]);
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/^audit: --proof .*no-such\.checkpoint: ENOENT[^\n]*\n$/);
    const notKey = await audit(['verify', '--checkpoint', cpNew.path, '--public-key', cpNew.path]);
    expect(notKey.code).toBe(2);
    expect(notKey.err).toMatch(/^audit: --public-key [^\n]+\n$/);
  });

  it('no LEDGER_KEY_FILE, or one that is not a key', async () => {
    for (const sub of ['checkpoint', 'public-key']) {
      const r = await audit([sub], {});
      expect(r.code, sub).toBe(2);
      expect(r.err, sub).toBe('audit: LEDGER_KEY_FILE is not set: it names the ledger key (PKCS#8 PEM)\n');
    }
    const missing = await audit(['checkpoint'], { LEDGER_KEY_FILE: join(dir, 'absent.pem') });
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^audit: LEDGER_KEY_FILE .*absent\.pem: ENOENT[^\n]*\n$/);
    const notKey = await audit(['checkpoint'], { LEDGER_KEY_FILE: publicKeyFile });
    expect(notKey.code).toBe(2);
    expect(notKey.err).toMatch(/^audit: LEDGER_KEY_FILE .*public\.pem: [^\n]+\n$/);
    expect(readdirSync(published)).toHaveLength(2);
  });
});
