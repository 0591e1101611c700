import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calendarDataVersion } from '../../calendars/index.js';
import { validateCalendarData } from '../../calendars/data-schema.js';
import * as engineHash from '../../engine/hash.js';
import { eventHash, GENESIS_HASH } from '../../engine/hash.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sha256Hex } from '../../lib/sha256.js';
import * as auth from '../../server/auth.js';

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

/**
 * The calendar's own copy, as calendars/index.ts had it until it used lib/ (the calendar
 * data version depends on it): entries sorted with `<`, undefined members dropped.
 */
function calendarCanonicalJsonReference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(calendarCanonicalJsonReference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${calendarCanonicalJsonReference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The digests as engine/hash.ts and server/auth.ts each wrote them before lib/sha256.ts. */
const engineSha256Reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const authSha256Reference = (text: string) => createHash('sha256').update(text).digest('hex');

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * JSON shaped like calendar data: objects keyed either by identifiers (never array
 * indexes, never `__proto__`) or, like `yearNotes`, by four-digit years only.
 */
const calendarLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => !ARRAY_INDEX.test(k) && k !== '__proto__'), tie('value'), { maxKeys: 5 }),
    fc.dictionary(fc.integer({ min: 1000, max: 9999 }).map(String), tie('value'), { maxKeys: 5 }),
  ),
})).value;

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

  it("should write canonical JSON exactly as the calendar's former copy, for calendar-shaped data", () => {
    fc.assert(
      fc.property(calendarLike, (v) => {
        expect(canonicalJson(v)).toBe(calendarCanonicalJsonReference(v));
      }),
      { numRuns: Number(process.env.HASH_RUNS ?? 2000) },
    );
    // The shipped data itself, raw and as validated (the version hashes the validated data).
    const raw = JSON.parse(readFileSync(new URL('../../calendars/data/kz.json', import.meta.url), 'utf8')) as unknown;
    const data = validateCalendarData(raw, 'kz.json');
    expect(canonicalJson(raw)).toBe(calendarCanonicalJsonReference(raw));
    expect(canonicalJson(data)).toBe(calendarCanonicalJsonReference(data));
    expect(calendarDataVersion(data)).toBe(`kz-${engineSha256Reference(calendarCanonicalJsonReference(data)).slice(0, 12)}`);
    // Outside that shape the copies differed (array-index keys of different lengths): the
    // shared one keeps the engine's order, which stored event hashes depend on.
    expect(canonicalJson({ 10: 'a', 9: 'b' })).toBe('{"9":"b","10":"a"}');
    expect(calendarCanonicalJsonReference({ 10: 'a', 9: 'b' })).toBe('{"10":"a","9":"b"}');
  });

  it('should digest as both former sha256Hex copies did', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(sha256Hex(text)).toBe(engineSha256Reference(text));
        expect(sha256Hex(text)).toBe(authSha256Reference(text));
      }),
    );
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('қ')).toBe(engineSha256Reference('қ'));
  });

  it('should be the one implementation: the engine and the server re-export lib/, not a copy', () => {
    expect(engineHash.canonicalJson).toBe(canonicalJson);
    expect(engineHash.sha256Hex).toBe(sha256Hex);
    expect(auth.sha256Hex).toBe(sha256Hex);
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
