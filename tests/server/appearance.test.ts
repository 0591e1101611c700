/**
 * P6 over HTTP: an appearance case created and driven end to end through the API with the
 * roles of the procedure, internal targets switched on (INTERNAL_TARGETS), each unit user
 * delivering only their own unit's part, and the refusals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { resolveUserUnits, sha256Hex, UserDirectory } from '../../server/auth.js';
import { loadConfig } from '../../server/config.js';
import { UnitList } from '../../server/units.js';
import { kz } from '../helpers/app.js';

describe('P6 appearance over HTTP', () => {
  const EXPORT = 'Департамент экспорта';
  const LEGAL = 'Юридический департамент';
  let engine: Engine;
  let app: FastifyInstance;
  let dir: string;
  type Who = 'press' | 'chairman' | 'initiator' | 'asel' | 'gulnara';
  const as = (who: Who) => ({
    get: (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer t-${who}` } }),
    post: (url: string, body: unknown) =>
      app.inject({ method: 'POST', url, headers: { authorization: `Bearer t-${who}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) }),
  });
  const input = {
    outlet: 'Khabar 24',
    format: 'press_conference',
    topic: 'Export support measures',
    broadcast: 'recorded',
    questions: ['What is new in 2025?'],
    place: 'Astana',
    scheduledAt: '2025-03-27T15:00:00+05:00',
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qi-appearance-'));
    const units = new UnitList({ units: [{ id: 'export', name: EXPORT }, { id: 'legal', name: LEGAL }] });
    const users = new UserDirectory(
      resolveUserUnits(
        {
          users: [
            { name: 'press-user', roles: ['press_secretary'], tokenSha256: sha256Hex('t-press') },
            { name: 'chairman-user', roles: ['chairman'], tokenSha256: sha256Hex('t-chairman') },
            { name: 'initiator-user', roles: ['initiator'], tokenSha256: sha256Hex('t-initiator') },
            { name: 'Асель', roles: ['unit'], units: ['export'], tokenSha256: sha256Hex('t-asel') },
            { name: 'Гульнара', roles: ['unit'], units: ['legal'], tokenSha256: sha256Hex('t-gulnara') },
          ],
        },
        units,
        'test users',
      ),
    );
    engine = await createEngine({
      databasePath: join(dir, 'db.sqlite'),
      synchronous: 'NORMAL',
      calendar: kz,
      procedures,
      // As the server passes them: parsed from the environment by the configuration.
      targets: loadConfig({ INTERNAL_TARGETS: 'speaker_informed=2,materials_ready=1' }).internalTargets,
      clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
      units: units.directory(users.people()),
    });
    app = await buildApp({ calendars: { kz }, engine, users });
  });
  afterAll(async () => {
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates and drives an appearance to the end with the right roles, refusing the wrong ones', async () => {
    // Only the press secretary organises an appearance (п. 30).
    const refused = await as('initiator').post('/cases', { procedure: 'appearance', input });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');

    const created = await as('press').post('/cases', { procedure: 'appearance', input });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const send = async (who: Who, body: Record<string, unknown>, status = 200) => {
      const res = await as(who).post(`/cases/${id}/events`, body);
      expect(res.statusCode, res.body).toBe(status);
      return res.json();
    };

    // A unit that is not configured is refused before the machine.
    const bad = await send('press', { type: 'designate', speaker: { name: 'Айгерим' }, units: [EXPORT, 'Отдел кадров'] }, 400);
    expect(bad.error.message).toMatch(/"Отдел кадров" is not a configured unit/);
    await send('press', { type: 'designate', speaker: { name: 'Айгерим', position: 'Director' }, units: [EXPORT, LEGAL] });
    // The Chairman agrees the speaker and units (п. 32), not the press secretary.
    expect((await send('press', { type: 'agree_designation' }, 403)).error.code).toBe('forbidden');
    const agreed = await send('chairman', { type: 'agree_designation' });
    expect(agreed.state).toBe('preparation');
    expect(agreed.context.unit).toBe(EXPORT);
    // The internal targets, counted back from 27 March 2025 over Nauryz (21–25 March off).
    const deadlines = agreed.context.deadlines as Record<string, { lastDay: string; rule: string; reading: string }>;
    expect(deadlines.speaker_informed).toMatchObject({ lastDay: '2025-03-20', rule: 'п. 31 (internal target)', reading: 'working' });
    expect(deadlines.materials_ready).toMatchObject({ lastDay: '2025-03-26' });
    expect(agreed.pending).toEqual([
      { step: 'preparation', event: 'deliver_materials', field: 'unit', awaited: [EXPORT, LEGAL], done: [] },
    ]);

    // A unit user delivers only their own unit's part.
    const foreign = await send('asel', { type: 'deliver_materials', unit: LEGAL, text: 'x' }, 403);
    expect(foreign.error).toMatchObject({ code: 'not_your_unit', details: { unit: LEGAL, units: [EXPORT] } });
    await send('asel', { type: 'deliver_materials', unit: EXPORT, text: 'export part' });
    // The co-unit's user, whose unit is not the case's responsible one, delivers theirs.
    const both = await send('gulnara', { type: 'deliver_materials', unit: LEGAL, text: 'legal part' });
    expect(both.state).toBe('consolidation');
    expect(both.context.deadlines.materials_ready.status).toBe('met');

    await send('press', { type: 'inform_speaker', note: 'by phone' });
    await send('press', { type: 'consolidate', text: 'consolidated' });
    expect((await send('asel', { type: 'agree_material' }, 403)).error.code).toBe('forbidden');
    await send('chairman', { type: 'agree_material' });
    const held = await send('press', { type: 'record_appearance', note: 'recorded' });
    expect(held.state).toBe('held');
    expect(held.status).toBe('done');
    expect(held.context.deadlines.speaker_informed.status).toBe('met');

    const history = await as('press').get(`/cases/${id}/history`);
    expect(history.statusCode).toBe(200);
    const types = (history.json().events as Array<{ type: string; role: string }>).map((e) => `${e.type}:${e.role}`);
    expect(types).toEqual([
      'created:press_secretary',
      'designate:press_secretary',
      'agree_designation:chairman',
      'deliver_materials:unit',
      'deliver_materials:unit',
      'inform_speaker:press_secretary',
      'consolidate:press_secretary',
      'agree_material:chairman',
      'record_appearance:press_secretary',
    ]);
    // Replay reproduces the stored case (targets included: the engine steps with the same deps).
    const verified = await engine.verify(id);
    expect(verified.ok, JSON.stringify(verified)).toBe(true);
  });

  it("puts the case in a co-unit's queue while its part is awaited, and lets its user read it; not after", async () => {
    const id = (await as('press').post('/cases', { procedure: 'appearance', input })).json().id as string;
    await as('press').post(`/cases/${id}/events`, { type: 'designate', speaker: { name: 'Айгерим' }, units: [EXPORT, LEGAL] });
    await as('chairman').post(`/cases/${id}/events`, { type: 'agree_designation' });
    const queue = async (who: Who) => ((await as(who).get('/cases?mine=true')).json().cases as Array<{ id: string }>).map((c) => c.id);
    const read = async (who: Who) => (await as(who).get(`/cases/${id}`)).json() as { context: Record<string, unknown>; redacted?: boolean };
    // Гульнара's unit (legal) is a co-unit, not the responsible one (export): the case awaits its part.
    expect(await queue('gulnara')).toContain(id);
    // Асель's unit is the responsible one and awaited too: the case is in her queue once.
    expect((await queue('asel')).filter((c) => c === id)).toEqual([id]);
    expect((await read('gulnara')).context.topic).toBe('Export support measures');
    // Her part delivered: out of her queue, still in Асель's (export's part is awaited).
    await as('gulnara').post(`/cases/${id}/events`, { type: 'deliver_materials', unit: LEGAL, text: 'legal part' });
    expect(await queue('gulnara')).not.toContain(id);
    expect(await queue('asel')).toContain(id);
    // She acted on it: she still reads what she took part in (the rule for any unit user).
    expect((await read('gulnara')).context.topic).toBe('Export support measures');
    const reads = await engine.reads(id);
    expect(reads.some((r) => r.actor === 'Гульнара' && r.role === 'unit')).toBe(true);
  });

  it('documents the procedure: GET /machines/appearance lists its events and roles', async () => {
    const res = await as('press').get('/machines/appearance');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.id).toBe('appearance');
  });
});
