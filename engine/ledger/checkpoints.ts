/**
 * Signed checkpoints of the transparency log (issue 16 §2, docs/audit.md "Checkpoints").
 *
 * A checkpoint is a C2SP tlog-checkpoint signed note (lib/signed-note.ts: the format of
 * Go's sumdb, Trillian Tessera and Sigstore): the log's origin, tree size, root hash
 * (base64) and the time it was signed (an extension line `time <UTC ISO>`), signed with
 * Ed25519 by the ledger key (LEDGER_KEY_FILE, PKCS#8 PEM). The key is meant to live off
 * the database's host: whoever can rewrite the database but not read the key cannot sign
 * a checkpoint for a rewritten tree.
 *
 * One is signed at least every `everyMs` and after every `everyEntries` new entries, and
 * on request (`POST /ledger/checkpoints`, the audit CLI). Each is written to the checkpoint
 * directory (LEDGER_CHECKPOINTS, meant to be other storage: a mounted share, a WORM
 * bucket's sync folder) before it is recorded in the database, atomically (temporary file,
 * fsync, rename), one file per checkpoint, never overwritten.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { checkpointBody, keyId, loadPrivateKey, publicKeyPem, signNote, verifierKey } from '../../lib/signed-note.js';
import type { Repositories } from '../../storage/index.js';
import type { Clock } from '../clock.js';
import type { CommitQueue } from '../commit-queue.js';
import { EngineError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The log's name in its checkpoints (C2SP `origin`; also the key's name) unless configured. */
export const DEFAULT_LEDGER_ORIGIN = 'procedures.qazindustry.kz/ledger';
export const DEFAULT_CHECKPOINT_EVERY_MS = 60 * 60 * 1000;
export const DEFAULT_CHECKPOINT_EVERY_ENTRIES = 10_000;

export interface LedgerKey {
  /** The key's name in signature lines: the log's origin. */
  name: string;
  privateKey: KeyObject;
  /** SPKI PEM of the public key (`GET /ledger/public-key`). */
  publicKeyPem: string;
  /** The C2SP verifier key string (`<name>+<key id>+<key>`), for note tools. */
  verifierKey: string;
  /** Hex of the 4-byte key ID in signature lines. */
  keyId: string;
}

/** The ledger key from its PKCS#8 PEM (errors name the file's problem). */
export function ledgerKey(pem: string, name: string = DEFAULT_LEDGER_ORIGIN): LedgerKey {
  const privateKey = loadPrivateKey(pem);
  const pub = publicKeyPem(privateKey);
  return { name, privateKey, publicKeyPem: pub, verifierKey: verifierKey(name, privateKey), keyId: keyId(name, privateKey).toString('hex') };
}

export interface CheckpointView {
  id: number;
  size: number;
  /** Hex. */
  rootHash: string;
  signedAt: string;
  /** The signed note, as published: the file an auditor keeps. */
  note: string;
}

export interface CheckpointPublisherOptions {
  read: Repositories;
  queue: CommitQueue;
  clock: Clock;
  logger: Logger;
  key: LedgerKey | undefined;
  /** Where every checkpoint is also written (LEDGER_CHECKPOINTS); absent: the database only. */
  dir?: string | undefined;
  everyMs?: number;
  everyEntries?: number;
}

export class CheckpointPublisher {
  readonly #o: CheckpointPublisherOptions;
  readonly #everyMs: number;
  readonly #everyEntries: number;
  #timer: NodeJS.Timeout | undefined;
  #signing: Promise<CheckpointView> | undefined;
  #lastSize = -1;
  #started = false;

  constructor(o: CheckpointPublisherOptions) {
    this.#o = o;
    this.#everyMs = o.everyMs ?? DEFAULT_CHECKPOINT_EVERY_MS;
    this.#everyEntries = o.everyEntries ?? DEFAULT_CHECKPOINT_EVERY_ENTRIES;
    if (o.dir) mkdirSync(o.dir, { recursive: true });
  }

  get key(): LedgerKey | undefined {
    return this.#o.key;
  }

