/**
 * lib/signed-note.ts (issue 16 §2): C2SP tlog-checkpoint bodies and C2SP signed notes with
 * Ed25519.
 *
 * Cross-checks with the outside world, so that an auditor's own tools read our checkpoints:
 * - the example of Go's golang.org/x/mod/sumdb/note (note_test.go, also quoted by Tessera and
 *   other implementations): key "PeterNeumann", its verifier key string and its signed note,
 *   reproduced byte for byte (Ed25519 signatures are deterministic, RFC 8032);
 * - a vector derived by hand from the spec's definitions, with tools other than this code
 *   (documented at VECTOR below);
 * - keys written by `openssl genpkey -algorithm ed25519`, and signatures checked by openssl.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NoteError,
  checkpointBody,
  generatePrivateKeyPem,
  keyId,
  loadPrivateKey,
  loadPublicKey,
  openNote,
  parseCheckpointBody,
  publicKeyPem,
  signNote,
  verifierKey,
  type Checkpoint,
} from '../../lib/signed-note.js';

/** An Ed25519 private key from its 32-byte seed: PKCS#8 DER is a fixed 16-byte prefix and the seed. */
function keyFromSeed(seed: Buffer): KeyObject {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof NoteError) return e.reason;
    throw e;
  }
  return 'opened';
}

const ROOT = Buffer.from('4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4', 'hex');

