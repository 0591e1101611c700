/**
 * lib/merkle.ts (issue 16 §1, §3, §6): the RFC 9162 tree, proofs and verifiers.
 *
 * Three kinds of evidence: the published vectors of the Certificate Transparency reference
 * implementation (eight leaves, their roots, some proofs); trees written out by hand from the
 * RFC's definition; and property tests (fast-check) for random sizes, where each mutation of
 * a proof (a flipped bit anywhere, another index or size) must make it fail. Where the RFC's
 * verifier legitimately accepts another size (the shape of the path is the same, see
 * verifyInclusion), the test holds it equal to an independent evaluator written from the
 * recursive definitions (PATH, SUBPROOF) instead of the RFC's bit-walking algorithm.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  Frontier,
  HASH_BYTES,
  consistencyProof,
  consistencyRanges,
  foldPieces,
  inclusionProof,
  inclusionRanges,
  leafHash,
  nodeHash,
  perfectPieces,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type Range,
} from '../../lib/merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h = (s: string) => Buffer.from(s, 'hex');

/** One fixed sequence of leaf hashes: every tree of size n in these tests is its prefix. */
const MAX = 2000;
const LEAVES = Array.from({ length: MAX }, (_, i) => leafHash(`entry ${i}`));

/** Certificate Transparency's test leaves (merkle_tree_test) and the roots of their prefixes. */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (x) => leafHash(h(x)),
);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Independent of lib/merkle's recursion: the root a PATH(m, D[n]) leads to, by the definition, or null if the path has the wrong length. */
function pathRoot(leaf: Buffer, m: number, n: number, path: readonly Buffer[]): Buffer | null {
  if (n === 1) return path.length === 0 ? leaf : null;
  if (path.length === 0) return null;
  let k = 1;
  while (k * 2 < n) k *= 2;
  const last = path[path.length - 1]!;
  const rest = path.slice(0, -1);
  if (m < k) {
    const left = pathRoot(leaf, m, k, rest);
    return left && nodeHash(left, last);
  }
  const right = pathRoot(leaf, m - k, n - k, rest);
  return right && nodeHash(last, right);
}

/** The (old, new) roots a PROOF(m, D[n]) leads to by SUBPROOF's definition, or null on a wrong length. */
function subproofRoots(m: number, n: number, b: boolean, firstRoot: Buffer, proof: readonly Buffer[]): [Buffer, Buffer] | null {
  if (m === n) {
    if (b) return proof.length === 0 ? [firstRoot, firstRoot] : null;
    return proof.length === 1 ? [proof[0]!, proof[0]!] : null;
  }
  if (proof.length === 0) return null;
  let k = 1;
  while (k * 2 < n) k *= 2;
  const last = proof[proof.length - 1]!;
  const rest = proof.slice(0, -1);
  if (m <= k) {
    const sub = subproofRoots(m, k, b, firstRoot, rest);
    return sub && [sub[0], nodeHash(sub[1], last)];
  }
  const sub = subproofRoots(m - k, n - k, false, firstRoot, rest);
  return sub && [nodeHash(last, sub[0]), nodeHash(last, sub[1])];
}

