/**
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2; the same tree as RFC 6962),
 * SHA-256: the hashing, the reference tree head, inclusion and consistency proofs and their
 * verifiers, and the right edge of a growing tree (`Frontier`). Issue 16: the ledger of every
 * case is one such tree. Pure: node:crypto and nothing of the project.
 *
 * Stored data depends on this file byte for byte: a leaf is SHA-256(0x00 || entry), an inner
 * node SHA-256(0x01 || left || right), the tree of n > 1 leaves splits at the largest power of
 * two below n. Hashes are 32-byte Buffers.
 *
 * Sizes and indices are JavaScript numbers: safe non-negative integers (up to 2^53 - 1), so
 * every computation here is arithmetic (division, remainder), never 32-bit bit operations.
 * The builders (rootOf, the range functions, the proofs, Frontier) throw RangeError on bad
 * arguments; the two verifiers never throw and answer false instead, because what they are
 * given comes from outside (a file, an HTTP response).
 */
import { createHash, hash } from 'node:crypto';

export const HASH_BYTES = 32;

/** MTH({}) = SHA-256() */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * SHA-256(0x00 || entry); a string is hashed as its UTF-8 bytes. One-shot `crypto.hash`
 * (Node ≥ 20.12): a leaf and a node are hashed once per log entry on the commit path, and
 * a Hash object per call cost about twice as much.
 */
export function leafHash(entry: string | Uint8Array): Buffer {
  // U+0000 is the byte 0x00 in UTF-8: the prefix and the text in one string.
  return typeof entry === 'string' ? hash('sha256', `\0${entry}`, 'buffer') : hash('sha256', Buffer.concat([LEAF_PREFIX, entry]), 'buffer');
}

/** SHA-256(0x01 || left || right) */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** MTH(D[0:n]) by the RFC's recursive definition (the reference; O(n)). */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  for (const h of leafHashes) checkHash(h, 'a leaf hash');
  if (leafHashes.length === 0) return Buffer.from(EMPTY_ROOT);
  return mth(leafHashes, 0, leafHashes.length);
}

/** Leaves [start, end) of the tree. */
export interface Range {
  start: number;
  end: number;
}

/** An aligned perfect subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface Subtree {
  level: number;
  index: number;
}

/**
 * The perfect aligned subtrees, largest first, whose right fold (foldPieces) is MTH(D[start:end]).
 * Defined for ranges that occur in the RFC recursion (start aligned to a power of two >= length);
 * throw a RangeError for others.
 *
 * Why it holds: in such a range of length L, the split point of the RFC (the largest power of
 * two k < L) leaves a perfect subtree [start, start + k) on the left and, on the right, a range
 * of the same kind (its start is a multiple of k, its length at most k). So the tree of the range
 * is the binary decomposition of L, largest piece first, folded from the right. This is how a
 * proof is served from stored subtree hashes without reading the leaves under them.
 */
export function perfectPieces(range: Range): Subtree[] {
  const { start, end } = range;
  checkCount(start, 'range start');
  checkCount(end, 'range end');
  if (end <= start) throw new RangeError(`the range [${start}, ${end}) is empty; a range holds at least one leaf`);
  const length = end - start;
  if (start !== 0 && lowestPowerOfTwo(start) < length) {
    throw new RangeError(
      `the range [${start}, ${end}) does not occur in the RFC 9162 tree: its start must be a multiple of a power of two >= its length ${length}`,
    );
  }
  const pieces: Subtree[] = [];
  let offset = start;
  let rest = length;
  while (rest > 0) {
    let size = 1;
    let level = 0;
    while (size * 2 <= rest) {
      size *= 2;
      level++;
    }
    pieces.push({ level, index: offset / size });
    offset += size;
    rest -= size;
  }
  return pieces;
}

/** Right fold: h = last; for i from len-2 down to 0: h = nodeHash(pieces[i], h). Empty → throws. */
export function foldPieces(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) throw new RangeError('foldPieces needs at least one hash');
  let h: Buffer = Buffer.from(hashes[hashes.length - 1]!);
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return h;
}

/** The ranges whose MTHs are RFC 9162 PATH(m, D[0:n]) in proof order (the order the RFC's verifier consumes). 0 <= m < n. */
export function inclusionRanges(index: number, size: number): Range[] {
  checkCount(size, 'tree size');
  checkCount(index, 'leaf index');
  if (index >= size) throw new RangeError(`leaf index ${index} is not in a tree of size ${size}`);
  const out: Range[] = [];
  path(index, 0, size, out);
  return out;
}

