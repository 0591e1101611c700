/**
 * Authentication: bearer tokens checked against sha-256 hashes in AUTH_FILE
 * (`{"users":[{"name","roles","units"?,"tokenSha256"}]}`). Tokens themselves are never stored.
 * A user with the `unit` role lists the units they belong to (names or ids of the
 * configured units, server/units.ts); a `unit` user without units, or with an unknown
 * one, fails start-up naming the entry.
 *
 * Without AUTH_FILE, the first start creates a development file under data/ with one demo
 * user per role and prints their tokens once; an existing file is never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Type, type Static } from 'typebox';
import { sha256Hex } from '../lib/sha256.js';
import { ROLES, type Role } from '../machines/contract.js';
import { readJsonSettingsFile } from './json-file.js';
import { LiteralUnion } from './schemas/common.js';
import type { UnitList } from './units.js';
import type { StaffMember } from '../engine/index.js';

/** AUTH_FILE holds `sha256Hex(token)`; re-exported for the tools that write such files. */
export { sha256Hex };

/** Roles a person can hold; `system` is the engine's own. */
export const HUMAN_ROLES = ROLES.filter((r) => r !== 'system') as Exclude<Role, 'system'>[];

const AuthFileSchema = Type.Object({
  users: Type.Array(
    Type.Object({
      name: Type.String({ minLength: 1 }),
      roles: Type.Array(LiteralUnion(HUMAN_ROLES), { minItems: 1 }),
      units: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
      tokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      // Staff mail (engine/notifications/): reminders, escalations, the daily digest.
      email: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'where the reminders and the digest go' })),
      language: Type.Optional(LiteralUnion(['ru', 'kk', 'en'], { description: 'the language of their mail (default ru)' })),
    }),
  ),
});
export type AuthFile = Static<typeof AuthFileSchema>;

export interface User {
  name: string;
  roles: Role[];
  /** The units (by name) a `unit` user belongs to. */
  units?: readonly string[];
}

/**
 * Who a person is, from what they typed at sign-in on the pages: the one interface the
 * company's directory (OIDC, LDAP) implements to replace the users file.
 */
export interface Identity {
  /** The user with this name and secret, or undefined (never says which of the two was wrong). */
  signIn(name: string, secret: string): User | undefined;
}

/** Users by token hash. At sign-in on the pages, the token is the person's secret (server/sessions.ts `Identity`). */
export class UserDirectory implements Identity {
  private readonly byHash = new Map<string, User>();
  /** The engine's staff directory entries (engine/notifications/directory.ts), one per user. */
  readonly staff: readonly StaffMember[];
  constructor(file: AuthFile) {
    this.staff = file.users.map((u) => ({
      name: u.name,
      roles: [...u.roles],
      ...(u.units ? { units: [...u.units] } : {}),
      ...(u.email ? { email: u.email } : {}),
      ...(u.language ? { language: u.language } : {}),
    }));
    for (const u of file.users) {
      this.byHash.set(u.tokenSha256, { name: u.name, roles: [...u.roles], ...(u.units ? { units: [...u.units] } : {}) });
    }
  }
  /** The units of each `unit` user, by name (the engine checks `reassign.to` against it). */
  people(): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const u of this.byHash.values()) if (u.roles.includes('unit') && u.units) out.set(u.name, u.units);
    return out;
  }
  /** The user holding this token, or undefined. */
  byToken(token: string): User | undefined {
    return this.byHash.get(sha256Hex(token));
  }
  /**
   * The user of this name as the file has them now (the feeds look a person up at each
   * request: server/routes/feeds.ts); the first entry when a name is listed twice.
   */
  byName(name: string): User | undefined {
    for (const u of this.byHash.values()) if (u.name === name) return u;
    return undefined;
  }
  /** The user of this token if it is theirs by name too. */
  signIn(name: string, secret: string): User | undefined {
    const user = this.byToken(secret);
    return user && user.name === name ? user : undefined;
  }
  get size(): number {
    return this.byHash.size;
  }
}

/**
 * Checks the users' units against the configured ones and writes them as names: a `unit`
 * user needs at least one; nobody may name an unknown unit. Throws naming the entry.
 */
export function resolveUserUnits(file: AuthFile, units: UnitList, source: string): AuthFile {
  return {
    users: file.users.map((u, i) => {
      const isUnit = u.roles.includes('unit');
      if (isUnit && (u.units === undefined || u.units.length === 0)) {
        throw new Error(`${source}: /users/${i} (${u.name}): a unit user needs "units": [...], one or more of: ${units.names.join('; ')}`);
      }
      if (u.units === undefined) return u;
      if (!isUnit) throw new Error(`${source}: /users/${i} (${u.name}): "units" is for users with the unit role only`);
      const names = u.units.map((key) => {
        const name = units.resolve(key);
        if (name === undefined) throw new Error(`${source}: /users/${i} (${u.name}): unknown unit "${key}"; the units are: ${units.names.join('; ')}`);
        return name;
      });
      return { ...u, units: [...new Set(names)] };
    }),
  };
}

/**
 * Reads and validates an auth file; a bad file fails start-up naming the file and the
 * entry. With `units`, the users' units are checked and resolved (`resolveUserUnits`).
 */
export function loadAuthFile(path: string, units?: UnitList): UserDirectory {
  const raw = readJsonSettingsFile('AUTH_FILE', path, AuthFileSchema);
  const seen = new Set<string>();
  raw.users.forEach((u, i) => {
    if (seen.has(u.tokenSha256)) throw new Error(`AUTH_FILE ${path}: /users/${i}: a second user with the same token`);
    seen.add(u.tokenSha256);
  });
  return new UserDirectory(units ? resolveUserUnits(raw, units, `AUTH_FILE ${path}`) : raw);
}

export interface DevAuth {
  directory: UserDirectory;
  path: string;
  /** Present only when the file was created by this call: the tokens, to print once. */
  created?: { name: string; roles: Role[]; units?: string[]; token: string }[];
}

/**
 * Loads the development auth file at `path`, creating it (one demo user per role, random
 * tokens) when it does not exist. Never overwrites: creation uses the exclusive `wx` flag.
 * The demo unit user belongs to the first configured unit.
 */
export function ensureDevAuthFile(path: string, units?: UnitList): DevAuth {
  if (existsSync(path)) {
    try {
      return { directory: loadAuthFile(path, units), path };
    } catch (error) {
      throw new Error(`${(error as Error).message} (a development file: delete it to have a new one created)`, { cause: error });
    }
  }
  const firstUnit = units?.names[0];
  const created = HUMAN_ROLES.map((role) => ({
    name: `demo-${role.replace(/_/g, '-')}`,
    roles: [role],
    ...(role === 'unit' && firstUnit !== undefined ? { units: [firstUnit] } : {}),
    token: randomBytes(24).toString('base64url'),
  }));
  const file: AuthFile = {
    users: created.map(({ token, ...u }) => ({ ...u, tokenSha256: sha256Hex(token) })),
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