describe('the Go sumdb/note example (golang.org/x/mod/sumdb/note, note_test.go)', () => {
  // PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz: 0x01 || seed.
  const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
  const key = keyFromSeed(seed);
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const note = `${text}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

  it('has the published key ID and verifier key', () => {
    expect(keyId('PeterNeumann', key).toString('hex')).toBe('c74f20a3');
    expect(verifierKey('PeterNeumann', key)).toBe('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
  });

  it('signs the published note byte for byte, and opens it', () => {
    expect(signNote(text, 'PeterNeumann', key)).toBe(note);
    const pub = loadPublicKey(publicKeyPem(key));
    expect(openNote(note, 'PeterNeumann', pub)).toBe(text);
    // The Go test's tampering: one letter of the text.
    expect(reasonOf(() => openNote(note.replace('cryptography', 'cryptographY'), 'PeterNeumann', pub))).toBe('bad_signature');
  });
});

describe('a vector derived by hand from the C2SP definitions (VECTOR)', () => {
  /*
   * VECTOR. Key: the Ed25519 key of RFC 8032 §7.1 TEST 1, secret key
   * 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, public key
   * d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a. Name "example.com/ledger".
   * Derived with python3 hashlib/base64 and openssl 3.0, not with this code:
   *   key ID = SHA-256("example.com/ledger" || 0x0A || 0x01 || public key)[0:4]
   *          = 60db519f
   *   verifier key = name "+" hex(key ID) "+" base64(0x01 || public key)
   *   body = "example.com/ledger\n5\n" base64(MTH of the 5 CT test leaves) "\n"
   *   signature = `openssl pkeyutl -sign -rawin -inkey key.pem -in body` (64 bytes)
   *   note = body "\n" "— example.com/ledger " base64(key ID || signature) "\n"
   */
  const key = keyFromSeed(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
  const body = 'example.com/ledger\n5\nTju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=\n';
  const note =
    `${body}\n\u2014 example.com/ledger ` +
    'YNtRn6xmGYNFaqSXVlX+kN3QKfgx5VKEx+rVhJElYyo7QR6D69n2s1S3DjS1PFRxZ0QZayb4jh1Y+4VQVnhVfF87iAQ=\n';

  it('gives the key ID, verifier key, checkpoint body and note computed outside this code', () => {
    expect(keyId('example.com/ledger', key).toString('hex')).toBe('60db519f');
    expect(verifierKey('example.com/ledger', key)).toBe('example.com/ledger+60db519f+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea');
    expect(checkpointBody({ origin: 'example.com/ledger', size: 5, rootHash: ROOT, extensions: [] })).toBe(body);
    expect(signNote(body, 'example.com/ledger', key)).toBe(note);
    expect(parseCheckpointBody(openNote(note, 'example.com/ledger', key))).toEqual({
      origin: 'example.com/ledger',
      size: 5,
      rootHash: ROOT,
      extensions: [],
    });
  });

  it('computes the key ID as the definition says (SHA-256 over name, newline, algorithm byte, raw key)', () => {
    const pub = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
    const want = createHash('sha256')
      .update(Buffer.concat([Buffer.from('example.com/ledger\n\u0001', 'utf8'), pub]))
      .digest()
      .subarray(0, 4);
    expect(keyId('example.com/ledger', key)).toEqual(want);
  });
});

describe('checkpoint bodies', () => {
  const c: Checkpoint = { origin: 'qazindustry.kz/procedures/ledger', size: 1234, rootHash: ROOT, extensions: ['time 2026-12-02T03:00:00Z'] };

  it('write the C2SP tlog-checkpoint lines and parse back', () => {
    const body = checkpointBody(c);
    expect(body).toBe(`qazindustry.kz/procedures/ledger\n1234\n${ROOT.toString('base64')}\ntime 2026-12-02T03:00:00Z\n`);
    expect(parseCheckpointBody(body)).toEqual(c);
    expect(parseCheckpointBody(checkpointBody({ ...c, size: 0, extensions: [] })).size).toBe(0);
  });

  it('round-trip for random origins, sizes, hashes and extension lines', () => {
    const line = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20));
    fc.assert(
      fc.property(line, fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(line, { maxLength: 4 }), (origin, size, root, extensions) => {
        const cp = { origin, size, rootHash: Buffer.from(root), extensions };
        expect(parseCheckpointBody(checkpointBody(cp))).toEqual(cp);
      }),
    );
  });

  it('refuse to write what would not parse back', () => {
    expect(() => checkpointBody({ ...c, origin: '' })).toThrow(/origin/);
    expect(() => checkpointBody({ ...c, origin: 'a\nb' })).toThrow(/origin/);
    expect(() => checkpointBody({ ...c, size: -1 })).toThrow(/size/);
    expect(() => checkpointBody({ ...c, size: 1.5 })).toThrow(/size/);
    expect(() => checkpointBody({ ...c, rootHash: Buffer.alloc(31) })).toThrow(/32 bytes/);
    expect(() => checkpointBody({ ...c, extensions: [''] })).toThrow(/extension 0/);
    expect(() => checkpointBody({ ...c, extensions: ['ok', 'x\ny'] })).toThrow(/extension 1/);
  });

  it('fail to parse with a message naming the line and the expected form', () => {
    const good = checkpointBody(c);
    const b64 = ROOT.toString('base64');
    expect(() => parseCheckpointBody(good.slice(0, -1))).toThrow(/end with a newline/);
    expect(() => parseCheckpointBody('origin\n5\n')).toThrow(/at least 3 lines/);
    expect(() => parseCheckpointBody(`\n5\n${b64}\n`)).toThrow(/line 1 \(origin\)/);
    expect(() => parseCheckpointBody(`o\n05\n${b64}\n`)).toThrow(/line 2 \(tree size\).*leading zeros/);
    expect(() => parseCheckpointBody(`o\n-5\n${b64}\n`)).toThrow(/line 2 \(tree size\)/);
    expect(() => parseCheckpointBody(`o\n 5\n${b64}\n`)).toThrow(/line 2 \(tree size\)/);
    expect(() => parseCheckpointBody(`o\n9007199254740992\n${b64}\n`)).toThrow(/line 2 \(tree size\).*2\^53/);
    expect(() => parseCheckpointBody(`o\n5\n${b64.slice(0, -1)}\n`)).toThrow(/line 3 \(root hash\)/);
    expect(() => parseCheckpointBody(`o\n5\n${Buffer.alloc(31).toString('base64')}\n`)).toThrow(/line 3 \(root hash\).*32 bytes/);
    expect(() => parseCheckpointBody(`o\n5\n${ROOT.toString('base64url')}\n`)).toThrow(/line 3/);
    expect(() => parseCheckpointBody(`o\n5\n${b64}\next\n\n`)).toThrow(/line 5 \(extension\)/);
    expect(() => parseCheckpointBody(`o\n5\n${b64}\nbad\u0007\n`)).toThrow(/line 4 \(extension\)/);
  });
});

describe('signed notes', () => {
  const a = loadPrivateKey(generatePrivateKeyPem());
  const b = loadPrivateKey(generatePrivateKeyPem());
  const aPub = loadPublicKey(publicKeyPem(a));
  const body = checkpointBody({ origin: 'example.com/ledger', size: 42, rootHash: ROOT, extensions: ['t 1'] });
  const note = signNote(body, 'example.com/ledger', a);

  it('round-trip: open returns the body that was signed', () => {
    expect(note.startsWith(`${body}\n\u2014 example.com/ledger `)).toBe(true);
    expect(note.endsWith('\n')).toBe(true);
    expect(openNote(note, 'example.com/ledger', aPub)).toBe(body);
    // A private key stands for its public key.
    expect(openNote(note, 'example.com/ledger', a)).toBe(body);
    // Unicode survives (the signature is over UTF-8 bytes).
    const kk = 'Қазақстан\nжурнал\n';
    expect(openNote(signNote(kk, 'k', a), 'k', aPub)).toBe(kk);
  });

  it('any changed character of the body → bad_signature', () => {
    const change = (i: number) => body.slice(0, i) + (body[i] === 'A' ? 'B' : 'A') + body.slice(i + 1) + note.slice(body.length);
    for (let i = 0; i < body.length - 1; i++) {
      expect(reasonOf(() => openNote(change(i), 'example.com/ledger', aPub))).toBe('bad_signature');
    }
    // The body's final newline is half of the empty line that ends it: without it the note has no body.
    expect(reasonOf(() => openNote(change(body.length - 1), 'example.com/ledger', aPub))).toBe('malformed');
  });

  it('a changed signature → bad_signature; a changed key ID → no_signature', () => {
    const sigStart = note.lastIndexOf(' ') + 1;
    const flip = (at: number) => {
      const ch = note[at]!;
      return note.slice(0, at) + (ch === 'A' ? 'B' : 'A') + note.slice(at + 1);
    };
    // Characters 0..4 of the base64 carry the key ID (4 bytes = 32 bits); from 6 on, only the signature.
    expect(reasonOf(() => openNote(flip(sigStart + 1), 'example.com/ledger', aPub))).toBe('no_signature');
    for (let at = sigStart + 6; at < note.length - 3; at += 7) {
      expect(reasonOf(() => openNote(flip(at), 'example.com/ledger', aPub))).toBe('bad_signature');
    }
  });

  it('another key → no_signature; the wrong name → no_signature; the right name with another key → no_signature', () => {
    const bPub = loadPublicKey(publicKeyPem(b));
    expect(reasonOf(() => openNote(note, 'example.com/ledger', bPub))).toBe('no_signature');
    expect(reasonOf(() => openNote(note, 'example.com/other', aPub))).toBe('no_signature');
    expect(reasonOf(() => openNote(signNote(body, 'other', a), 'example.com/ledger', aPub))).toBe('no_signature');
    // Our key ID and a valid signature under another name: a line is of a key by its name AND its ID.
    const renamed = note.replace('\u2014 example.com/ledger ', '\u2014 impostor ');
    expect(reasonOf(() => openNote(renamed, 'example.com/ledger', aPub))).toBe('no_signature');
  });

  it('a forged line with the right name and key ID but a signature by another key → bad_signature', () => {
    const forged = signNote(body, 'example.com/ledger', b);
    const blob = Buffer.from(forged.slice(forged.lastIndexOf(' ') + 1, -1), 'base64');
    keyId('example.com/ledger', a).copy(blob, 0);
    const note2 = `${body}\n\u2014 example.com/ledger ${blob.toString('base64')}\n`;
    expect(reasonOf(() => openNote(note2, 'example.com/ledger', aPub))).toBe('bad_signature');
    // A signature too short for Ed25519 is not a valid one.
    const short = `${body}\n\u2014 example.com/ledger ${Buffer.concat([keyId('example.com/ledger', a), Buffer.alloc(10)]).toString('base64')}\n`;
    expect(reasonOf(() => openNote(short, 'example.com/ledger', aPub))).toBe('bad_signature');
  });

  it('ignores the lines of other keys (a cosigned note opens for each signer)', () => {
    const other = signNote(body, 'witness.example', b);
    const both = note + other.slice(body.length + 1);
    expect(openNote(both, 'example.com/ledger', aPub)).toBe(body);
    expect(openNote(both, 'witness.example', b)).toBe(body);
    // Even a line of another key whose signature is garbage.
    const junk = `${note}\u2014 witness.example ${Buffer.alloc(68, 7).toString('base64')}\n`;
    expect(openNote(junk, 'example.com/ledger', aPub)).toBe(body);
  });

  it('malformed notes → malformed', () => {
    const sigLine = note.slice(body.length + 1);
    const cases: [string, string][] = [
      ['no empty line before the signatures', body + sigLine],
      ['no signature line', `${body}\n`],
      ['no final newline', note.slice(0, -1)],
      ['a line without the em dash', `${body}\n- ${sigLine.slice(2)}`],
      ['an en dash', `${body}\n\u2013${sigLine.slice(1)}`],
      ['no space before the base64', `${body}\n\u2014 example.com/ledger${sigLine.slice(sigLine.lastIndexOf(' ') + 1)}`],
      ['bad base64', `${body}\n\u2014 example.com/ledger @@@@\n`],
      ['non-canonical base64', `${body}\n\u2014 example.com/ledger ${sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1).replace(/=$/, '')}\n`],
      ['fewer than 5 bytes', `${body}\n\u2014 example.com/ledger AAAA\n`],
      ['a name with +', `${body}\n\u2014 a+b ${sigLine.slice(sigLine.lastIndexOf(' ') + 1)}`],
      ['a control character in the body', `x\u0007\n\n${sigLine}`],
      ['a carriage return', note.replace('\n', '\r\n')],
      ['a lone surrogate', `x\uD800\n\n${sigLine}`],
      ['more than 100 signatures', `${body}\n${sigLine.repeat(101)}`],
    ];
    for (const [what, text] of cases) expect([what, reasonOf(() => openNote(text, 'example.com/ledger', aPub))]).toEqual([what, 'malformed']);
    // An empty line among the signatures: the body is what stands before the LAST empty line (as in
    // Go), so the first signature becomes text and the second one does not sign it.
    expect(reasonOf(() => openNote(`${note}\n${sigLine}`, 'example.com/ledger', aPub))).toBe('bad_signature');
    // 100 signature lines are allowed.
    expect(openNote(`${body}\n${sigLine.repeat(100)}`, 'example.com/ledger', aPub)).toBe(body);
  });

  it('refuses to sign a body without final newline, with control characters, or with a bad key name or key', () => {
    expect(() => signNote('no newline', 'k', a)).toThrow(/end with a newline/);
    expect(() => signNote('tab\there\n', 'k', a)).toThrow(/control characters/);
    for (const name of ['', 'a b', 'a+b', 'tab\t', 'nbsp\u00a0', 'nel\u0085']) expect(() => signNote(body, name, a)).toThrow(/key name/);
    expect(() => signNote(body, 'k', aPub)).toThrow(/private key/);
    expect(() => keyId('a+b', a)).toThrow(/key name/);
  });
});

describe('keys', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'signed-note-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

  it('loads a key written by `openssl genpkey -algorithm ed25519`, and openssl verifies our signature', () => {
    openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ledger.pem');
    openssl('pkey', '-in', 'ledger.pem', '-pubout', '-out', 'ledger.pub');
    const pem = readFileSync(join(dir, 'ledger.pem'), 'utf8');
    expect(pem).toContain('-----BEGIN PRIVATE KEY-----');
    const key = loadPrivateKey(pem);
    const pubPem = readFileSync(join(dir, 'ledger.pub'), 'utf8');
    expect(publicKeyPem(key)).toBe(pubPem);
    const pub = loadPublicKey(pubPem);
    expect(keyId('n', pub)).toEqual(keyId('n', key));

    const body = checkpointBody({ origin: 'example.com/ledger', size: 7, rootHash: ROOT, extensions: [] });
    const note = signNote(body, 'example.com/ledger', key);
    expect(openNote(note, 'example.com/ledger', pub)).toBe(body);
    // openssl checks the signature bytes of the note over the body.
    const blob = Buffer.from(note.slice(note.lastIndexOf(' ') + 1, -1), 'base64');
    writeFileSync(join(dir, 'body'), body);
    writeFileSync(join(dir, 'sig'), blob.subarray(4));
    expect(openssl('pkeyutl', '-verify', '-pubin', '-inkey', 'ledger.pub', '-rawin', '-in', 'body', '-sigfile', 'sig').toString()).toMatch(
      /Signature Verified Successfully/,
    );
  });

  it('generates PKCS#8 PEM that openssl reads as ED25519', () => {
    writeFileSync(join(dir, 'gen.pem'), generatePrivateKeyPem());
    expect(openssl('pkey', '-in', 'gen.pem', '-noout', '-text').toString()).toMatch(/ED25519 Private-Key/);
  });

  it('rejects an RSA key, an encrypted key, a public key as private, a private key as public, and non-PEM, with clear messages', () => {
    openssl('genpkey', '-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.pem');
    openssl('pkey', '-in', 'rsa.pem', '-pubout', '-out', 'rsa.pub');
    openssl('genpkey', '-algorithm', 'ed25519', '-aes-256-cbc', '-pass', 'pass:secret', '-out', 'enc.pem');
    openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed.pem');
    openssl('pkey', '-in', 'ed.pem', '-pubout', '-out', 'ed.pub');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    expect(() => loadPrivateKey(read('rsa.pem'))).toThrow(/private key is rsa, not ed25519/);
    expect(() => loadPublicKey(read('rsa.pub'))).toThrow(/public key is rsa, not ed25519/);
    expect(() => loadPrivateKey(read('enc.pem'))).toThrow(/encrypted/);
    expect(() => loadPrivateKey(read('ed.pub'))).toThrow(/public key/);
    expect(() => loadPublicKey(read('ed.pem'))).toThrow(/not a public key/);
    expect(() => loadPrivateKey('ed25519 please')).toThrow(/not PEM/);
    expect(() => loadPublicKey('')).toThrow(/not PEM/);
    expect(() => loadPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toThrow(/could not be read/);
    // No key material in the messages.
    try {
      loadPrivateKey(read('rsa.pem'));
    } catch (e) {
      expect((e as Error).message).not.toContain(read('rsa.pem').split('\n')[1]!.slice(0, 20));
    }
  });
});