/** The ranges whose MTHs are RFC 9162 PROOF(m, D[0:n]) in proof order. 0 < m <= n (m === n: empty). */
export function consistencyRanges(first: number, second: number): Range[] {
  checkCount(first, 'first tree size');
  checkCount(second, 'second tree size');
  if (first === 0) throw new RangeError('a consistency proof needs a first tree size of at least 1 (RFC 9162 §2.1.4)');
  if (first > second) throw new RangeError(`the first tree size ${first} is larger than the second ${second}`);
  const out: Range[] = [];
  subproof(first, 0, second, true, out);
  return out;
}

/** Reference proofs from an array of leaf hashes (tests, small trees): MTH of each range above. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, size: number): Buffer[] {
  const ranges = inclusionRanges(index, size);
  checkLeaves(leafHashes, size);
  return ranges.map((r) => mth(leafHashes, r.start, r.end));
}

export function consistencyProof(leafHashes: readonly Uint8Array[], first: number, second: number): Buffer[] {
  const ranges = consistencyRanges(first, second);
  checkLeaves(leafHashes, second);
  return ranges.map((r) => mth(leafHashes, r.start, r.end));
}

/**
 * RFC 9162 §2.1.3.2: true iff the path proves `leaf` at `index` in the tree of `size` with `root`. Never throws on bad input (false).
 *
 * `leaf` is the leaf HASH (leafHash(entry)), as the RFC's verifier takes it. Note what the
 * algorithm proves: that `root` is the head of a tree in which the leaf sits at `index`. The
 * size steers the walk only through the shape of the path, so where two sizes give the same
 * shape (index 0 in sizes 3 and 4, say) a proof for one verifies with the other: the size is
 * bound to the root by the signed checkpoint that carries both, not by the hashes.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isCount(index) || !isCount(size) || index >= size) return false;
    if (!isHash(leaf) || !isHash(root) || !Array.isArray(path) || !path.every(isHash)) return false;
    let fn = index;
    let sn = size - 1;
    let r: Buffer = Buffer.from(leaf);
    for (const p of path) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = half(fn);
            sn = half(sn);
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && equalBytes(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 §2.1.4.2: true iff the path proves that the tree of `second` entries with
 * `secondRoot` extends the tree of `first` entries with `firstRoot`. Never throws (false).
 *
 * The RFC defines consistency proofs for 0 < first < second; the edges are decided here as:
 * - first > second: false;
 * - first === second: true iff the path is empty and the roots are equal (PROOF(n, D[n]) is
 *   empty: the RFC's verifier, which fails on an empty path, is not run);
 * - first === 0: the empty tree is a prefix of every tree, so true iff the path is empty and
 *   `firstRoot` is EMPTY_ROOT (and, if second is 0 too, `secondRoot` as well). Nothing about
 *   `secondRoot` can be proven by an empty path for second > 0: check it against a checkpoint.
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  path: readonly Uint8Array[],
): boolean {
  try {
    if (!isCount(first) || !isCount(second) || first > second) return false;
    if (!isHash(firstRoot) || !isHash(secondRoot) || !Array.isArray(path) || !path.every(isHash)) return false;
    if (first === second) return path.length === 0 && equalBytes(firstRoot, secondRoot);
    if (first === 0) return path.length === 0 && equalBytes(firstRoot, EMPTY_ROOT);
    // 1. An empty path proves nothing for 0 < first < second.
    if (path.length === 0) return false;
    // 2. If first is an exact power of 2, the first tree is a perfect subtree: its root starts the path.
    const proof: readonly Uint8Array[] = isPowerOfTwo(first) ? [firstRoot, ...path] : path;
    // 3., 4.
    let fn = first - 1;
    let sn = second - 1;
    while (fn % 2 === 1) {
      fn = half(fn);
      sn = half(sn);
    }
    // 5.
    let fr: Buffer = Buffer.from(proof[0]!);
    let sr: Buffer = Buffer.from(proof[0]!);
    // 6.
    for (let i = 1; i < proof.length; i++) {
      const c = proof[i]!;
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = half(fn);
            sn = half(sn);
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    // 7.
    return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
  } catch {
    return false;
  }
}

/**
 * The right edge of a growing tree (a "compact range"): the roots of the perfect subtrees of
 * the binary decomposition of `size`, largest first. Appending costs O(1) amortised hashes.
 *
 * With it the ledger never reads old leaves to extend the tree: the frontier after the last
 * commit (stored as JSON) and the new leaf hashes give the new root; the subtrees an append
 * completes are what a proof server stores to answer proofs with perfectPieces.
 */
