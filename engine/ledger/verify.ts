/**
 * `ledger verify` (issue 16 §3, §4; cli/audit-commands.ts): the whole database against the
 * signed checkpoints an auditor kept, offline, with nothing of ours but the public key.
 *
 * 1. Each checkpoint's signature, by the public key (a forged or edited checkpoint fails here).
 * 2. The tree, recomputed from the stored entries in position order: no gap, each leaf hash
 *    the hash of its entry, and at each checkpoint's size the root it signed. A rewrite that
 *    recomputed the tree fails here (or the consistency proof a later checkpoint needs).
 *    The first entry that differs is named where the database still shows it (a leaf hash
 *    that is not its entry's); otherwise the range between the last checkpoint that holds
 *    and the first that does not.
 * 3. Every case (and every case the log names that the database no longer has) by
 *    engine/replay.ts `verifyCase`: the chain, the stored state against the replay, and
 *    the records against their entries (engine/ledger/case-check.ts).
 * 4. The records of no case against their entries: the staff digests' messages, and the
 *    revisions of the site-content register (each revision its entry, each entry its revision).
 */
import type { KeyObject } from 'node:crypto';
import { Frontier, leafHash } from '../../lib/merkle.js';
import { NoteError, openNote, parseCheckpointBody } from '../../lib/signed-note.js';
import type { LedgerEntryRecord, Repositories } from '../../storage/index.js';
import type { FoldDeps } from '../corrections.js';
import type { ModuleRegistry } from '../registry.js';
import { verifyCase, type ProblemKind } from '../replay.js';
import { checkMessages } from './case-check.js';
import { siteContentEntry } from './entries.js';

export type LedgerProblemKind =
  | 'checkpoint_unreadable'
  | 'checkpoint_signature'
  | 'checkpoint_beyond_log'
  | 'checkpoint_mismatch'
  | 'entry_gap'
  | 'leaf_mismatch'
  | 'head_mismatch'
  | 'tree_head_mismatch'
  | 'case_missing'
  /** A revision of the site-content register with no entry in the log: written around the engine. */
  | 'register_unlogged'
  /** A revision that differs from its entry: rewritten. */
  | 'register_mismatch'
  /** An entry whose revision the database no longer has: deleted. */
  | 'register_missing';

export interface LedgerProblem {
  kind: LedgerProblemKind | ProblemKind;
  message: string;
  position?: number;
  caseId?: string;
  seq?: number;
  /** Which checkpoint (its source: a file name) the problem is about. */
  checkpoint?: string;
}

export interface CheckpointInput {
  /** Where it came from (a file name), for messages. */
  source: string;
  note: string;
}

export interface LedgerVerifyResult {
  ok: boolean;
  entries: number;
  cases: number;
  checkpoints: { source: string; size: number; ok: boolean }[];
  problems: LedgerProblem[];
}

export interface LedgerVerifyOptions {
  read: Repositories;
  registry: ModuleRegistry;
  deps: FoldDeps;
  checkpoints: readonly CheckpointInput[];
  publicKey: KeyObject;
  /** Told of progress (cases verified, of how many). */
  onProgress?: (done: number, total: number) => void;
}

const PAGE = 10_000;