  /** Signs a checkpoint of the committed tree now (one at a time: a second call waits for the first, then signs again). */
  sign(): Promise<CheckpointView> {
    const run = (this.#signing ?? Promise.resolve()).catch(() => undefined).then(() => this.#sign());
    this.#signing = run;
    return run;
  }

  async #sign(): Promise<CheckpointView> {
    const key = this.#o.key;
    if (!key) throw new EngineError('ledger_key_missing', 'no ledger key is configured (LEDGER_KEY_FILE): checkpoints cannot be signed');
    const head = await this.#o.read.ledger.head();
    const signedAt = this.#o.clock.now().toISOString();
    const note = checkpointNote(key, head.size, head.rootHash, signedAt);
    // Published first: a checkpoint the database lost is harmless, one never published is no evidence.
    if (this.#o.dir) {
      try {
        publishCheckpoint(this.#o.dir, head.size, signedAt, note);
      } catch (e) {
        // Not recorded either: a checkpoint is in the database only once it was published.
        const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
        throw new EngineError('storage_unavailable', `the checkpoint could not be written to the checkpoint directory (LEDGER_CHECKPOINTS: ${code}); nothing was recorded: make the directory writable and sign again`);
      }
    }
    const record = { size: head.size, rootHash: head.rootHash, signedAt, note };
    const id = await this.#o.queue.submit((repos) => repos.ledger.insertCheckpoint(record));
    this.#lastSize = head.size;
    return { id, ...record };
  }

  /** The log grew to `size` (after a commit): a checkpoint when `everyEntries` were added since the last. */
  grew(size: number): void {
    if (!this.#o.key || !this.#started || size - this.#lastSize < this.#everyEntries) return;
    this.#lastSize = size;
    this.sign().catch((e: unknown) => this.#o.logger.error({ err: e }, 'ledger: the checkpoint could not be signed'));
  }

  /** Signs one at start when the last is older than the period or the tree grew since, then every period. */
  async start(): Promise<void> {
    if (!this.#o.key) return;
    const last = await this.#o.read.ledger.latestCheckpoint();
    const head = await this.#o.read.ledger.head();
    this.#lastSize = last?.size ?? 0;
    const stale = !last || last.size !== head.size || this.#o.clock.now().getTime() - Date.parse(last.signedAt) >= this.#everyMs;
    this.#started = true;
    if (stale) await this.sign();
    if (this.#everyMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => {
        this.sign().catch((e: unknown) => this.#o.logger.error({ err: e }, 'ledger: the periodic checkpoint could not be signed'));
      }, this.#everyMs);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#signing?.catch(() => undefined);
  }
}

/** The signed note of a checkpoint of (size, root) at `signedAt`. */
export function checkpointNote(key: LedgerKey, size: number, rootHashHex: string, signedAt: string): string {
  const body = checkpointBody({ origin: key.name, size, rootHash: Buffer.from(rootHashHex, 'hex'), extensions: [`time ${signedAt}`] });
  return signNote(body, key.name, key.privateKey);
}

/**
 * Writes a checkpoint into `dir` as a new file `<size>-<time>.checkpoint` (never overwriting
 * one); returns its path. Two checkpoints of the same size signed in the same millisecond (two
 * requests, the server and the CLI) get `<size>-<time>-2.checkpoint`, `-3`, ...: each is
 * published, neither replaces the other, and signing never fails on the name.
 */
export function publishCheckpoint(dir: string, size: number, signedAt: string, note: string): string {
  mkdirSync(dir, { recursive: true });
  const stem = `${String(size).padStart(12, '0')}-${signedAt.replace(/[-:.]/g, '')}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${stem}.checkpoint` : `${stem}-${n}.checkpoint`;
    try {
      writeDurably(dir, name, note);
      return join(dir, name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 1000) throw e;
    }
  }
}

/**
 * Writes a new file durably: a temporary name, fsync, then a hard link to the final name
 * (which fails rather than replace an existing file), fsync of the directory.
 */
function writeDurably(dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, join(dir, name));
  } finally {
    unlinkSync(tmp);
  }
  const d = openSync(dir, 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}
