/**
 * The live inspector: a real WebSocket client on the inspector server receives the
 * @statelyai/inspect events of every committed command, and nothing for refused ones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { engineMachines, isLocalOrigin, startInspectorServer, type InspectorServer } from '../../inspector/index.js';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';
import { record, type Received } from './helpers.js';
import { openSqliteFile } from '../helpers/sqlite-file.js';

let t: TestApp;
let inspector: InspectorServer;

beforeEach(async () => {
  t = await buildTestApp({ now: '2025-06-02T05:00:00.000Z' });
  inspector = await startInspectorServer({ port: 0, machineOf: engineMachines(t.engine) });
  t.engine.observe(inspector.observe);
});
afterEach(async () => {
  await inspector.close();
  await t.close();
});

const question = { channel: 'blog', author: { name: 'Дана' }, language: 'ru', text: 'Когда будет ответ?' };
const of = (ms: Received[], id: string) => ms.filter((m) => m.sessionId === id);

describe('the live inspector', () => {
  it('should stream @xstate.actor, @xstate.event and @xstate.snapshot for every committed command of a case', async () => {
    expect(inspector.url).toBe(`ws://127.0.0.1:${inspector.port}`);
    const client = await record(inspector.url);
    const created = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: question })).json();
    await advance(t, created.id, [['car', { type: 'register', registrationNumber: 'ЖТ-55' }]]);
    const stored = await t.engine.getCase(created.id);

    const ms = of(await client.until((m) => of(m, created.id).length >= 5), created.id);
    expect(ms.map((m) => [m.type, m.event?.type])).toEqual([
      ['@xstate.actor', undefined],
      ['@xstate.event', 'created'],
      ['@xstate.snapshot', 'created'],
      ['@xstate.event', 'register'],
      ['@xstate.snapshot', 'register'],
    ]);
    const [actor, , , registered, last] = ms as [Received, Received, Received, Received, Received];
    expect(actor).toMatchObject({ sessionId: created.id, name: `blog-question@${stored.version}`, procedure: 'blog-question', version: stored.version });
    // The definition is the machine's, whole: loadable again with createMachine.
    const definition = JSON.parse(actor.definition!) as { id: string };
    expect(definition.id).toBe('blog-question');
    expect(() => createMachine(definition as never)).not.toThrow();
    expect(registered.event).toMatchObject({ seq: 2, payload: { registrationNumber: 'ЖТ-55' }, actor: { name: 'car-user', role: 'car' } });
    expect(registered.sourceId).toBe('car:car-user');
    expect(last.snapshot).toMatchObject({ status: 'active', context: { registrationNumber: 'ЖТ-55' } });
    expect(last.snapshot!.value).toEqual((JSON.parse((await t.engine.storage.read.cases.find(created.id))!.snapshotJson) as { value: unknown }).value);
    await client.close();
  });

  it('should publish nothing for a refused command', async () => {
    const client = await record(inspector.url);
    const id = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: question })).json().id as string;
    await client.until((m) => of(m, id).length === 3);
    // An event the procedure does not have (400), and a stale If-Match (409): neither commits.
    expect((await t.as('car').post(`/cases/${id}/events`, { type: 'no_such_event' })).statusCode).toBe(400);
    expect((await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'X' }, { 'if-match': '"7"' })).statusCode).toBe(409);
    await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЖТ-56' }]]);
    // Messages arrive in order: the next ones after the creation are the register's, nothing in between.
    const ms = of(await client.until((m) => of(m, id).length >= 5), id);
    expect(ms.slice(3).map((m) => [m.type, m.event?.type, m.event?.seq])).toEqual([
      ['@xstate.event', 'register', 2],
      ['@xstate.snapshot', 'register', 2],
    ]);
    await client.close();
  });

  it('should give a client that connects later each known case with its latest snapshot, then the recent events', async () => {
    const id = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: question })).json().id as string;
    await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЖТ-57' }]]);
    const late = await record(inspector.url);
    const ms = of(await late.until((m) => of(m, id).length >= 5), id);
    expect(ms[0]).toMatchObject({ type: '@xstate.actor', snapshot: { context: { registrationNumber: 'ЖТ-57' } } });
    expect(ms.filter((m) => m.type === '@xstate.event').map((m) => m.event?.type)).toEqual(['created', 'register']);
    await late.close();
  });

  it('should announce a case created before the inspector started when it is next advanced', async () => {
    t.engine.observe(undefined);
    const id = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: question })).json().id as string;
    t.engine.observe(inspector.observe);
    const client = await record(inspector.url);
    await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЖТ-58' }]]);
    const ms = of(await client.until((m) => of(m, id).length >= 3), id);
    expect(ms.map((m) => [m.type, m.event?.type])).toEqual([
      ['@xstate.actor', undefined],
      ['@xstate.event', 'register'],
      ['@xstate.snapshot', 'register'],
    ]);
    await client.close();
  });

  it('should refuse a browser page from another origin and accept local pages and non-browser clients', async () => {
    await expect(record(inspector.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const local = await record(inspector.url, { origin: `http://localhost:${inspector.port}` });
    await local.close();
    expect(isLocalOrigin(undefined)).toBe(true);
    expect(isLocalOrigin('http://127.0.0.1:5678')).toBe(true);
    expect(isLocalOrigin('http://localhost.evil.example')).toBe(false);
    expect(isLocalOrigin('null')).toBe(false);
  });

  it('should serve a local viewer page without external resources', async () => {
    const res = await fetch(`http://127.0.0.1:${inspector.port}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('new WebSocket');
    expect(html).not.toMatch(/src="https?:/);
    expect((await fetch(`http://127.0.0.1:${inspector.port}/nope`)).status).toBe(404);
  });

  it('should refuse a port that is in use with a message naming it', async () => {
    await expect(startInspectorServer({ port: inspector.port })).rejects.toThrow(`inspector port ${inspector.port} on 127.0.0.1 is in use`);
    await expect(startInspectorServer({ port: 70000 })).rejects.toThrow(/0 to 65535/);
  });
});

describe('the engine without an inspector', () => {
  it('should have no observer unless one is set', async () => {
    const plain = await buildTestApp();
    try {
      expect(plain.engine.runner.observer).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  it('should tell the observer after the commit only: not for a refused command, nor for one rolled back mid-write', async () => {
    const seen: { caseId: string; seq: number; type: string; inDatabase: boolean }[] = [];
    t.engine.observe((o) => {
      // Called after the commit, so a second connection already sees the event.
      const other = openSqliteFile(t.databasePath, { readonly: true });
      const row = other.prepare('select count(*) as n from events where case_id = ? and seq = ?').get(o.caseId, o.seq) as { n: number };
      other.close();
      seen.push({ caseId: o.caseId, seq: o.seq, type: o.event.type, inDatabase: row.n === 1 });
    });
    const id = (await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: question })).json().id as string;
    expect((await t.as('car').post(`/cases/${id}/events`, { type: 'register' })).statusCode).toBe(400);

    // A failure after the case and event rows are written (the outbox insert of the
    // acknowledgement mail) rolls the command back: the observer must not hear of it.
    const sqlite = openSqliteFile(t.databasePath);
    sqlite.exec(`create trigger fail_outbox before insert on outbox begin select raise(abort, 'disk says no'); end`);
    const inquiry = { applicant: { name: 'Айгерим', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' };
    expect((await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: inquiry })).statusCode).toBe(500);
    sqlite.exec('drop trigger fail_outbox');
    sqlite.close();

    await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЖТ-59' }]]);
    expect(seen).toEqual([
      { caseId: id, seq: 1, type: 'created', inDatabase: true },
      { caseId: id, seq: 2, type: 'register', inDatabase: true },
    ]);
  });
});
