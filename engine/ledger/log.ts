/**
 * The transparency log (issue 16, docs/audit.md "The log"): one append-only RFC 9162 Merkle
 * tree over every entry of every case (engine/ledger/entries.ts), in the database.
 *
 * - Positions come from the one head row (`ledger_head`, migration 001300) that every
 *   appending transaction reads and advances: on SQLite under the database's write lock,
 *   on PostgreSQL under the row's lock. Never from a process's own counter, so processes
 *   sharing a database (issue 17) append to one tree, in commit order, without gaps.
 * - The commit queue appends a batch's entries after its last unit, in its transaction
 *   (`journal`): an event, a message, an attempt is never committed without its entry.
 * - After each appending batch the size and root are stored (`ledger_tree_heads`); the roots
 *   of complete subtrees of 2^8 and 2^16 leaves too (`ledger_nodes`), so a proof reads at
 *   most a few hundred hashes per level.
 *
 * Proofs (RFC 9162 §2.1.3, §2.1.4) are computed from the stored hashes; a verifier needs
 * nothing of ours but the entry and a signed checkpoint (lib/merkle.ts verifies them).
 */
import { EMPTY_ROOT, Frontier, consistencyRanges, foldPieces, inclusionRanges, leafHash, perfectPieces, rootOf, type Range, type Subtree } from '../../lib/merkle.js';
import type { LedgerEntryRecord, LedgerHeadRecord, LedgerNodeRecord, Repositories } from '../../storage/index.js';
import type { BatchJournal } from '../commit-queue.js';
import type { Clock } from '../clock.js';
import { EngineError } from '../errors.js';
import { eventEntry, journalRepositories, messageEntry, attemptEntry, readEntry, calendarEntry, type LogEntry } from './entries.js';

/** Levels whose complete subtrees' roots are stored (tiles of 256 leaves, and of 65,536). */
export const STORED_LEVELS: readonly number[] = [8, 16];

export interface TreeHead {
  size: number;
  /** Hex. */
  rootHash: string;
}

/** Entries read per query when the log adopts an existing database. */
const ADOPT_PAGE = 2_000;
/** At most this many entries of other processes read at a batch's start to learn which cases they changed (more: every cached case is read again). */
const FOREIGN_ENTRIES_READ = 5_000;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => Buffer.from(h, 'hex');

