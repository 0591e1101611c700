/**
 * A test app: the real engine on a fresh SQLite file in a temp folder, a simulated clock,
 * and one user per role with a known token. Nothing sleeps; time moves with `clock.set`.
 * With `units: true` it is configured as `npm start` is: the built-in units (server/units.ts),
 * the unit user in the first of them, and the engine checking them (engine/units.ts).
 * Like the server (server/ledger-key.ts), every test app has a ledger key: a fresh one,
 * unless `ledger` gives the engine's own ledger options (`ledger: {}`: no key at all).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine, SimulatedClock, type Engine, type EngineOptions } from '../../engine/index.js';
import { generatePrivateKeyPem } from '../../lib/signed-note.js';
import { procedures } from '../../machines/index.js';
import type { Role } from '../../machines/contract.js';
import { buildApp, type AppOptions } from '../../server/app.js';
import { HUMAN_ROLES, resolveUserUnits, sha256Hex, UserDirectory, type AuthFile } from '../../server/auth.js';
import { loadUnits } from '../../server/units.js';

export const kz = loadKzCalendar();
export type HumanRole = (typeof HUMAN_ROLES)[number];
export const token = (role: HumanRole) => `token-of-${role}`;

export interface TestApp {
  app: FastifyInstance;
  engine: Engine;
  clock: SimulatedClock;
  dir: string;
  databasePath: string;
  /** The configured units (`units: true`), the unit user's first; empty otherwise. */
  units: readonly string[];
  as(role: HumanRole): {
    get(url: string): Promise<LightMyRequestResponse>;
    post(url: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  };
  close(): Promise<void>;
}

export async function buildTestApp(
  options: { now?: string; intakeRateLimit?: number; units?: boolean; ledger?: EngineOptions['ledger'] } & Pick<AppOptions, 'limits' | 'writeRateLimit' | 'authFailureLimit'> = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'qi-test-'));
  const databasePath = join(dir, 'test.sqlite');
  const clock = new SimulatedClock(options.now ?? '2025-03-06T05:00:00.000Z');
  const unitList = options.units ? loadUnits(undefined) : undefined;
  const file: AuthFile = {
    users: [
      ...HUMAN_ROLES.map((role) => ({
        name: `${role}-user`,
        roles: [role],
        ...(unitList && role === 'unit' ? { units: [unitList.names[0]!] } : {}),
        tokenSha256: sha256Hex(token(role)),
      })),
      // A person with two roles, to test X-Acting-Role.
      { name: 'two-hats', roles: ['press_secretary', 'administrator'], tokenSha256: sha256Hex('token-two-hats') },
    ] as AuthFile['users'],
  };
  const users = new UserDirectory(unitList ? resolveUserUnits(file, unitList, 'test users') : file);
  const engine = await createEngine({
    databasePath,
    synchronous: 'NORMAL',
    calendar: kz,
    procedures,
    clock,
    ...(unitList ? { units: unitList.directory(users.people()) } : {}),
    ledger: options.ledger ?? { keyPem: generatePrivateKeyPem() },
  });
  const app = await buildApp({
    calendars: { kz },
    engine,
    users,
    intakeRateLimit: options.intakeRateLimit ?? 1000,
    limits: options.limits,
    writeRateLimit: options.writeRateLimit,
    authFailureLimit: options.authFailureLimit,
  });
  await engine.start();
  const as = (role: HumanRole) => ({
    get: (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token(role)}` } }),
    post: (url: string, body: unknown, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token(role)}`, 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
      }),
  });
  return {
    app,
    engine,
    clock,
    dir,
    databasePath,
    units: unitList?.names ?? [],
    as,
    async close() {
      await app.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends events in order as the given roles and returns the last view; fails loudly on a non-200. */
export async function advance(
  t: TestApp,
  id: string,
  steps: [HumanRole, Record<string, unknown>][],
): Promise<Record<string, unknown> & { state: string; seq: number; status: string; deadlines: { key: string; status: string; lastDay: string; dueAt: string; open: boolean }[] }> {
  let view: any;
  for (const [role, body] of steps) {
    const res = await t.as(role).post(`/cases/${id}/events`, body);
    if (res.statusCode !== 200) throw new Error(`${role} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
    view = res.json();
  }
  return view;
}

export type { Role };
