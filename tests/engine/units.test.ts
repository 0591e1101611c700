/**
 * Queues per unit and per person (issue 12 §8), through the engine with a unit directory:
 * a unit user acts only on their units' cases, `assign` names a configured unit, a person
 * takes a case (`claim`, `reassign`), and "my queue" counts only the steps waiting on me.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { UnitDirectory } from '../../engine/units.js';
import { procedures } from '../../machines/index.js';
import type { Actor } from '../../machines/contract.js';
import { engineRejection, tmpDir } from './fixtures/helpers.js';

const EXPORT = 'Департамент экспорта';
const LEGAL = 'Юридический департамент';
const directory: UnitDirectory = {
  units: [EXPORT, LEGAL],
  people: new Map([
    ['Асель', [EXPORT]],
    ['Берик', [EXPORT]],
    ['Гульнара', [LEGAL]],
  ]),
};
const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const chairman: Actor = { name: 'Chairman', role: 'chairman' };
const press: Actor = { name: 'PS', role: 'press_secretary' };
const asel: Actor = { name: 'Асель', role: 'unit', units: [EXPORT] };
const berik: Actor = { name: 'Берик', role: 'unit', units: [EXPORT] };
const gulnara: Actor = { name: 'Гульнара', role: 'unit', units: [LEGAL] };

const question = { applicant: { name: 'Айгерим', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Как получить поддержку?' };
const answer = { text: 'Ответ', citations: ['Закон РК, ст. 11'], language: 'ru' };

let engine: Engine;
let cleanup: () => void;
beforeEach(async () => {
  const tmp = tmpDir('units-');
  cleanup = tmp.cleanup;
  engine = await createEngine({
    databasePath: join(tmp.dir, 'e.db'),
    calendar: loadKzCalendar(),
    procedures,
    clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
    units: directory,
  });
});
afterEach(async () => {
  await engine.close();
  cleanup();
});

async function inquiry(unit?: string): Promise<string> {
  const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
  await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'ЗТ-1' } }, { actor: car });
  if (unit) await engine.applyEvent(view.id, { type: 'assign', payload: { unit } }, { actor: supervisor });
  return view.id;
}
const ids = async (filter: Parameters<Engine['listCases']>[0]) => (await engine.listCases(filter)).cases.map((c) => c.id).sort();
const mine = (a: Actor) => ({ waitingRoles: [a.role], ...(a.units ? { unitScope: { units: a.units, person: a.name } } : {}) });

describe('units: who may act', () => {
  it('should refuse a unit user of another unit with 403 not_your_unit (seen: submit_answer accepted, 200)', async () => {
    const id = await inquiry(EXPORT);
    const e = await engineRejection(engine.applyEvent(id, { type: 'submit_answer', payload: answer }, { actor: gulnara }));
    expect(e.code).toBe('not_your_unit');
    expect(e.status).toBe(403);
    expect(e.details).toMatchObject({ unit: EXPORT, units: [LEGAL] });
    expect((await engine.getCase(id)).state).toBe('in_review');
    // A unit user of the case's unit may.
    expect((await engine.applyEvent(id, { type: 'submit_answer', payload: answer }, { actor: asel })).view.state).toBe('answer_review');
  });

  it('should refuse a unit user on a case not yet assigned, and one who carries no units', async () => {
    const id = await inquiry();
    expect((await engineRejection(engine.applyEvent(id, { type: 'comment', payload: { text: 'x' } }, { actor: asel }))).code).toBe('not_your_unit');
    await engine.applyEvent(id, { type: 'assign', payload: { unit: EXPORT } }, { actor: supervisor });
    const nobody: Actor = { name: 'Nobody', role: 'unit' };
    expect((await engineRejection(engine.applyEvent(id, { type: 'submit_answer', payload: answer }, { actor: nobody }))).code).toBe('not_your_unit');
  });

  it('should refuse an assign naming no configured unit, listing them (400)', async () => {
    const id = await inquiry();
    const e = await engineRejection(engine.applyEvent(id, { type: 'assign', payload: { unit: 'Отдел кадров' } }, { actor: supervisor }));
    expect(e.code).toBe('invalid_request');
    expect(e.message).toContain(EXPORT);
    expect(e.details).toMatchObject({ field: 'unit', units: [EXPORT, LEGAL] });
    // P4 too.
    const { view } = await engine.createCase('blog-question', { channel: 'blog', author: { name: 'B' }, language: 'ru', text: 'Q' }, { actor: press });
    await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'Б-1' } }, { actor: car });
    expect((await engineRejection(engine.applyEvent(view.id, { type: 'assign', payload: { unit: 'Отдел' } }, { actor: press }))).code).toBe('invalid_request');
    expect((await engine.applyEvent(view.id, { type: 'assign', payload: { unit: LEGAL } }, { actor: press })).view.state).toBe('in_review');
  });
});

describe('units: taking a case', () => {
  it('should let a person of the unit claim the case; then only they work on it', async () => {
    const id = await inquiry(EXPORT);
    const claimed = await engine.applyEvent(id, { type: 'claim', payload: {} }, { actor: asel });
    expect(claimed.view.context).toMatchObject({ unit: EXPORT, assignee: 'Асель' });
    expect(await engine.storage.read.cases.find(id)).toMatchObject({ unit: EXPORT, assignee: 'Асель' });
    // The history keeps name and role only.
    expect((await engine.history(id)).at(-1)).toMatchObject({ type: 'claim', actor: 'Асель', role: 'unit', payload: {} });
    const taken = await engineRejection(engine.applyEvent(id, { type: 'submit_answer', payload: answer }, { actor: berik }));
    expect(taken.code).toBe('forbidden');
    expect(taken.details).toMatchObject({ assignee: 'Асель' });
    expect((await engineRejection(engine.applyEvent(id, { type: 'claim', payload: {} }, { actor: berik }))).code).toBe('forbidden');
    // A comment stays open to the unit.
    await engine.applyEvent(id, { type: 'comment', payload: { text: 'посмотрю тоже' } }, { actor: berik });
  });

  it('should let the claimer hand over within the unit, and the supervisor to another unit', async () => {
    const id = await inquiry(EXPORT);
    expect((await engineRejection(engine.applyEvent(id, { type: 'reassign', payload: { to: 'Берик' } }, { actor: asel }))).code).toBe('invalid_request');
    await engine.applyEvent(id, { type: 'claim', payload: {} }, { actor: asel });
    // Not to a person of another unit, and not to another unit by the claimer.
    const outsider = await engineRejection(engine.applyEvent(id, { type: 'reassign', payload: { to: 'Гульнара' } }, { actor: asel }));
    expect(outsider.code).toBe('invalid_request');
    expect(outsider.details).toMatchObject({ field: 'to', people: ['Асель', 'Берик'] });
    expect((await engineRejection(engine.applyEvent(id, { type: 'reassign', payload: { to: 'Гульнара', unit: LEGAL } }, { actor: asel }))).code).toBe(
      'invalid_request',
    );
    expect((await engine.applyEvent(id, { type: 'reassign', payload: { to: 'Берик' } }, { actor: asel })).view.context).toMatchObject({ assignee: 'Берик' });
    const moved = await engine.applyEvent(id, { type: 'reassign', payload: { to: 'Гульнара', unit: LEGAL } }, { actor: supervisor });
    expect(moved.view.context).toMatchObject({ unit: LEGAL, assignee: 'Гульнара' });
    expect((await engineRejection(engine.applyEvent(id, { type: 'submit_answer', payload: answer }, { actor: berik }))).code).toBe('not_your_unit');
    expect((await engine.applyEvent(id, { type: 'submit_answer', payload: answer }, { actor: gulnara })).view.state).toBe('answer_review');
    expect(await engine.storage.read.cases.find(id)).toMatchObject({ unit: LEGAL, assignee: 'Гульнара' });
  });
});

describe('units: my queue', () => {
  it('should not queue a P3 case for the chairman because extend is possible (seen: every received/registered case)', async () => {
    const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
    expect(view.waitingRoles).toEqual(['car']);
    const registered = await inquiry();
    expect((await engine.getCase(registered)).waitingRoles).toEqual(['supervisor']);
    expect(await ids(mine(chairman))).toEqual([]);
    // Extending stays possible: it is an allowed event of the chairman.
    expect((await engine.getCase(registered)).allowedEvents.find((a) => a.type === 'extend')?.roles).toEqual(['chairman']);
  });

  it('should give a unit user the unit steps of their units only (seen: every unit user saw every unit\'s cases)', async () => {
    const exportCase = await inquiry(EXPORT);
    const legalCase = await inquiry(LEGAL);
    await inquiry(); // registered: waits on the supervisor, no unit
    expect(await ids(mine(asel))).toEqual([exportCase]);
    expect(await ids(mine(gulnara))).toEqual([legalCase]);
    expect(await ids(mine({ name: 'Both', role: 'unit', units: [EXPORT, LEGAL] }))).toEqual([exportCase, legalCase].sort());
    expect(await ids({ waitingRoles: ['unit'], unitScope: { units: [], person: 'x' } })).toEqual([]);
  });

  it('should keep a claimed case in the claimer\'s queue only', async () => {
    const a = await inquiry(EXPORT);
    const b = await inquiry(EXPORT);
    await engine.applyEvent(a, { type: 'claim', payload: {} }, { actor: asel });
    expect(await ids(mine(asel))).toEqual([a, b].sort());
    expect(await ids(mine(berik))).toEqual([b]);
    // A user with a unit role and another role: the other role's cases too.
    const registered = await inquiry();
    const both = { waitingRoles: ['supervisor', 'unit'], unitScope: { units: [EXPORT], person: 'Берик' } };
    expect(await ids(both)).toEqual([b, registered].sort());
  });
});
