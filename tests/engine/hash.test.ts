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

describe('hash chain', () => {
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