export class Frontier {
  #size: number;
  #hashes: Buffer[];

  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    checkCount(size, 'frontier size');
    if (!Array.isArray(hashes)) throw new RangeError('frontier hashes must be an array');
    const want = popcount(size);
    if (hashes.length !== want) {
      throw new RangeError(`a frontier of size ${size} holds ${want} hashes (one per set bit of the size), not ${hashes.length}`);
    }
    for (const h of hashes) checkHash(h, 'a frontier hash');
    this.#size = size;
    this.#hashes = hashes.map((h) => Buffer.from(h));
  }

  get size(): number {
    return this.#size;
  }

  /** Copies: changing them does not change the frontier. */
  get hashes(): readonly Buffer[] {
    return this.#hashes.map((h) => Buffer.from(h));
  }

  /** Appends a leaf hash; returns every perfect subtree of level >= 1 this append completed ({level, index, hash}), lowest first. */
  append(leaf: Uint8Array): { level: number; index: number; hash: Buffer }[] {
    checkHash(leaf, 'a leaf hash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new RangeError('the tree is full (2^53 - 1 leaves)');
    const completed: { level: number; index: number; hash: Buffer }[] = [];
    const newSize = this.#size + 1;
    let h: Buffer = Buffer.from(leaf);
    let rest = this.#size;
    let level = 0;
    let width = 1;
    // Each set low bit of the old size is a perfect subtree of that level that the new one
    // completes: merge it, one level up, until a clear bit.
    while (rest % 2 === 1) {
      h = nodeHash(this.#hashes.pop()!, h);
      level++;
      width *= 2;
      completed.push({ level, index: newSize / width - 1, hash: Buffer.from(h) });
      rest = half(rest);
    }
    this.#hashes.push(h);
    this.#size = newSize;
    return completed;
  }

  /** MTH of the tree so far (EMPTY_ROOT when empty). */
  root(): Buffer {
    return this.#hashes.length === 0 ? Buffer.from(EMPTY_ROOT) : foldPieces(this.#hashes);
  }

  clone(): Frontier {
    return new Frontier(this.#size, this.#hashes);
  }

  /** {size, hashes: hex[]} and back (stored in the database as JSON). */
  toJSON(): { size: number; hashes: string[] } {
    return { size: this.#size, hashes: this.#hashes.map((h) => h.toString('hex')) };
  }

  static fromJSON(j: { size: number; hashes: string[] }): Frontier {
    if (j === null || typeof j !== 'object') throw new RangeError('a frontier is an object {size, hashes}');
    const { size, hashes } = j as { size: unknown; hashes: unknown };
    if (!isCount(size)) throw new RangeError('frontier size must be a non-negative safe integer');
    if (!Array.isArray(hashes)) throw new RangeError('frontier hashes must be an array of hex strings');
    const bytes = hashes.map((h: unknown, i) => {
      if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) {
        throw new RangeError(`frontier hash ${i} must be ${HASH_BYTES * 2} lowercase hex digits`);
      }
      return Buffer.from(h, 'hex');
    });
    return new Frontier(size, bytes);
  }
}

// ---- internals -------------------------------------------------------------------------------

/** MTH(D[start:end]) for end > start, by the RFC's recursion. */
function mth(leaves: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return Buffer.from(leaves[start]!) as Buffer;
  const k = splitPoint(n);
  return nodeHash(mth(leaves, start, start + k), mth(leaves, start + k, end));
}

/** PATH(m, D[start:start+n]) as ranges, appended to `out` in proof order. */
function path(m: number, start: number, n: number, out: Range[]): void {
  if (n === 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(m, start, k, out);
    out.push({ start: start + k, end: start + n });
  } else {
    path(m - k, start + k, n - k, out);
    out.push({ start, end: start + k });
  }
}

/** SUBPROOF(m, D[start:start+n], b) as ranges, appended to `out` in proof order. */
function subproof(m: number, start: number, n: number, b: boolean, out: Range[]): void {
  if (m === n) {
    if (!b) out.push({ start, end: start + n });
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(m, start, k, b, out);
    out.push({ start: start + k, end: start + n });
  } else {
    subproof(m - k, start + k, n - k, false, out);
    out.push({ start, end: start + k });
  }
}

/** The largest power of two smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two dividing x (x >= 1). */
function lowestPowerOfTwo(x: number): number {
  let p = 1;
  while (x % (p * 2) === 0) p *= 2;
  return p;
}

function isPowerOfTwo(x: number): boolean {
  return x >= 1 && lowestPowerOfTwo(x) === x;
}

function popcount(x: number): number {
  let c = 0;
  while (x > 0) {
    c += x % 2;
    x = half(x);
  }
  return c;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_BYTES;
}

function checkCount(x: number, what: string): void {
  if (!isCount(x)) throw new RangeError(`${what} must be a non-negative safe integer, got ${String(x)}`);
}

function checkHash(h: Uint8Array, what: string): void {
  if (!isHash(h)) throw new RangeError(`${what} must be ${HASH_BYTES} bytes`);
}

function checkLeaves(leafHashes: readonly Uint8Array[], size: number): void {
  if (leafHashes.length < size) throw new RangeError(`a tree of size ${size} needs ${size} leaf hashes, got ${leafHashes.length}`);
  for (let i = 0; i < size; i++) checkHash(leafHashes[i]!, 'a leaf hash');
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