function flipBit(b: Uint8Array, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

describe('hashing and the tree head', () => {
  it('hashes leaves and nodes with the RFC 6962/9162 domain separation bytes', () => {
    expect(HASH_BYTES).toBe(32);
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
    // SHA-256(0x00) and SHA-256(0x00 || "a"): a string is its UTF-8 bytes.
    expect(hex(leafHash(''))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(leafHash('ä')).toEqual(leafHash(Buffer.from('c3a4', 'hex')));
    expect(nodeHash(CT_LEAVES[0]!, CT_LEAVES[1]!)).toEqual(h(CT_ROOTS[2]!));
  });

  it('gives the roots published with the Certificate Transparency reference implementation', () => {
    for (let n = 0; n <= 8; n++) expect(hex(rootOf(CT_LEAVES.slice(0, n)))).toBe(CT_ROOTS[n]);
  });

  it('splits at the largest power of two below n (trees of 3, 5, 6 and 7 leaves written out by hand)', () => {
    const [a, b, c, d, e, f, g] = LEAVES as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    const ab = nodeHash(a, b);
    const cd = nodeHash(c, d);
    const abcd = nodeHash(ab, cd);
    expect(rootOf([a])).toEqual(a);
    expect(rootOf([a, b, c])).toEqual(nodeHash(ab, c));
    expect(rootOf([a, b, c, d, e])).toEqual(nodeHash(abcd, e));
    expect(rootOf([a, b, c, d, e, f])).toEqual(nodeHash(abcd, nodeHash(e, f)));
    expect(rootOf([a, b, c, d, e, f, g])).toEqual(nodeHash(abcd, nodeHash(nodeHash(e, f), g)));
  });

  it('refuses leaf hashes that are not 32 bytes', () => {
    expect(() => rootOf([Buffer.alloc(31)])).toThrow(RangeError);
  });
});

describe('Frontier', () => {
  it('has the root of rootOf for every size 0..300, and the binary decomposition as hashes', () => {
    const f = new Frontier();
    expect(f.root()).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= 300; n++) {
      f.append(LEAVES[n - 1]!);
      expect(f.size).toBe(n);
      expect(f.root()).toEqual(rootOf(LEAVES.slice(0, n)));
      const pieces = perfectPieces({ start: 0, end: n });
      expect(f.hashes.map(hex)).toEqual(
        pieces.map((p) => hex(rootOf(LEAVES.slice(p.index * 2 ** p.level, (p.index + 1) * 2 ** p.level)))),
      );
    }
  });

  it('equals rootOf for random sizes up to 2000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), (n) => {
        const f = new Frontier();
        for (let i = 0; i < n; i++) f.append(LEAVES[i]!);
        expect(f.root()).toEqual(rootOf(LEAVES.slice(0, n)));
      }),
      { numRuns: 40 },
    );
  });

  it('returns from append exactly the perfect subtrees of level >= 1 it completed, lowest first, each equal to rootOf of its leaves', () => {
    const f = new Frontier();
    const seen = new Set<string>();
    for (let n = 1; n <= 1100; n++) {
      const done = f.append(LEAVES[n - 1]!);
      // The subtrees ending at leaf n: one per trailing zero bit of n.
      const expected: { level: number; index: number }[] = [];
      for (let level = 1; n % 2 ** level === 0; level++) expected.push({ level, index: n / 2 ** level - 1 });
      expect(done.map(({ level, index }) => ({ level, index }))).toEqual(expected);
      for (const s of done) {
        const width = 2 ** s.level;
        expect(s.hash).toEqual(rootOf(LEAVES.slice(s.index * width, (s.index + 1) * width)));
        seen.add(`${s.level}/${s.index}`);
      }
    }
    // Together: every aligned perfect subtree of level >= 1 inside the 1100 leaves, once.
    let count = 0;
    for (let level = 1; 2 ** level <= 1100; level++) count += Math.floor(1100 / 2 ** level);
    expect(seen.size).toBe(count);
  });

  it('round-trips through JSON and clone, and the copies are independent', () => {
    const f = new Frontier();
    for (let i = 0; i < 13; i++) f.append(LEAVES[i]!);
    const j = JSON.parse(JSON.stringify(f)) as { size: number; hashes: string[] };
    expect(j.size).toBe(13);
    expect(j.hashes).toHaveLength(3);
    const g = Frontier.fromJSON(j);
    expect(g.root()).toEqual(f.root());
    const c = f.clone();
    c.append(LEAVES[13]!);
    expect(f.size).toBe(13);
    expect(c.root()).toEqual(rootOf(LEAVES.slice(0, 14)));
    g.hashes[0]!.fill(0);
    expect(g.root()).toEqual(f.root());
    // Resumed from its JSON, a frontier goes on as if it had never stopped.
    g.append(LEAVES[13]!);
    expect(g.root()).toEqual(c.root());
  });

  it('refuses a size and hash count that do not match, bad hashes and bad JSON with RangeError', () => {
    expect(() => new Frontier(3, [LEAVES[0]!])).toThrow(/holds 2 hashes/);
    expect(() => new Frontier(1, [Buffer.alloc(31)])).toThrow(RangeError);
    expect(() => new Frontier(-1, [])).toThrow(RangeError);
    expect(() => new Frontier(1.5, [])).toThrow(RangeError);
    expect(() => new Frontier(2 ** 53, [])).toThrow(RangeError);
    expect(() => new Frontier().append(Buffer.alloc(33))).toThrow(RangeError);
    const ok = new Frontier(1, [LEAVES[0]!]).toJSON();
    expect(() => Frontier.fromJSON({ ...ok, size: 3 })).toThrow(RangeError);
    expect(() => Frontier.fromJSON({ size: 1, hashes: ['zz'] })).toThrow(/hex/);
    expect(() => Frontier.fromJSON({ size: 1, hashes: [ok.hashes[0]!.toUpperCase()] })).toThrow(RangeError);
    expect(() => Frontier.fromJSON({ size: '1', hashes: ok.hashes } as never)).toThrow(RangeError);
    expect(() => Frontier.fromJSON(null as never)).toThrow(RangeError);
    expect(() => Frontier.fromJSON({ size: 1 } as never)).toThrow(RangeError);
  });

  it('handles sizes beyond 2^32 (no 32-bit arithmetic)', () => {
    // A frontier of 2^32 + 1 leaves: two subtrees; the next append completes a level-1 subtree at index 2^31.
    const f = new Frontier(2 ** 32 + 1, [LEAVES[0]!, LEAVES[1]!]);
    const done = f.append(LEAVES[2]!);
    expect(done).toEqual([{ level: 1, index: 2 ** 31, hash: nodeHash(LEAVES[1]!, LEAVES[2]!) }]);
    expect(f.size).toBe(2 ** 32 + 2);
    expect(f.root()).toEqual(nodeHash(LEAVES[0]!, nodeHash(LEAVES[1]!, LEAVES[2]!)));
  });
});

