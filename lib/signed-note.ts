/**
 * Signed checkpoints (issue 16 §2) in the formats of C2SP: tlog-checkpoint (the body) and
 * signed-note (the signatures), Ed25519 through node:crypto. These are the formats of Go's
 * golang.org/x/mod/sumdb/note, Trillian Tessera and Sigstore, so an auditor's own tools (or a
 * witness) read our checkpoints; tests/lib/signed-note.test.ts holds the functions to the Go
 * package's published example key and note byte for byte. Pure: nothing of the project.
 *
 * A checkpoint body:
 *
 *     <origin>\n<tree size, decimal>\n<root hash, standard base64>\n[<extension line>\n]*
 *
 * A signed note: the body (ending in "\n"), one empty line, then one or more lines
 * `— <key name> <base64(key ID (4 bytes, big-endian) || signature)>\n` (U+2014 EM DASH, space).
 * An Ed25519 key ID is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key (32
 * bytes)); the signature is Ed25519 over the body's UTF-8 bytes.
 *
 * Error messages never carry key material or the note's text (a body may name a case).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const ROOT_HASH_BYTES = 32;
const ED25519_ALG = 0x01;
const SIG_PREFIX = '\u2014 ';
/** As Go's note.Open: a note with more signature lines is malformed (no unbounded work). */
const MAX_SIGNATURES = 100;

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

/** The checkpoint's note body; throws an Error saying which field is unfit. */
export function checkpointBody(c: Checkpoint): string {
  if (typeof c.origin !== 'string' || c.origin === '') throw new Error('checkpoint origin must be a non-empty string');
  if (!isLineText(c.origin)) throw new Error('checkpoint origin must be one line of text without control characters');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new Error('checkpoint size must be a non-negative safe integer');
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== ROOT_HASH_BYTES) {
    throw new Error(`checkpoint root hash must be ${ROOT_HASH_BYTES} bytes`);
  }
  let body = `${c.origin}\n${c.size}\n${Buffer.from(c.rootHash).toString('base64')}\n`;
  for (const [i, e] of (c.extensions ?? []).entries()) {
    if (typeof e !== 'string' || e === '' || !isLineText(e)) {
      throw new Error(`checkpoint extension ${i} must be one non-empty line of text without control characters`);
    }
    body += `${e}\n`;
  }
  return body;
}

/** Throws an Error whose message says what is wrong (line, expected form). */
export function parseCheckpointBody(body: string): Checkpoint {
  if (typeof body !== 'string') throw new Error('a checkpoint body is a string');
  if (!body.endsWith('\n')) throw new Error('a checkpoint body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw new Error(`a checkpoint body has at least 3 lines (origin, size, root hash); this one has ${lines.length}`);
  }
  const [origin, sizeText, hashText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '' || !isLineText(origin)) throw new Error('line 1 (origin) must be non-empty text without control characters');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) {
    throw new Error('line 2 (tree size) must be a decimal number without sign or leading zeros');
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new Error('line 2 (tree size) is larger than this implementation handles (2^53 - 1)');
  const rootHash = decodeBase64(hashText);
  if (rootHash === undefined || rootHash.length !== ROOT_HASH_BYTES) {
    throw new Error(`line 3 (root hash) must be the standard base64 of ${ROOT_HASH_BYTES} bytes`);
  }
  for (const [i, e] of extensions.entries()) {
    if (e === '' || !isLineText(e)) {
      throw new Error(`line ${i + 4} (extension) must be non-empty text without control characters`);
    }
  }
  return { origin, size, rootHash, extensions };
}

/** Loads an Ed25519 private key from PKCS#8 PEM (as `openssl genpkey -algorithm ed25519` writes). Errors name the problem (not PEM, not ed25519, encrypted). */
export function loadPrivateKey(pem: string): KeyObject {
  const label = pemLabel(pem);
  if (label === undefined) throw new Error('the private key is not PEM text (expected -----BEGIN PRIVATE KEY-----)');
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new Error('the private key is encrypted; give an unencrypted PKCS#8 key (openssl genpkey -algorithm ed25519)');
  }
  if (label === 'PUBLIC KEY') throw new Error('the PEM holds a public key; a private key (-----BEGIN PRIVATE KEY-----) is needed');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`the private key PEM (${label}) could not be read as a key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the private key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not ed25519 (openssl genpkey -algorithm ed25519)`);
  }
  return key;
}

