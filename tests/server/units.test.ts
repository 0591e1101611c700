/**
 * Units over HTTP and at start-up (issue 12 §8): UNITS_FILE, the users' `units` in
 * AUTH_FILE, 403 `not_your_unit`, and "my queue" per unit and per person.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { ensureDevAuthFile, loadAuthFile, resolveUserUnits, sha256Hex, UserDirectory, type AuthFile } from '../../server/auth.js';
import { loadConfig } from '../../server/config.js';
import { DEFAULT_UNITS, loadUnits, loadUnitsFile, UnitList } from '../../server/units.js';
import { kz } from '../helpers/app.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qi-units-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const hash = (c: string) => c.repeat(64);

describe('units at start-up', () => {
  it('should read UNITS_FILE, or use the built-in list, and refuse a bad file naming the entry', () => {
    expect(loadConfig({ UNITS_FILE: 'u.json' }).unitsFile).toBe('u.json');
    expect(loadUnits(undefined).names).toEqual(DEFAULT_UNITS.units.map((u) => u.name));
    const path = join(dir, 'units.json');
    writeFileSync(path, JSON.stringify({ units: [{ id: 'export', name: 'Департамент экспорта' }, { name: 'Юридический департамент' }] }));
    const units = loadUnitsFile(path);
    expect(units.names).toEqual(['Департамент экспорта', 'Юридический департамент']);
    expect(units.resolve('export')).toBe('Департамент экспорта');
    writeFileSync(path, JSON.stringify({ units: [{ name: 'A' }, { name: 'A' }] }));
    expect(() => loadUnitsFile(path)).toThrow(/units\.json: \/units\/1: a second unit named "A"/);
    writeFileSync(path, JSON.stringify({ units: [{ name: 'A', head: 'x' }] }));
    expect(() => loadUnitsFile(path)).toThrow(/\/units\/0/);
    writeFileSync(path, JSON.stringify({ units: [] }));
    expect(() => loadUnitsFile(path)).toThrow(/\/units/);
  });

  it('should refuse a unit user without units, or with an unknown one, naming the entry', () => {
    const units = new UnitList({ units: [{ id: 'export', name: 'Департамент экспорта' }] });
    const path = join(dir, 'users.json');
    const file = (users: AuthFile['users']) => writeFileSync(path, JSON.stringify({ users }));
    file([{ name: 'car', roles: ['car'], tokenSha256: hash('a') }, { name: 'Асель', roles: ['unit'], tokenSha256: hash('b') }]);
    expect(() => loadAuthFile(path, units)).toThrow(/users\.json: \/users\/1 \(Асель\): a unit user needs "units"/);
    file([{ name: 'Асель', roles: ['unit'], units: ['Отдел кадров'], tokenSha256: hash('b') }]);
    expect(() => loadAuthFile(path, units)).toThrow(/\/users\/0 \(Асель\): unknown unit "Отдел кадров"; the units are: Департамент экспорта/);
    file([{ name: 'car', roles: ['car'], units: ['export'], tokenSha256: hash('a') }]);
    expect(() => loadAuthFile(path, units)).toThrow(/"units" is for users with the unit role only/);
    // An id is written as the unit's name.
    file([{ name: 'Асель', roles: ['unit'], units: ['export'], tokenSha256: hash('b') }]);
    const users = loadAuthFile(path, units);
    expect(users.people()).toEqual(new Map([['Асель', ['Департамент экспорта']]]));
  });

  it('should give the demo unit user of a new development file the first unit', () => {
    const units = loadUnits(undefined);
    const dev = ensureDevAuthFile(join(dir, 'auth.dev.json'), units);
    const demo = dev.created!.find((u) => u.roles[0] === 'unit')!;
    expect(dev.directory.byToken(demo.token)).toEqual({ name: 'demo-unit', roles: ['unit'], units: [units.names[0]] });
    // Loaded again, the file passes the units check.
    expect(ensureDevAuthFile(join(dir, 'auth.dev.json'), units).directory.people().get('demo-unit')).toEqual([units.names[0]]);
    // An old development file whose unit user has no units says how to get a new one.
    const old = join(dir, 'old.dev.json');
    writeFileSync(old, JSON.stringify({ users: [{ name: 'demo-unit', roles: ['unit'], tokenSha256: hash('c') }] }));
    expect(() => ensureDevAuthFile(old, units)).toThrow(/delete it to have a new one created/);
  });
});

describe('units over HTTP', () => {
  const EXPORT = 'Департамент экспорта';
  const LEGAL = 'Юридический департамент';
  let engine: Engine;
  let app: FastifyInstance;
  let httpDir: string;
  type Who = 'car' | 'supervisor' | 'chairman' | 'asel' | 'berik' | 'gulnara';
  const as = (who: Who) => ({
    get: (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer t-${who}` } }),
    post: (url: string, body: unknown) =>
      app.inject({ method: 'POST', url, headers: { authorization: `Bearer t-${who}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) }),
  });
  const queue = async (who: Who) => {
    const res = await as(who).get('/cases?mine=true');
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { cases: { id: string }[] }).cases.map((c) => c.id).sort();
  };
  const question = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };
  const answer = { type: 'submit_answer', text: 'Ответ', citations: ['Закон РК'], language: 'ru' };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    httpDir = mkdtempSync(join(tmpdir(), 'qi-units-http-'));
    const units = new UnitList({ units: [{ id: 'export', name: EXPORT }, { id: 'legal', name: LEGAL }] });
    const users = new UserDirectory(
      resolveUserUnits(
        {
          users: [
            { name: 'car-user', roles: ['car'], tokenSha256: sha256Hex('t-car') },
            { name: 'supervisor-user', roles: ['supervisor'], tokenSha256: sha256Hex('t-supervisor') },
            { name: 'chairman-user', roles: ['chairman'], tokenSha256: sha256Hex('t-chairman') },
            { name: 'Асель', roles: ['unit'], units: ['export'], tokenSha256: sha256Hex('t-asel') },
            { name: 'Берик', roles: ['unit'], units: ['export'], tokenSha256: sha256Hex('t-berik') },
            { name: 'Гульнара', roles: ['unit'], units: ['legal'], tokenSha256: sha256Hex('t-gulnara') },
          ],
        },
        units,
        'test users',
      ),
    );
    engine = await createEngine({
      databasePath: join(httpDir, 'db.sqlite'),
      synchronous: 'NORMAL',
      calendar: kz,
      procedures,
      clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
      units: units.directory(users.people()),
    });
    app = await buildApp({ calendars: { kz }, engine, users });
    for (const name of ['received', 'registered', 'export', 'legal']) {
      const res = await as('car').post('/cases', { procedure: 'feedback-inquiry', input: question });
      ids[name] = res.json().id;
    }
    for (const name of ['registered', 'export', 'legal']) await as('car').post(`/cases/${ids[name]}/events`, { type: 'register', registrationNumber: name });
    expect((await as('supervisor').post(`/cases/${ids.export}/events`, { type: 'assign', unit: EXPORT })).statusCode).toBe(200);
    expect((await as('supervisor').post(`/cases/${ids.legal}/events`, { type: 'assign', unit: LEGAL })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await app.close();
    await engine.close();
    rmSync(httpDir, { recursive: true, force: true });
  });

  it('should answer 400 listing the units when assign names another', async () => {
    const res = await as('supervisor').post(`/cases/${ids.registered}/events`, { type: 'assign', unit: 'Департамент' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_request', details: { units: [EXPORT, LEGAL] } });
  });

  it('should not queue received/registered P3 cases for the chairman (seen: all of them, extend being possible)', async () => {
    expect(await queue('chairman')).toEqual([]);
    expect(await queue('supervisor')).toEqual([ids.registered]);
  });

  it('should give each unit user their units\' cases (seen: every unit\'s)', async () => {
    expect(await queue('asel')).toEqual([ids.export]);
    expect(await queue('gulnara')).toEqual([ids.legal]);
  });

  it('should answer 403 not_your_unit to a user of another unit (seen: 200)', async () => {
    const res = await as('gulnara').post(`/cases/${ids.export}/events`, answer);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'not_your_unit', details: { unit: EXPORT, units: [LEGAL] } });
  });

  it('should let a person take the case: then it is in their queue only, and theirs to answer', async () => {
    const claimed = await as('asel').post(`/cases/${ids.export}/events`, { type: 'claim' });
    expect(claimed.statusCode, claimed.body).toBe(200);
    expect(claimed.json().context.assignee).toBe('Асель');
    expect(await queue('asel')).toEqual([ids.export]);
    expect(await queue('berik')).toEqual([]);
    expect((await as('berik').post(`/cases/${ids.export}/events`, answer)).statusCode).toBe(403);
    const handed = await as('asel').post(`/cases/${ids.export}/events`, { type: 'reassign', to: 'Берик' });
    expect(handed.statusCode, handed.body).toBe(200);
    expect(await queue('berik')).toEqual([ids.export]);
    expect((await as('berik').post(`/cases/${ids.export}/events`, answer)).statusCode).toBe(200);
  });
});