describe('perfectPieces and foldPieces', () => {
  const sliceRoot = (r: Range) => rootOf(LEAVES.slice(r.start, r.end));
  const subtrees = new Map<string, Buffer>();
  const subtree = (level: number, index: number): Buffer => {
    const key = `${level}/${index}`;
    let s = subtrees.get(key);
    if (!s) subtrees.set(key, (s = rootOf(LEAVES.slice(index * 2 ** level, (index + 1) * 2 ** level))));
    return s;
  };
  const fold = (r: Range) => foldPieces(perfectPieces(r).map((p) => subtree(p.level, p.index)));

  it('fold to rootOf of the slice for every range of every proof of trees up to 300 leaves', () => {
    const ranges = new Map<string, Range>();
    for (let n = 1; n <= 300; n++) {
      for (let m = 0; m < n; m++) for (const r of inclusionRanges(m, n)) ranges.set(`${r.start}-${r.end}`, r);
      for (let m = 1; m <= n; m++) for (const r of consistencyRanges(m, n)) ranges.set(`${r.start}-${r.end}`, r);
    }
    for (const r of ranges.values()) expect(hex(fold(r))).toBe(hex(sliceRoot(r)));
    expect(ranges.size).toBeGreaterThan(1000);
  });

  it('fold to rootOf of the slice for random aligned ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 1 << 10 }), fc.integer({ min: 1, max: 1 << 10 }), (lg, a, len) => {
        const align = 2 ** lg;
        const length = Math.min(len, align);
        const start = (a % Math.floor(MAX / align)) * align;
        const r = { start, end: Math.min(start + length, MAX) };
        fc.pre(r.end > r.start);
        const pieces = perfectPieces(r);
        // Largest first, contiguous, covering the range.
        let at = r.start;
        for (const [i, p] of pieces.entries()) {
          expect(p.index * 2 ** p.level).toBe(at);
          if (i > 0) expect(p.level).toBeLessThan(pieces[i - 1]!.level);
          at += 2 ** p.level;
        }
        expect(at).toBe(r.end);
        expect(fold(r)).toEqual(sliceRoot(r));
      }),
    );
  });

  it('lists the pieces of a range by hand', () => {
    expect(perfectPieces({ start: 0, end: 13 })).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectPieces({ start: 8, end: 15 })).toEqual([
      { level: 2, index: 2 },
      { level: 1, index: 6 },
      { level: 0, index: 14 },
    ]);
  });

  it('throws RangeError for ranges that are not in the RFC recursion, empty ranges and an empty fold', () => {
    expect(() => perfectPieces({ start: 1, end: 3 })).toThrow(RangeError);
    expect(() => perfectPieces({ start: 4, end: 9 })).toThrow(RangeError);
    expect(() => perfectPieces({ start: 6, end: 9 })).toThrow(RangeError);
    expect(() => perfectPieces({ start: 3, end: 3 })).toThrow(RangeError);
    expect(() => perfectPieces({ start: -2, end: 0 })).toThrow(RangeError);
    expect(() => foldPieces([])).toThrow(RangeError);
  });
});