/** Loads an Ed25519 public key from SPKI PEM. */
export function loadPublicKey(pem: string): KeyObject {
  const label = pemLabel(pem);
  if (label === undefined) throw new Error('the public key is not PEM text (expected -----BEGIN PUBLIC KEY-----)');
  // Node would derive a public key from a private one; refuse: whoever verifies must not hold it.
  if (label !== 'PUBLIC KEY') throw new Error(`the PEM holds ${label}, not a public key (-----BEGIN PUBLIC KEY-----)`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('the public key PEM could not be read as a key');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the public key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not ed25519`);
  }
  return key;
}

/** SPKI PEM of the public key of `key` (a private or public Ed25519 key). */
export function publicKeyPem(key: KeyObject): string {
  return asPublic(key).export({ type: 'spki', format: 'pem' }).toString();
}

/** A new Ed25519 private key as PKCS#8 PEM. */
export function generatePrivateKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The 4-byte Ed25519 key ID of C2SP signed-note (a private key stands for its public key). */
export function keyId(name: string, publicKey: KeyObject): Buffer {
  checkKeyName(name);
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_ALG]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

/** C2SP verifier key string: `<name>+<hex keyID 8 chars>+<base64(0x01 || raw pub)>` */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const material = Buffer.concat([Buffer.from([ED25519_ALG]), rawPublicKey(publicKey)]);
  return `${name}+${keyId(name, publicKey).toString('hex')}+${material.toString('base64')}`;
}

/** The body followed by an empty line and one signature line by (name, privateKey). */
export function signNote(body: string, name: string, privateKey: KeyObject): string {
  checkKeyName(name);
  if (typeof body !== 'string' || !body.endsWith('\n')) throw new Error('a note body must end with a newline');
  if (!isNoteText(body)) throw new Error('a note body must be UTF-8 text without control characters other than newline');
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error('a note is signed with an Ed25519 private key');
  }
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const blob = Buffer.concat([keyId(name, privateKey), signature]).toString('base64');
  return `${body}\n${SIG_PREFIX}${name} ${blob}\n`;
}

/**
 * Checks that `note` carries a valid signature by (name, publicKey); returns the body.
 * Errors (throw NoteError with .reason 'malformed' | 'no_signature' | 'bad_signature'): a note
 * without a signature line of that key name+ID → no_signature; a line of that key whose
 * signature fails → bad_signature. Other keys' lines are ignored.
 *
 * Parsed as Go's note.Open does: the text must be UTF-8 without control characters other than
 * newline; the body is everything up to the last empty line, kept with its final newline; every
 * line after it must be a well-formed signature line (name valid, base64 canonical, at least 5
 * bytes), at most 100 of them.
 */
export function openNote(note: string, name: string, publicKey: KeyObject): string {
  checkKeyName(name);
  if (typeof note !== 'string' || !isNoteText(note)) {
    throw new NoteError('malformed', 'a note must be UTF-8 text without control characters other than newline');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('malformed', 'a note has its body, an empty line, then signature lines; no empty line found');
  const body = note.slice(0, split + 1);
  const sigs = note.slice(split + 2);
  if (sigs === '' || !sigs.endsWith('\n')) {
    throw new NoteError('malformed', 'a note ends with one or more signature lines, each ending with a newline');
  }
  const lines = sigs.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('malformed', `a note carries at most ${MAX_SIGNATURES} signatures`);
  const id = keyId(name, publicKey);
  const pub = asPublic(publicKey);
  let found = false;
  for (const [i, line] of lines.entries()) {
    const where = `signature line ${i + 1}`;
    if (!line.startsWith(SIG_PREFIX)) throw new NoteError('malformed', `${where} must start with "\u2014 " (EM DASH, space)`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const lineName = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const blob = decodeBase64(b64);
    if (!isKeyName(lineName) || b64 === '' || blob === undefined || blob.length < 5) {
      throw new NoteError('malformed', `${where} must be "\u2014 <key name> <base64 of key ID and signature>"`);
    }
    if (lineName !== name || !blob.subarray(0, 4).equals(id)) continue;
    found = true;
    const signature = blob.subarray(4);
    let ok: boolean;
    try {
      ok = signature.length === 64 && verify(null, Buffer.from(body, 'utf8'), pub, signature);
    } catch {
      ok = false;
    }
    if (!ok) throw new NoteError('bad_signature', `${where}: the signature of key ${name} does not verify over the note body`);
  }
  if (!found) throw new NoteError('no_signature', `the note carries no signature of key ${name}+${id.toString('hex')}`);
  return body;
}

export class NoteError extends Error {
  readonly reason: 'malformed' | 'no_signature' | 'bad_signature';

  constructor(reason: 'malformed' | 'no_signature' | 'bad_signature', message: string) {
    super(message);
    this.name = 'NoteError';
    this.reason = reason;
  }
}

// ---- internals -------------------------------------------------------------------------------

/** C2SP signed-note key names: non-empty UTF-8 without Unicode spaces and without '+' (JS \s lacks U+0085, which Go's unicode.IsSpace has). */
function isKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && isWellFormed(name) && !/[\s+\u0085]/u.test(name);
}

function checkKeyName(name: string): void {
  if (!isKeyName(name)) throw new Error('a key name must be non-empty, without whitespace and without "+"');
}

/** UTF-8 text (no lone surrogates) without ASCII control characters other than newline. */
function isNoteText(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return isWellFormed(s) && !/[\u0000-\u0009\u000b-\u001f]/.test(s);
}

/** One line of note text. */
function isLineText(s: string): boolean {
  return isNoteText(s) && !s.includes('\n');
}

function isWellFormed(s: string): boolean {
  return !/\p{Surrogate}/u.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}

/** Standard base64 with padding, canonical (re-encodes to the same text), or undefined. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** The label of the first PEM block (`PRIVATE KEY`, `PUBLIC KEY`, ...), or undefined. */
function pemLabel(pem: string): string | undefined {
  if (typeof pem !== 'string') return undefined;
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}

function asPublic(key: KeyObject): KeyObject {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.type !== 'public' || pub.asymmetricKeyType !== 'ed25519') throw new Error('an Ed25519 key is needed');
  return pub;
}

/** The 32 raw bytes of an Ed25519 public key. */
function rawPublicKey(key: KeyObject): Buffer {
  const jwk = asPublic(key).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('an Ed25519 key is needed');
  return Buffer.from(jwk.x, 'base64url');
}