export async function verifyLedger(o: LedgerVerifyOptions): Promise<LedgerVerifyResult> {
  const problems: LedgerProblem[] = [];
  // 1. The checkpoints.
  const wanted: { source: string; size: number; root: string; ok: boolean }[] = [];
  for (const c of o.checkpoints) {
    let body;
    try {
      body = parseCheckpointBody(c.note.slice(0, c.note.indexOf('\n\n') + 1));
    } catch (e) {
      problems.push({ kind: 'checkpoint_unreadable', checkpoint: c.source, message: `${c.source}: not a checkpoint: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    try {
      openNote(c.note, body.origin, o.publicKey);
    } catch (e) {
      const why = e instanceof NoteError ? e.reason : 'malformed';
      problems.push({ kind: 'checkpoint_signature', checkpoint: c.source, message: `${c.source}: the signature does not verify with the public key (${why}): this checkpoint was not signed by the ledger key` });
      wanted.push({ source: c.source, size: body.size, root: body.rootHash.toString('hex'), ok: false });
      continue;
    }
    wanted.push({ source: c.source, size: body.size, root: body.rootHash.toString('hex'), ok: true });
  }
  const bySize = new Map<number, typeof wanted>();
  for (const w of wanted) bySize.set(w.size, [...(bySize.get(w.size) ?? []), w]);

  // 2. The tree.
  const frontier = new Frontier();
  const caseIds = new Set<string>();
  /** Per case, its event entries' positions by seq (what the log says the case's events are). */
  const loggedEvents = new Map<string, Map<number, number>>();
  const caseless: LedgerEntryRecord[] = [];
  /** Where the first difference is known to be: one entry (its leaf hash) or one batch's entries. */
  let firstDiff: { from: number; to: number } | undefined;
  let lastGood = 0;
  // The roots stored after each commit batch: where the recomputed tree first leaves them,
  // the entries of that batch are the first that differ (unless those roots were rewritten too).
  const storedHeads = new Map<number, string>();
  for (let after = 0; ; ) {
    const page = await o.read.ledger.treeHeads(after, PAGE);
    for (const h of page) storedHeads.set(h.size, h.rootHash);
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = last.size;
  }
  let lastHeadSize = 0;
  let headDiffers = false;
  const atSize = (size: number) => {
    const stored = storedHeads.get(size);
    if (stored !== undefined) {
      if (!headDiffers && stored !== frontier.root().toString('hex')) {
        headDiffers = true;
        firstDiff ??= { from: lastHeadSize, to: size - 1 };
        problems.push({
          kind: 'tree_head_mismatch',
          position: lastHeadSize,
          message: `the tree recomputed from the entries differs from the root stored when entries ${lastHeadSize} to ${size - 1} were committed: the first entry that differs is among them`,
        });
      }
      lastHeadSize = size;
    }
    for (const w of bySize.get(size) ?? []) {
      const root = frontier.root().toString('hex');
      if (root === w.root) {
        if (w.ok) lastGood = Math.max(lastGood, size);
        continue;
      }
      w.ok = false;
      const where = !firstDiff
        ? `; the difference is in the entries from position ${lastGood} to ${size - 1}`
        : firstDiff.from === firstDiff.to
          ? `; the first entry that differs is at position ${firstDiff.from}`
          : `; the first entry that differs is among positions ${firstDiff.from} to ${firstDiff.to}`;
      problems.push({ kind: 'checkpoint_mismatch', checkpoint: w.source, message: `${w.source}: the tree of size ${size} recomputed from the database has root ${root}, the checkpoint signed ${w.root}${where}` });
    }
  };
  atSize(0);
  for (let from = 0; ; ) {
    const page = await o.read.ledger.entries(from, PAGE);
    for (const e of page) {
      if (e.position !== frontier.size) {
        problems.push({ kind: 'entry_gap', position: frontier.size, message: `the log has no entry at position ${frontier.size} (the next stored is ${e.position}): entries were deleted` });
        // The tree cannot be recomputed past a gap.
        return finish();
      }
      const leaf = leafHash(e.entry);
      if (leaf.toString('hex') !== e.leafHash) {
        firstDiff ??= { from: e.position, to: e.position };
        problems.push({
          kind: 'leaf_mismatch',
          position: e.position,
          ...(e.caseId !== null ? { caseId: e.caseId } : {}),
          message: `entry ${e.position} (${e.kind}${e.caseId ? ` of case ${e.caseId}` : ''}) does not match its leaf hash: the entry was rewritten`,
        });
      }
      frontier.append(leaf);
      if (e.caseId !== null) {
        caseIds.add(e.caseId);
        if (e.kind === 'event') {
          let m = loggedEvents.get(e.caseId);
          if (!m) loggedEvents.set(e.caseId, (m = new Map()));
          m.set(Number(e.ref), e.position);
        }
      } else caseless.push(e);
      atSize(frontier.size);
    }
    if (page.length < PAGE) break;
    from = frontier.size;
  }
  for (const w of wanted) {
    if (w.size > frontier.size) {
      w.ok = false;
      problems.push({ kind: 'checkpoint_beyond_log', checkpoint: w.source, message: `${w.source}: signed a tree of ${w.size} entries; the database holds ${frontier.size}: entries were removed` });
    }
  }
  const head = await o.read.ledger.head();
  if (head.size !== frontier.size || head.rootHash !== frontier.root().toString('hex')) {
    problems.push({ kind: 'head_mismatch', message: `the stored head (size ${head.size}, root ${head.rootHash}) is not the tree of the stored entries (size ${frontier.size}, root ${frontier.root().toString('hex')})` });
  }

  // 3. Every case, and every case the log names.
  const ids = await o.read.cases.ids();
  const present = new Set(ids);
  for (const id of caseIds) {
    if (!present.has(id)) problems.push({ kind: 'case_missing', caseId: id, message: `case ${id} is in the log but not in the database: its rows were deleted` });
  }
  let done = 0;
  for (const id of ids) {
    const r = await verifyCase(o.read, o.registry, o.deps, id, { loggedEvents: loggedEvents.get(id) ?? new Map() });
    for (const p of r.problems) problems.push({ kind: p.kind, caseId: id, seq: p.seq, ...(p.position !== undefined ? { position: p.position } : {}), message: `case ${id} seq ${p.seq} ${p.kind}: ${p.message}` });
    o.onProgress?.(++done, ids.length);
  }
  // Messages of no case (staff digests).
  const digests: { message: import("../../storage/index.js").OutboxRecord; attempts: import("../../storage/index.js").DeliveryAttemptRecord[] }[] = [];
  for (let after = ''; ; ) {
    const page = await o.read.outbox.pageAll(after, PAGE);
    for (const m of page) if (m.caseId === null) digests.push({ message: m, attempts: await o.read.outbox.listAttempts(m.id) });
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = last.id;
  }
  for (const p of checkMessages(digests, caseless)) problems.push({ kind: p.kind, ...(p.position !== undefined ? { position: p.position } : {}), message: p.message });
  // The register of the site's mandatory content (п. 9).
  const logged = new Map(caseless.filter((e) => e.kind === 'site_content_revision').map((e) => [e.ref, e]));
  for (const r of await o.read.siteContent.all()) {
    const ref = `${r.kind}#${r.revision}`;
    const e = logged.get(ref);
    logged.delete(ref);
    if (!e) {
      problems.push({ kind: 'register_unlogged', message: `register revision ${ref} is not in the log: it was written around the engine` });
    } else if (e.entry !== siteContentEntry(r).text) {
      problems.push({ kind: 'register_mismatch', position: e.position, message: `register revision ${ref} differs from its log entry at position ${e.position}: the revision was rewritten` });
    }
  }
  for (const [ref, e] of logged) {
    problems.push({ kind: 'register_missing', position: e.position, message: `register revision ${ref} is in the log (position ${e.position}) but not in the database: it was deleted` });
  }
  return finish();

  function finish(): LedgerVerifyResult {
    return {
      ok: problems.length === 0,
      entries: frontier.size,
      cases: caseIds.size,
      checkpoints: wanted.map((w) => ({ source: w.source, size: w.size, ok: w.ok })),
      problems,
    };
  }
}