describe('proof ranges', () => {
  it('are the RFC 9162 §2.1.5 examples (the tree of 7 leaves)', () => {
    // PATH(0, D[7]) = [d1, MTH(D[2:4]), MTH(D[4:7])]; PATH(3, D[7]) = [d2, MTH(D[0:2]), MTH(D[4:7])];
    // PATH(4, D[7]) = [d5, d6, MTH(D[0:4])]; PATH(6, D[7]) = [MTH(D[4:6]), MTH(D[0:4])].
    const r = (s: number, e: number) => ({ start: s, end: e });
    expect(inclusionRanges(0, 7)).toEqual([r(1, 2), r(2, 4), r(4, 7)]);
    expect(inclusionRanges(3, 7)).toEqual([r(2, 3), r(0, 2), r(4, 7)]);
    expect(inclusionRanges(4, 7)).toEqual([r(5, 6), r(6, 7), r(0, 4)]);
    expect(inclusionRanges(6, 7)).toEqual([r(4, 6), r(0, 4)]);
    // PROOF(3, D[7]) = [c, d, g, l] = [d2, d3, MTH(D[0:2]), MTH(D[4:7])];
    // PROOF(4, D[7]) = [l] = [MTH(D[4:7])]; PROOF(6, D[7]) = [i, j, k] = [MTH(D[4:6]), d6, MTH(D[0:4])].
    expect(consistencyRanges(3, 7)).toEqual([r(2, 3), r(3, 4), r(0, 2), r(4, 7)]);
    expect(consistencyRanges(4, 7)).toEqual([r(4, 7)]);
    expect(consistencyRanges(6, 7)).toEqual([r(4, 6), r(6, 7), r(0, 4)]);
    expect(consistencyRanges(7, 7)).toEqual([]);
    expect(inclusionRanges(0, 1)).toEqual([]);
  });

  it('give the proofs published with the CT reference implementation', () => {
    expect(inclusionProof(CT_LEAVES, 0, 7).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e',
    ]);
    expect(consistencyProof(CT_LEAVES, 1, 8).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(consistencyProof(CT_LEAVES, 6, 8).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(consistencyProof(CT_LEAVES, 2, 5).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
    expect(verifyConsistency(6, 8, h(CT_ROOTS[6]!), h(CT_ROOTS[8]!), consistencyProof(CT_LEAVES, 6, 8))).toBe(true);
    expect(verifyConsistency(6, 8, h(CT_ROOTS[5]!), h(CT_ROOTS[8]!), consistencyProof(CT_LEAVES, 6, 8))).toBe(false);
  });

  it('throw RangeError outside 0 <= m < n (inclusion) and 0 < m <= n (consistency)', () => {
    expect(() => inclusionRanges(3, 3)).toThrow(RangeError);
    expect(() => inclusionRanges(-1, 3)).toThrow(RangeError);
    expect(() => inclusionRanges(0, 0)).toThrow(RangeError);
    expect(() => inclusionRanges(0.5, 3)).toThrow(RangeError);
    expect(() => consistencyRanges(0, 3)).toThrow(RangeError);
    expect(() => consistencyRanges(4, 3)).toThrow(RangeError);
    expect(() => consistencyRanges(1, Number.NaN)).toThrow(RangeError);
    expect(() => inclusionProof(LEAVES.slice(0, 3), 0, 4)).toThrow(RangeError);
    expect(() => consistencyProof(LEAVES.slice(0, 3), 1, 4)).toThrow(RangeError);
  });

  it('are logarithmic for sizes near 2^53 (no 32-bit arithmetic)', () => {
    const n = Number.MAX_SAFE_INTEGER;
    // Depth 53 for the first leaf; the last leaf of a size of 53 set bits is a piece of its own beside 52 others.
    expect(inclusionRanges(0, n)).toHaveLength(53);
    const ranges = inclusionRanges(n - 1, n);
    expect(ranges).toHaveLength(52);
    for (const r of ranges) expect(perfectPieces(r).length).toBeGreaterThan(0);
    expect(consistencyRanges(2 ** 40 + 3, n).length).toBeLessThanOrEqual(2 * 53);
  });
});

describe('verifyInclusion (property tests)', () => {
  const sizeAndIndex = fc.integer({ min: 1, max: MAX }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

  it('accepts every proof of inclusionProof against rootOf', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([n, m]) => {
        const root = rootOf(LEAVES.slice(0, n));
        expect(verifyInclusion(LEAVES[m]!, m, n, inclusionProof(LEAVES, m, n), root)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every proof in every tree up to 64 leaves', () => {
    for (let n = 1; n <= 64; n++) {
      const root = rootOf(LEAVES.slice(0, n));
      for (let m = 0; m < n; m++) expect(verifyInclusion(LEAVES[m]!, m, n, inclusionProof(LEAVES, m, n), root)).toBe(true);
    }
  });

  it('rejects the proof with ANY single bit flipped in any path element, the leaf or the root', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([n, m]) => {
        const root = rootOf(LEAVES.slice(0, n));
        const proof = inclusionProof(LEAVES, m, n);
        const leaf = LEAVES[m]!;
        for (let bit = 0; bit < 256; bit++) {
          expect(verifyInclusion(flipBit(leaf, bit), m, n, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, m, n, proof, flipBit(root, bit))).toBe(false);
          for (let i = 0; i < proof.length; i++) {
            const bad = proof.slice();
            bad[i] = flipBit(proof[i]!, bit);
            expect(verifyInclusion(leaf, m, n, bad, root)).toBe(false);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('rejects the proof at any other index of the same tree', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 0, max: MAX }), ([n, m], other) => {
        fc.pre(n > 1);
        const m2 = other % n === m ? (m + 1) % n : other % n;
        const root = rootOf(LEAVES.slice(0, n));
        expect(verifyInclusion(LEAVES[m]!, m2, n, inclusionProof(LEAVES, m, n), root)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('at another size, accepts exactly where the path has the same shape (the recursive definition agrees), else rejects', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 1, max: 4 * MAX }), ([n, m], n2) => {
        fc.pre(n2 !== n);
        const root = rootOf(LEAVES.slice(0, n));
        const proof = inclusionProof(LEAVES, m, n);
        const got = verifyInclusion(LEAVES[m]!, m, n2, proof, root);
        const ref = m < n2 ? pathRoot(LEAVES[m]!, m, n2, proof) : null;
        expect(got).toBe(ref !== null && ref.equals(root));
        if (got) accepted++;
        else rejected++;
      }),
      { numRuns: 500 },
    );
    expect(rejected).toBeGreaterThan(0);
    // The documented case: index 0 of 3 leaves and of 4 have paths of the same shape.
    const p3 = inclusionProof(LEAVES, 0, 3);
    expect(verifyInclusion(LEAVES[0]!, 0, 4, p3, rootOf(LEAVES.slice(0, 3)))).toBe(true);
    expect(accepted + rejected).toBeGreaterThan(0);
  });

  it('rejects a path one element short or long, and never throws on nonsense', () => {
    const root = rootOf(LEAVES.slice(0, 100));
    const proof = inclusionProof(LEAVES, 37, 100);
    expect(verifyInclusion(LEAVES[37]!, 37, 100, proof.slice(1), root)).toBe(false);
    expect(verifyInclusion(LEAVES[37]!, 37, 100, proof.slice(0, -1), root)).toBe(false);
    expect(verifyInclusion(LEAVES[37]!, 37, 100, [...proof, root], root)).toBe(false);
    expect(verifyInclusion(LEAVES[37]!, 100, 100, proof, root)).toBe(false);
    expect(verifyInclusion(LEAVES[37]!, -1, 100, proof, root)).toBe(false);
    // A one-leaf tree: the leaf is the root, the path is empty.
    expect(verifyInclusion(LEAVES[0]!, 0, 1, [], LEAVES[0]!)).toBe(true);
    expect(verifyInclusion(LEAVES[0]!, 0, 1, [LEAVES[0]!], LEAVES[0]!)).toBe(false);
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), fc.anything(), (a, b, c, d, e) => {
        expect(() => verifyInclusion(a as never, b as never, c as never, d as never, e as never)).not.toThrow();
        expect(verifyInclusion(LEAVES[37]!, 37, 100, [proof[0]!, a as never], root)).toBe(false);
      }),
    );
    expect(verifyInclusion(LEAVES[37]!, 37, 100, [...proof.slice(0, -1), Buffer.alloc(31)], root)).toBe(false);
  });
});

describe('verifyConsistency (property tests)', () => {
  const sizes = fc.integer({ min: 1, max: MAX }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

  it('accepts every consistencyProof between the rootOf of both sizes', () => {
    fc.assert(
      fc.property(sizes, ([m, n]) => {
        const proof = consistencyProof(LEAVES, m, n);
        expect(verifyConsistency(m, n, rootOf(LEAVES.slice(0, m)), rootOf(LEAVES.slice(0, n)), proof)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every proof between trees up to 64 leaves', () => {
    for (let n = 1; n <= 64; n++) {
      const r2 = rootOf(LEAVES.slice(0, n));
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(m, n, rootOf(LEAVES.slice(0, m)), r2, consistencyProof(LEAVES, m, n))).toBe(true);
      }
    }
  });

  it('rejects the proof with ANY single bit flipped in any path element or either root', () => {
    fc.assert(
      fc.property(sizes, ([m, n]) => {
        const r1 = rootOf(LEAVES.slice(0, m));
        const r2 = rootOf(LEAVES.slice(0, n));
        const proof = consistencyProof(LEAVES, m, n);
        for (let bit = 0; bit < 256; bit++) {
          expect(verifyConsistency(m, n, flipBit(r1, bit), r2, proof)).toBe(false);
          expect(verifyConsistency(m, n, r1, flipBit(r2, bit), proof)).toBe(false);
          for (let i = 0; i < proof.length; i++) {
            const bad = proof.slice();
            bad[i] = flipBit(proof[i]!, bit);
            expect(verifyConsistency(m, n, r1, r2, bad)).toBe(false);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('at other sizes, agrees with the recursive definition (SUBPROOF), and rejects whatever changes the proof shape', () => {
    let rejected = 0;
    fc.assert(
      fc.property(sizes, fc.integer({ min: 0, max: 2 * MAX }), fc.integer({ min: 0, max: 2 * MAX }), fc.boolean(), ([m, n], a, b, which) => {
        const [m2, n2] = which ? [a, n] : [m, b];
        fc.pre(m2 !== m || n2 !== n);
        const r1 = rootOf(LEAVES.slice(0, m));
        const r2 = rootOf(LEAVES.slice(0, n));
        const proof = consistencyProof(LEAVES, m, n);
        const got = verifyConsistency(m2, n2, r1, r2, proof);
        let want: boolean;
        if (m2 > n2) want = false;
        else if (m2 === n2) want = proof.length === 0 && r1.equals(r2);
        else if (m2 === 0) want = proof.length === 0 && r1.equals(EMPTY_ROOT);
        else {
          const ref = subproofRoots(m2, n2, true, r1, proof);
          want = ref !== null && proof.length > 0 && ref[0].equals(r1) && ref[1].equals(r2);
        }
        expect(got).toBe(want);
        if (!got) rejected++;
      }),
      { numRuns: 500 },
    );
    expect(rejected).toBeGreaterThan(0);
  });

  it('decides the edges: equal sizes, the empty tree, a larger first size, an empty path, nonsense', () => {
    const r5 = rootOf(LEAVES.slice(0, 5));
    const r8 = rootOf(LEAVES.slice(0, 8));
    expect(verifyConsistency(5, 5, r5, r5, [])).toBe(true);
    expect(verifyConsistency(5, 5, r5, r8, [])).toBe(false);
    expect(verifyConsistency(5, 5, r5, r5, [r5])).toBe(false);
    expect(verifyConsistency(0, 8, EMPTY_ROOT, r8, [])).toBe(true);
    expect(verifyConsistency(0, 8, r5, r8, [])).toBe(false);
    expect(verifyConsistency(0, 8, EMPTY_ROOT, r8, [r8])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
    expect(verifyConsistency(8, 5, r8, r5, consistencyProof(LEAVES, 5, 8))).toBe(false);
    expect(verifyConsistency(5, 8, r5, r8, [])).toBe(false);
    // 4 is a power of two: its root is not in the proof, and the proof of 4 → 8 is [MTH(D[4:8])].
    expect(consistencyProof(LEAVES, 4, 8)).toEqual([rootOf(LEAVES.slice(4, 8))]);
    expect(verifyConsistency(4, 8, rootOf(LEAVES.slice(0, 4)), r8, consistencyProof(LEAVES, 4, 8))).toBe(true);
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), fc.anything(), (a, b, c, d, e) => {
        expect(() => verifyConsistency(a as never, b as never, c as never, d as never, e as never)).not.toThrow();
        expect(verifyConsistency(5, 8, r5, r8, [a as never])).toBe(false);
      }),
    );
  });
});
