/**
 * The transparency log in the engine (engine/ledger/log.ts, entries.ts): every record a
 * unit writes gets its entry in the same transaction, and only if the unit commits; proofs
 * from the stored hashes equal the reference proofs over every leaf, across the stored
 * tiles; the tripwires; a database older than the log adopts its records once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { TransparencyLog } from '../../engine/ledger/log.js';
import type { LogEntry } from '../../engine/ledger/entries.js';
import { consistencyProof, inclusionProof, rootOf } from '../../lib/merkle.js';
import { procedures } from '../../machines/index.js';
import { dropTripwires, onConnection, itSqlite } from '../helpers/sqlite-file.js';

const kz = loadKzCalendar();
const dir = mkdtempSync(join(tmpdir(), 'qi-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

let n = 0;
async function engineOn(path = join(dir, `e${++n}.sqlite`)): Promise<{ engine: Engine; path: string; clock: SimulatedClock }> {
  const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
  const engine = await createEngine({ databasePath: path, calendar: kz, procedures, clock, transport: { sendMail: async () => ({ response: '250 ok' }) } });
  engines.push(engine);
  await engine.start();
  return { engine, path, clock };
}

const question = { applicant: { name: 'Айгерим Сапарова', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Как?' };
const car = { actor: { name: 'car-user', role: 'car' as const } };

describe('the journal', () => {
  it('logs each event, message and attempt of a committed unit, and nothing of a refused one', async () => {
    const { engine } = await engineOn();
    const before = (await engine.ledger.head()).size;
    const id = (await engine.createCase('feedback-inquiry', question, car)).view.id;
    await engine.idle();
    const entries = await engine.storage.read.ledger.entriesOfCase(id);
    // The creation, its acknowledgement and the acknowledgement's delivery attempt.
    expect(entries.map((e) => e.kind)).toEqual(['event', 'message', 'delivery_attempt']);
    expect(JSON.parse(entries[0]!.entry)).toMatchObject({ v: 1, kind: 'event', caseId: id, seq: 1, type: 'created' });
    // No personal data in the log: an event by its hash, a message by the hash of its content.
    for (const e of entries) expect(e.entry).not.toMatch(/Айгерим|aigerim|Как\?/);
    const size = (await engine.ledger.head()).size;
    expect(size).toBe(before + entries.length);

    await expect(engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: { name: 'supervisor-user', role: 'supervisor' } })).rejects.toMatchObject({ code: 'event_not_allowed' });
    expect((await engine.ledger.head()).size).toBe(size);
    expect((await engine.verify(id)).problems).toEqual([]);
  });

  itSqlite('reports an event row the log does not hold, and a logged event the database lost', async () => {
    const { engine } = await engineOn();
    const id = (await engine.createCase('feedback-inquiry', question, car)).view.id;
    await engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'Р-1' } }, car);
    await engine.idle();
    onConnection(engine, (db) => {
      dropTripwires(db);
      db.prepare("DELETE FROM ledger_entries WHERE case_id = ? AND kind = 'event' AND ref = '1'").run(id);
    });
    expect((await engine.verify(id)).problems).toContainEqual(expect.objectContaining({ seq: 1, kind: 'not_logged' }));
  });
});

describe('the tripwires', () => {
  itSqlite.each([
    ['UPDATE events SET actor = ? WHERE seq = 1', ['x'], /events is append-only/],
    ['DELETE FROM events WHERE seq = 1', [], /events is append-only/],
    // The one update allowed (an old event's position, once): never a second time.
    ['UPDATE events SET log_position = 99 WHERE seq = 1', [], /events is append-only/],
    ['UPDATE ledger_entries SET entry = ? WHERE position = 0', ['{}'], /ledger_entries is append-only/],
    ['DELETE FROM cases', [], /rows of cases are never deleted/],
    ['DELETE FROM outbox', [], /rows of outbox are never deleted/],
    ['UPDATE ledger_head SET size = 0', [], /the log only grows/],
    ['UPDATE delivery_attempts SET error = ?', ['x'], /delivery_attempts is append-only/],
    // The register of the site's mandatory content (migration 001700).
    ['UPDATE site_content_revisions SET url = ?', ['https://example.kz'], /site_content_revisions is append-only/],
    ['DELETE FROM site_content_revisions', [], /site_content_revisions is append-only/],
  ])('refuse %s', async (statement, params, message) => {
    const { engine } = await engineOn();
    await engine.createCase('feedback-inquiry', question, car);
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: null }, { name: 'PS', role: 'press_secretary' }, 0);
    await engine.idle();
    expect(() => onConnection(engine, (db) => db.prepare(statement).run(...params))).toThrow(message);
  });
});

describe('finding a case\'s entries', () => {
  itSqlite('uses the events\' positions and the partial index, never a scan of the log', async () => {
    const { engine } = await engineOn();
    const id = (await engine.createCase('feedback-inquiry', question, car)).view.id;
    await engine.idle();
    const plans = onConnection(engine, (db) => [
      db.prepare("EXPLAIN QUERY PLAN SELECT ledger_entries.* FROM events INNER JOIN ledger_entries ON ledger_entries.position = events.log_position WHERE events.case_id = ?").all(id),
      db.prepare("EXPLAIN QUERY PLAN SELECT * FROM ledger_entries WHERE case_id = ? AND kind NOT IN ('event', 'read')").all(id),
    ]) as { detail: string }[][];
    expect(plans[0]!.map((p) => p.detail).join('; ')).toMatch(/SEARCH events USING .*PRIMARY KEY|SEARCH events USING INDEX sqlite_autoindex_events_1/);
    expect(plans[0]!.map((p) => p.detail).join('; ')).toMatch(/SEARCH ledger_entries USING INTEGER PRIMARY KEY/);
    expect(plans[1]!.map((p) => p.detail).join('; ')).toMatch(/SEARCH ledger_entries USING INDEX ledger_entries_case/);
    const entries = await engine.storage.read.ledger.entriesOfCase(id);
    expect(entries.map((e) => e.kind)).toEqual(['event', 'message', 'delivery_attempt']);
    expect((await engine.storage.read.events.list(id))[0]!.logPosition).toBe(entries[0]!.position);
  });
});

describe('a database older than the log', () => {
  itSqlite('logs its records once, at the first start, in one go', async () => {
    const first = await engineOn();
    const id = (await first.engine.createCase('feedback-inquiry', question, car)).view.id;
    await first.engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'Р-2' } }, car);
    await first.engine.recordReads([{ caseId: id, actor: 'auditor-user', role: 'auditor', route: 'GET /cases/{id}' }]);
    await first.engine.idle();
    const logged = (await first.engine.ledger.head()).size;
    // As migration 001300 leaves an older database: the log's tables empty, no event with a position.
    onConnection(first.engine, (db) => {
      dropTripwires(db);
      db.exec("UPDATE events SET log_position = NULL; DELETE FROM ledger_entries; DELETE FROM ledger_nodes; DELETE FROM ledger_tree_heads; UPDATE ledger_head SET size = 0, root_hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', frontier = '{\"size\":0,\"hashes\":[]}'");
    });
    await first.engine.close();
    engines.splice(0);
    const again = await engineOn(first.path);
    expect((await again.engine.ledger.head()).size).toBe(logged);
    expect((await again.engine.storage.read.ledger.entries(0, 1000)).map((e) => e.kind).sort()).toEqual(
      ['calendar_installed', 'delivery_attempt', 'event', 'event', 'message', 'read'].sort(),
    );
    expect((await again.engine.verify(id)).problems).toEqual([]);
    await again.engine.close();
    engines.splice(0);
    // Not again at the next start.
    const third = await engineOn(first.path);
    expect((await third.engine.ledger.head()).size).toBe(logged);
  });
});

describe('proofs from the stored hashes', () => {
  it('equal the reference proofs over every leaf, for sizes across the stored tiles (2^8, 2^16)', async () => {
    const { engine } = await engineOn();
    const log = new TransparencyLog(engine.clock);
    const total = 70_000;
    const entries: LogEntry[] = Array.from({ length: total }, (_, i) => ({ kind: 'read', caseId: null, ref: String(i), text: `{"i":${i}}` }));
    await engine.runner.queue.submit(async (repos) => {
      for (let i = 0; i < total; i += 5_000) await log.append(repos, entries.slice(i, i + 5_000));
    });
    const head = await engine.ledger.head();
    const leaves = (await engine.storage.read.ledger.leafHashes(0, head.size)).map((h) => Buffer.from(h, 'hex'));
    expect(head.rootHash).toBe(rootOf(leaves).toString('hex'));
    const read = engine.storage.read;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: head.size }), fc.nat(), fc.nat(), async (size, i, j) => {
        const index = i % size;
        expect(await log.inclusionProof(read, index, size)).toEqual(inclusionProof(leaves, index, size));
        const first = 1 + (j % size);
        expect(await log.consistencyProof(read, first, size)).toEqual(consistencyProof(leaves, first, size));
      }),
      { numRuns: 40, examples: [[65_536, 65_535, 255], [head.size, 0, 65_535], [257, 256, 255]] },
    );
    await expect(log.inclusionProof(read, 5, head.size + 1)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(log.consistencyProof(read, 0, 10)).rejects.toMatchObject({ code: 'invalid_request' });
  }, 120_000);
});
