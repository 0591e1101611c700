/**
 * Authentication: bearer tokens checked against sha-256 hashes in AUTH_FILE
 * (`{"users":[{"name","roles","tokenSha256"}]}`). Tokens themselves are never stored.
 *
 * Without AUTH_FILE, the first start creates a development file under data/ with one demo
 * user per role and prints their tokens once; an existing file is never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { sha256Hex } from '../lib/sha256.js';
import { ROLES, type Role } from '../machines/contract.js';
import { LiteralUnion } from './schemas/common.js';

/** AUTH_FILE holds `sha256Hex(token)`; re-exported for the tools that write such files. */
export { sha256Hex };

/** Roles a person can hold; `system` is the engine's own. */
export const HUMAN_ROLES = ROLES.filter((r) => r !== 'system') as Exclude<Role, 'system'>[];

const AuthFileSchema = Type.Object({
  users: Type.Array(
    Type.Object({
      name: Type.String({ minLength: 1 }),
      roles: Type.Array(LiteralUnion(HUMAN_ROLES), { minItems: 1 }),
      tokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    }),
  ),
});
export type AuthFile = Static<typeof AuthFileSchema>;

export interface User {
  name: string;
  roles: Role[];
}

/** Users by token hash. */
export class UserDirectory {
  private readonly byHash = new Map<string, User>();
  constructor(file: AuthFile) {
    for (const u of file.users) this.byHash.set(u.tokenSha256, { name: u.name, roles: [...u.roles] });
  }
  /** The user holding this token, or undefined. */
  byToken(token: string): User | undefined {
    return this.byHash.get(sha256Hex(token));
  }
  get size(): number {
    return this.byHash.size;
  }
}

/** Reads and validates an auth file; a bad file fails start-up naming the file and the entry. */
export function loadAuthFile(path: string): UserDirectory {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`AUTH_FILE ${path}: cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Value.Check(AuthFileSchema, raw)) {
    const first = Value.Errors(AuthFileSchema, raw)[0];
    throw new Error(`AUTH_FILE ${path}: ${first?.instancePath || '(root)'} ${first?.message ?? 'is invalid'}`);
  }
  const seen = new Set<string>();
  raw.users.forEach((u, i) => {
    if (seen.has(u.tokenSha256)) throw new Error(`AUTH_FILE ${path}: /users/${i}: a second user with the same token`);
    seen.add(u.tokenSha256);
  });
  return new UserDirectory(raw);
}

export interface DevAuth {
  directory: UserDirectory;
  path: string;
  /** Present only when the file was created by this call: the tokens, to print once. */
  created?: { name: string; roles: Role[]; token: string }[];
}

/**
 * Loads the development auth file at `path`, creating it (one demo user per role, random
 * tokens) when it does not exist. Never overwrites: creation uses the exclusive `wx` flag.
 */
export function ensureDevAuthFile(path: string): DevAuth {
  if (existsSync(path)) return { directory: loadAuthFile(path), path };
  const created = HUMAN_ROLES.map((role) => ({
    name: `demo-${role.replace(/_/g, '-')}`,
    roles: [role],
    token: randomBytes(24).toString('base64url'),
  }));
  const file: AuthFile = {
    users: created.map((u) => ({ name: u.name, roles: u.roles, tokenSha256: sha256Hex(u.token) })),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  return { directory: new UserDirectory(file), path, created };
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
