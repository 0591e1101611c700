/**
 * `npm run audit -- ledger <subcommand>` (issue 16; docs/audit.md "The log"): the
 * transparency log's offline checks and its checkpoints, on the database opened read-only.
 *
 * - `verify`: engine/ledger/verify.ts against the checkpoint files and the public key given;
 * - `checkpoint`: signs the committed head with LEDGER_KEY_FILE and prints it (and writes it
 *   to LEDGER_CHECKPOINTS): the database is read-only here, so it is not recorded there —
 *   the published copy is the one that counts;
 * - `public-key`: the key's public half, PEM;
 * - `check-inclusion`, `check-consistency`: a proof the server gave, checked with nothing
 *   but the proof, the checkpoint(s) and the public key (RFC 9162 §2.1.3.2, §2.1.4.2).
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuditStore } from '../engine/audit.js';
import { checkpointNote, ledgerKey, publishCheckpoint, verifyLedger } from '../engine/ledger/index.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../lib/merkle.js';
import { loadPublicKey, openNote, parseCheckpointBody, publicKeyPem, type Checkpoint } from '../lib/signed-note.js';
import type { Config } from '../server/config.js';
import { CommandError, UsageError, type Args, type AuditIo } from './audit-common.js';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CommandError(`${what} ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function publicKeyOf(args: Args): KeyObject {
  const file = args.values['public-key'];
  if (typeof file !== 'string') throw new UsageError('ledger: --public-key <file> is required (GET /ledger/public-key, or `ledger public-key`)');
  try {
    return loadPublicKey(readText(file, '--public-key'));
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`--public-key ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkpointFiles(args: Args): string[] {
  const v = args.values.checkpoint;
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A checkpoint file opened with the public key: its body, or a CommandError saying why not. */
function openCheckpoint(file: string, key: KeyObject): Checkpoint {
  const note = readText(file, '--checkpoint');
  let body: Checkpoint;
  try {
    body = parseCheckpointBody(note.slice(0, note.indexOf('\n\n') + 1));
    openNote(note, body.origin, key);
  } catch (e) {
    throw new CommandError(`--checkpoint ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return body;
}

function ledgerKeyOf(config: Config) {
  if (!config.ledgerKeyFile) throw new CommandError('LEDGER_KEY_FILE is not set: it names the ledger key (PKCS#8 PEM)');
  try {
    return ledgerKey(readText(config.ledgerKeyFile, 'LEDGER_KEY_FILE'), config.ledgerOrigin);
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`LEDGER_KEY_FILE ${config.ledgerKeyFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function ledgerCommand(store: AuditStore, args: Args, io: AuditIo, _inspectPort: number, config: Config): Promise<number> {
  const sub = args.positionals[0];
  switch (sub) {
    case 'verify':
      return verify(store, args, io);
    case 'checkpoint': {
      const key = ledgerKeyOf(config);
      const head = await store.storage.read.ledger.head();
      const signedAt = new Date().toISOString();
      const note = checkpointNote(key, head.size, head.rootHash, signedAt);
      if (config.ledgerCheckpointsDir) {
        let path: string;
        try {
          path = publishCheckpoint(config.ledgerCheckpointsDir, head.size, signedAt, note);
        } catch (e) {
          throw new CommandError(`LEDGER_CHECKPOINTS ${config.ledgerCheckpointsDir}: the checkpoint could not be written (${e instanceof Error ? e.message : String(e)})`);
        }
        io.err(`written to ${path}\n`);
      }
      io.out(note);
      return 0;
    }
    case 'public-key': {
      const key = ledgerKeyOf(config);
      io.out(publicKeyPem(key.privateKey));
      io.err(`verifier key: ${key.verifierKey}\n`);
      return 0;
    }
    case 'check-inclusion':
      return checkInclusion(args, io);
    case 'check-consistency':
      return checkConsistency(args, io);
    default:
      throw new UsageError(`ledger: unknown subcommand ${String(sub)} (expected verify, checkpoint, public-key, check-inclusion or check-consistency)`);
  }
}

async function verify(store: AuditStore, args: Args, io: AuditIo): Promise<number> {
  const files = checkpointFiles(args);
  if (files.length === 0) throw new UsageError('ledger verify: give at least one --checkpoint <file> (a checkpoint published before)');
  const publicKey = publicKeyOf(args);
  const checkpoints = files.map((f) => ({ source: f, note: readText(f, '--checkpoint') }));
  if (!io.isTTY) io.err(`verifying the log against ${files.length} checkpoint(s)\n`);
  const r = await verifyLedger({ read: store.storage.read, registry: store.registry, deps: store.calendars, checkpoints, publicKey });
  for (const p of r.problems) io.out(`FAIL ${p.kind}: ${p.message}\n`);
  for (const c of r.checkpoints) io.out(`${c.ok ? 'ok  ' : 'FAIL'} checkpoint ${c.source} (size ${c.size})\n`);
  io.out(`log of ${r.entries} entries over ${r.cases} case(s): ${r.ok ? 'ok' : `${r.problems.length} problem(s)`}\n`);
  return r.ok ? 0 : 1;
}

interface InclusionProofFile {
  leafIndex: number;
  treeSize: number;
  entry: string;
  inclusionPath: string[];
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readText(file, what)) as T;
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`${what} ${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHashList = (v: unknown): v is string[] => Array.isArray(v) && v.every((h) => typeof h === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(h));

/** The proof file as the server answers it, or a CommandError naming the file (never a TypeError on a wrong file). */
function inclusionProofFile(file: string): InclusionProofFile {
  const p = readJson<Partial<Record<keyof InclusionProofFile, unknown>> | null>(file, '--proof');
  if (typeof p !== 'object' || p === null || !isCount(p.leafIndex) || !isCount(p.treeSize) || typeof p.entry !== 'string' || !isHashList(p.inclusionPath)) {
    throw new CommandError(`--proof ${file}: not an inclusion proof (GET /ledger/proof/inclusion: leafIndex, treeSize, entry, inclusionPath of base64 SHA-256)`);
  }
  return { leafIndex: p.leafIndex, treeSize: p.treeSize, entry: p.entry, inclusionPath: p.inclusionPath };
}

function consistencyProofFile(file: string): { first: number; second: number; consistencyPath: string[] } {
  const p = readJson<Record<string, unknown> | null>(file, '--proof');
  if (typeof p !== 'object' || p === null || !isCount(p.first) || !isCount(p.second) || !isHashList(p.consistencyPath)) {
    throw new CommandError(`--proof ${file}: not a consistency proof (GET /ledger/proof/consistency: first, second, consistencyPath of base64 SHA-256)`);
  }
  return { first: p.first, second: p.second, consistencyPath: p.consistencyPath };
}

function checkInclusion(args: Args, io: AuditIo): number {
  const key = publicKeyOf(args);
  const [file] = checkpointFiles(args);
  if (!file || typeof args.values.proof !== 'string') throw new UsageError('ledger check-inclusion: give --proof <file> and --checkpoint <file>');
  const cp = openCheckpoint(file, key);
  const proof = inclusionProofFile(args.values.proof);
  if (proof.treeSize !== cp.size) throw new CommandError(`the proof is for a tree of ${proof.treeSize} entries, the checkpoint of ${cp.size}`);
  const ok = verifyInclusion(leafHash(proof.entry), proof.leafIndex, proof.treeSize, proof.inclusionPath.map((h) => Buffer.from(h, 'base64')), cp.rootHash);
  io.out(ok ? `ok: entry ${proof.leafIndex} is in the tree of ${cp.size} entries signed in ${file}\n` : `FAIL: the proof does not put this entry at ${proof.leafIndex} in the tree signed in ${file}\n`);
  return ok ? 0 : 1;
}

function checkConsistency(args: Args, io: AuditIo): number {
  const key = publicKeyOf(args);
  const files = checkpointFiles(args);
  if (files.length !== 2 || typeof args.values.proof !== 'string') throw new UsageError('ledger check-consistency: give --proof <file> and two --checkpoint <file> (the older first)');
  const [a, b] = files.map((f) => openCheckpoint(f, key)) as [Checkpoint, Checkpoint];
  const proof = consistencyProofFile(args.values.proof);
  if (proof.first !== a.size || proof.second !== b.size) throw new CommandError(`the proof is from ${proof.first} to ${proof.second} entries, the checkpoints are of ${a.size} and ${b.size}`);
  const ok = verifyConsistency(a.size, b.size, a.rootHash, b.rootHash, proof.consistencyPath.map((h) => Buffer.from(h, 'base64')));
  io.out(ok ? `ok: the tree of ${b.size} entries extends the tree of ${a.size} unchanged\n` : `FAIL: the tree signed in ${files[1]} does not extend the one signed in ${files[0]}: the log was rewritten\n`);
  return ok ? 0 : 1;
}
