import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerToken, ensureDevAuthFile, HUMAN_ROLES, loadAuthFile, sha256Hex } from '../../server/auth.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qi-auth-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('auth files', () => {
  it('should create a development file with one demo user per role and give the tokens once', () => {
    const path = join(dir, 'data', 'auth.dev.json');
    const first = ensureDevAuthFile(path);
    expect(first.created?.map((u) => u.roles[0])).toEqual(HUMAN_ROLES);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const stored = readFileSync(path, 'utf8');
    for (const u of first.created!) {
      expect(stored).not.toContain(u.token);
      expect(stored).toContain(sha256Hex(u.token));
      expect(first.directory.byToken(u.token)).toEqual({ name: u.name, roles: u.roles });
    }
    const second = ensureDevAuthFile(path);
    expect(second.created).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(stored);
    expect(second.directory.byToken(first.created![0]!.token)?.name).toBe(first.created![0]!.name);
  });

  it('should refuse a broken users file naming the file and the entry', () => {
    const path = join(dir, 'users.json');
    writeFileSync(path, JSON.stringify({ users: [{ name: 'x', roles: ['emperor'], tokenSha256: 'a'.repeat(64) }] }));
    expect(() => loadAuthFile(path)).toThrow(/users\.json: \/users\/0\/roles\/0/);
    writeFileSync(path, '{not json');
    expect(() => loadAuthFile(path)).toThrow(/cannot be read as JSON/);
    writeFileSync(path, JSON.stringify({ users: [{ name: 'x', roles: ['system'], tokenSha256: 'a'.repeat(64) }] }));
    expect(() => loadAuthFile(path)).toThrow(/roles/);
    const dup = { name: 'x', roles: ['car'], tokenSha256: 'b'.repeat(64) };
    writeFileSync(path, JSON.stringify({ users: [dup, { ...dup, name: 'y' }] }));
    expect(() => loadAuthFile(path)).toThrow(/same token/);
  });

  it('should read a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
