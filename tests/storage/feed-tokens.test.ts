/**
 * The feed tokens' storage (migration 2026_12_03_001100, storage/repositories/feed-tokens.ts):
 * only hashes, one active token per person enforced by the database, revocation keeps the row.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../storage/index.js';

let storage: Storage;
beforeEach(async () => {
  storage = await openStorage({ path: ':memory:' });
});
afterEach(async () => storage.close());

const write = async <T>(fn: (repos: Storage['read']) => Promise<T>): Promise<T> => {
  const batch = await storage.beginBatch();
  try {
    const out = await fn(batch.repos);
    await batch.commit();
    return out;
  } catch (e) {
    await batch.rollback();
    throw e;
  }
};

const rec = (userName: string, hash: string, createdAt = '2025-03-06T05:00:00.000Z') => ({ userName, tokenSha256: hash.repeat(64).slice(0, 64), createdAt, revokedAt: null });

describe('feed tokens', () => {
  it('finds the active token by person and by hash; a revoked one by neither', async () => {
    await write((r) => r.feedTokens.insert(rec('anna', 'a')));
    expect(await storage.read.feedTokens.activeOf('anna')).toEqual(rec('anna', 'a'));
    expect((await storage.read.feedTokens.activeByHash('a'.repeat(64)))?.userName).toBe('anna');
    expect(await write((r) => r.feedTokens.revoke('anna', '2025-03-07T00:00:00.000Z'))).toBe(true);
    expect(await storage.read.feedTokens.activeOf('anna')).toBeUndefined();
    expect(await storage.read.feedTokens.activeByHash('a'.repeat(64))).toBeUndefined();
    expect(await write((r) => r.feedTokens.revoke('anna', '2025-03-08T00:00:00.000Z'))).toBe(false);
  });

  it('refuses a second active token of the same person, and the same hash twice', async () => {
    await write((r) => r.feedTokens.insert(rec('anna', 'a')));
    await expect(write((r) => r.feedTokens.insert(rec('anna', 'b')))).rejects.toThrow();
    await expect(write((r) => r.feedTokens.insert(rec('boris', 'a')))).rejects.toThrow();
    // After revoking, a new one is fine, and the old row stays.
    await write(async (r) => {
      await r.feedTokens.revoke('anna', '2025-03-07T00:00:00.000Z');
      await r.feedTokens.insert(rec('anna', 'c', '2025-03-07T00:00:00.000Z'));
    });
    expect((await storage.read.feedTokens.activeOf('anna'))?.tokenSha256).toBe('c'.repeat(64));
  });
});
