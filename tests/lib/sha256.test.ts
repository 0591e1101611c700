/**
 * lib/sha256.ts: stored data depends on its digests (event hashes, idempotency request
 * hashes, AUTH_FILE's token hashes, the calendar data version), so they are pinned: the
 * FIPS 180-2 vectors, and UTF-8 for text outside ASCII, byte for byte as `createHash` gives.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lib/sha256.js';

describe('sha256Hex', () => {
  it('gives the FIPS 180-2 digests', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('hashes the text as UTF-8, as createHash does', () => {
    expect(sha256Hex('Қазақстан')).toBe(createHash('sha256').update(Buffer.from('Қазақстан', 'utf8')).digest('hex'));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(sha256Hex(s)).toBe(createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex'));
      }),
    );
  });
});
