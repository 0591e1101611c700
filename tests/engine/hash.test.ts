import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, GENESIS_HASH } from '../../engine/hash.js';

const shuffleKeys = (v: unknown, seed: number): unknown => {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, seed));
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    const rotated = keys.slice(seed % Math.max(1, keys.length)).concat(keys.slice(0, seed % Math.max(1, keys.length))).reverse();
    return Object.fromEntries(rotated.map((k) => [k, shuffleKeys((v as Record<string, unknown>)[k], seed)]));
  }
  return v;
};

/** The definition canonicalJson had until it was rewritten as one walk (stored hashes depend on it). */
function canonicalJsonReference(value: unknown): string {
  const sortDeep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortDeep);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sortDeep((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sortDeep(JSON.parse(JSON.stringify(value ?? null))));
}

/** Values JSON.stringify treats specially, mixed into JSON: undefined, NaN, Dates, array-index keys. */
const awkward = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, new Date(Date.UTC(2025, 2, 6)), () => 1),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '2', '01', '4294967294', '4294967295', '-1', '1.5', '__proto__', '__proto__x')), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

describe('hash chain', () => {
  it('should write canonical JSON exactly as its reference definition, for any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), awkward), (v) => {
        let reference: string;
        try {
          reference = canonicalJsonReference(v);
        } catch {
          expect(() => canonicalJson(v)).toThrow(SyntaxError);
          return;
        }
        expect(canonicalJson(v)).toBe(reference);
      }),
      { numRuns: Number(process.env.HASH_RUNS ?? 2000) },
    );
    // Array-index keys come first, in numeric order, as a rebuilt object enumerates them.
    expect(canonicalJson({ b: 1, 10: 2, 2: 3, a: { z: 1, 0: 0 } })).toBe('{"2":3,"10":2,"a":{"0":0,"z":1},"b":1}');
    // An own `__proto__` member (JSON.parse makes one) was dropped by the definition's rebuild.
    expect(canonicalJson(JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toBe('{"a":1}');
  });

  it('should give the same canonical JSON whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (v, seed) => {
        expect(canonicalJson(shuffleKeys(v, seed))).toBe(canonicalJson(v));
      }),
    );
  });

  it('should change the hash when any field or the previous hash changes', () => {
    const base = {
      caseId: 'c',
      seq: 1,
      type: 'comment',
      payload: { text: 'a', n: [1, 2] },
      role: 'unit',
      actor: 'u',
      occurredAt: '2025-03-06T05:00:00.000Z',
      recordedAt: '2025-03-06T05:00:00.000Z',
      prevHash: GENESIS_HASH,
    };
    const h = eventHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash({ ...base, payload: { n: [1, 2], text: 'a' } })).toBe(h);
    for (const change of [{ seq: 2 }, { type: 'x' }, { payload: { text: 'b', n: [1, 2] } }, { role: 'car' }, { actor: 'v' }, { occurredAt: 'x' }, { recordedAt: 'x' }, { prevHash: 'f'.repeat(64) }, { caseId: 'd' }]) {
      expect(eventHash({ ...base, ...change })).not.toBe(h);
    }
  });
});