export class TransparencyLog implements BatchJournal<LogEntry> {
  readonly #clock: Clock;
  /**
   * The right edge after this process's last append, with the head it made: reused when the
   * head row still says exactly that (nobody else appended, the batch committed), else read
   * from the row. Saves decoding and checking it for every batch.
   */
  #edge: { size: number; rootHash: string; frontier: Frontier } | undefined;
  /** Told of the new head after each commit that appended (the checkpoint publisher). */
  onGrow: ((head: TreeHead) => void) | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  committed(appended: unknown): void {
    const head = appended as TreeHead & { from: number };
    this.#ownSize = head.size;
    for (const l of this.#ownAppends) l(head.from, head.size);
    this.onGrow?.({ size: head.size, rootHash: head.rootHash });
  }

  sizeAfter(appended: unknown): number {
    return (appended as TreeHead).size;
  }

  readonly #ownAppends = new Set<(from: number, to: number) => void>();
  /** Tells `listener` the positions [from, to) of each append of this process, once committed. */
  onOwnAppend(listener: (from: number, to: number) => void): () => void {
    this.#ownAppends.add(listener);
    return () => this.#ownAppends.delete(listener);
  }

  /** The log's size after this process's last committed append (undefined before the first). */
  #ownSize: number | undefined;

  /**
   * The cases of the entries appended since this process's last committed append, read in
   * the batch of `sink`: when other processes committed meanwhile, what they changed
   * (every change of a case is an event, and every event an entry). Undefined when it cannot
   * tell cheaply: no append of this process yet, the log shorter than that (another
   * database), or more entries than a batch reads for it.
   */
  async foreignCases(sink: LogEntry[]): Promise<ReadonlySet<string> | undefined> {
    const batch = this.#heads.get(sink);
    const own = this.#ownSize;
    if (!batch || own === undefined) return undefined;
    const head = await batch.read();
    if (head.size < own || head.size - own > FOREIGN_ENTRIES_READ) return undefined;
    if (head.size === own) return new Set();
    return new Set(await batch.repos.ledger.casesBetween(own, head.size));
  }

  /**
   * The batch's repositories through the journal. The head is read once per batch, at its
   * first logged write: the positions handed out from it and the append at the batch's end
   * use the same read (the batch holds the head from then until its commit).
   */
  wrap(repos: Repositories, sink: LogEntry[]): Repositories {
    let head: Promise<LedgerHeadRecord> | undefined;
    let size: number | undefined;
    const read = () => (head ??= repos.ledger.head().then((h) => ((size = h.size), h)));
    this.#heads.set(sink, { read, repos });
    return journalRepositories(repos, sink, () => size ?? read().then((h) => h.size));
  }

  /** The log's head read for the batch of `sink` (on PostgreSQL its write lock read it: no round trip). */
  async ready(sink: LogEntry[]): Promise<void> {
    await this.#heads.get(sink)?.read();
  }

  /** The head each batch's sink was read against (see `wrap`). */
  readonly #heads = new WeakMap<readonly LogEntry[], { read: () => Promise<LedgerHeadRecord>; repos: Repositories }>();

  /** Appends `entries` at the head, in the open transaction of `repos`; returns the new head. */
  async append(repos: Repositories, entries: readonly LogEntry[]): Promise<TreeHead & { from: number }> {
    const head = await (this.#heads.get(entries)?.read ?? (() => repos.ledger.head()))();
    const cached = this.#edge;
    this.#edge = undefined;
    const frontier =
      cached && cached.size === head.size && cached.rootHash === head.rootHash
        ? cached.frontier
        : Frontier.fromJSON(JSON.parse(head.frontierJson) as { size: number; hashes: string[] });
    if (frontier.size !== head.size) throw new Error(`the log's head says ${head.size} entries and its right edge ${frontier.size}`);
    const rows: LedgerEntryRecord[] = [];
    const nodes: LedgerNodeRecord[] = [];
    for (const e of entries) {
      const leaf = leafHash(e.text);
      rows.push({ position: frontier.size, kind: e.kind, caseId: e.caseId, ref: e.ref, entry: e.text, leafHash: hex(leaf) });
      for (const n of frontier.append(leaf)) if (STORED_LEVELS.includes(n.level)) nodes.push({ level: n.level, index: n.index, hash: hex(n.hash) });
    }
    const at = this.#clock.now().toISOString();
    const next = { size: frontier.size, rootHash: hex(frontier.root()) };
    if (!(await repos.ledger.append({ entries: rows, nodes, from: head.size, next: { ...next, frontierJson: JSON.stringify(frontier.toJSON()), updatedAt: at } }))) {
      throw new EngineError('storage_busy', 'the log moved while this batch appended to it; retry');
    }
    // Valid for the next batch only if this one commits: then the head row says `next`.
    this.#edge = { ...next, frontier };
    return { ...next, from: head.size };
  }

  /**
   * A database that had records before the log existed (migration 001300 on an older one):
   * logs every calendar install, event, message, attempt and read it holds, once, while the
   * log is still empty (the first appending transaction wins; the others find it done).
   * Returns the number of entries adopted.
   */
  async adopt(repos: Repositories): Promise<number> {
    if ((await repos.ledger.head()).size > 0) return 0;
    let n = 0;
    const add = async (entries: LogEntry[]) => {
      if (entries.length === 0) return;
      await this.append(repos, entries);
      n += entries.length;
    };
    await add((await repos.calendarVersions.list()).map(calendarEntry));
    for (let after: { caseId: string; seq: number } | undefined; ; ) {
      const page = await repos.events.pageAll(after, ADOPT_PAGE);
      // Each event gets the position its entry takes (the next ones of the log).
      for (const [i, e] of page.entries()) await repos.events.setLogPosition(e.caseId, e.seq, n + i);
      await add(page.map(eventEntry));
      const last = page.at(-1);
      if (!last || page.length < ADOPT_PAGE) break;
      after = { caseId: last.caseId, seq: last.seq };
    }
    const caseOf = new Map<string, string | null>();
    for (let after = ''; ; ) {
      const page = await repos.outbox.pageAll(after, ADOPT_PAGE);
      for (const m of page) caseOf.set(m.id, m.caseId);
      await add(page.map(messageEntry));
      const last = page.at(-1);
      if (!last || page.length < ADOPT_PAGE) break;
      after = last.id;
    }
    for (let after: { outboxId: string; attempt: number } | undefined; ; ) {
      const page = await repos.outbox.attemptsPage(after, ADOPT_PAGE);
      await add(page.map((a) => attemptEntry(a, caseOf.get(a.outboxId) ?? null)));
      const last = page.at(-1);
      if (!last || page.length < ADOPT_PAGE) break;
      after = { outboxId: last.outboxId, attempt: last.attempt };
    }
    for (let after = 0; ; ) {
      const page = await repos.reads.pageAll(after, ADOPT_PAGE);
      await add(page.map((r) => readEntry(r)));
      const last = page.at(-1);
      if (!last || page.length < ADOPT_PAGE) break;
      after = last.id;
    }
    return n;
  }

  /** The head as committed (reads outside a batch). */
  head(read: Repositories): Promise<TreeHead> {
    return read.ledger.head();
  }

  /** MTH(D[0:size]) from the stored hashes (size at most the head's). */
  async rootAt(read: Repositories, size: number): Promise<Buffer> {
    await this.#checkSize(read, size, 'size');
    return size === 0 ? EMPTY_ROOT : this.#rangeHash(read, { start: 0, end: size });
  }

  /** RFC 9162 PATH(index, D[0:size]). */
  async inclusionProof(read: Repositories, index: number, size: number): Promise<Buffer[]> {
    await this.#checkSize(read, size, 'treeSize');
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new EngineError('invalid_request', `entry must be a position from 0 to ${size - 1} (the tree of size ${size})`, { field: 'entry' });
    }
    return Promise.all(inclusionRanges(index, size).map((r) => this.#rangeHash(read, r)));
  }

  /** RFC 9162 PROOF(first, D[0:second]). */
  async consistencyProof(read: Repositories, first: number, second: number): Promise<Buffer[]> {
    await this.#checkSize(read, second, 'to');
    if (!Number.isSafeInteger(first) || first < 1 || first > second) {
      throw new EngineError('invalid_request', `from must be a tree size from 1 to ${second} (to)`, { field: 'from' });
    }
    return Promise.all(consistencyRanges(first, second).map((r) => this.#rangeHash(read, r)));
  }

  async #checkSize(read: Repositories, size: number, field: string): Promise<void> {
    const head = await read.ledger.head();
    if (!Number.isSafeInteger(size) || size < 0 || size > head.size) {
      throw new EngineError('invalid_request', `${field} must be a tree size from 0 to ${head.size} (the log's size now)`, { field });
    }
  }

  async #rangeHash(read: Repositories, range: Range): Promise<Buffer> {
    const pieces = perfectPieces(range);
    return foldPieces(await Promise.all(pieces.map((p) => this.#subtreeHash(read, p))));
  }

  /** The root of a complete aligned subtree: stored, or hashed from the stored level below it. */
  async #subtreeHash(read: Repositories, t: Subtree): Promise<Buffer> {
    const base = [...STORED_LEVELS].reverse().find((l) => l <= t.level) ?? 0;
    const width = 2 ** (t.level - base);
    const start = t.index * width;
    const hashes = base === 0 ? await read.ledger.leafHashes(start, start + width) : await read.ledger.nodes(base, start, start + width);
    if (hashes.length !== width) throw new Error(`the log is missing hashes of level ${base} from ${start} (${hashes.length} of ${width})`);
    return width === 1 ? fromHex(hashes[0]!) : rootOf(hashes.map(fromHex));
  }
}
