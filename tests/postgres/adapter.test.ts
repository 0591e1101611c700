/**
 * The PostgreSQL adapter's own properties (storage/postgres/), on a fresh database of
 * TEST_DATABASE_URL's server: what tests/helpers/sqlite-file.ts tests on the SQLite file,
 * done with PostgreSQL's means — the tripwires refuse an insider's statements (TRUNCATE
 * too), a batch waits for another transaction's write lock and answers storage_busy when it
 * outlasts the busy timeout, verify finds a rewritten row, a database with the wrong
 * collation is refused, and the idempotency keys the server scopes with U+0000 are stored.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine, EngineError, SimulatedClock, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { PostgresStorage, StorageError } from '../../storage/index.js';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../helpers/pg-database.js';

const kz = loadKzCalendar();
const question = { applicant: { name: 'Айгерим Сапарова', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Как?' };
const car = { actor: { name: 'car-user', role: 'car' as const } };

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function engineOn(url = db.url, extra: { busyTimeoutMs?: number } = {}): Promise<Engine> {
  const engine = await createEngine({
    databasePath: url,
    calendar: kz,
    procedures,
    clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
    transport: { sendMail: async () => ({ response: '250 ok' }) },
    ...extra,
  });
  engines.push(engine);
  await engine.start();
  return engine;
}

describe('the tripwires (migration 001300, PostgreSQL form)', () => {
  it.each([
    ["UPDATE events SET actor = 'x' WHERE seq = 1", /events is append-only/],
    ['DELETE FROM events WHERE seq = 1', /events is append-only/],
    // The one update allowed (an old event's position, once): never a second time.
    ['UPDATE events SET log_position = 99 WHERE seq = 1', /events is append-only/],
    ["UPDATE ledger_entries SET entry = '{}' WHERE position = 0", /ledger_entries is append-only/],
    ['DELETE FROM cases', /rows of cases are never deleted/],
    ['DELETE FROM outbox', /rows of outbox are never deleted/],
    ['UPDATE ledger_head SET size = 0', /the log only grows/],
    ["UPDATE delivery_attempts SET error = 'x'", /delivery_attempts is append-only/],
    ['TRUNCATE ledger_entries', /ledger_entries is append-only/],
    ['TRUNCATE case_reads', /case_reads is append-only/],
    ['TRUNCATE events CASCADE', /append-only|never deleted/],
    // The register of the site's mandatory content (migration 001700).
    ["UPDATE site_content_revisions SET url = 'https://example.kz'", /site_content_revisions is append-only/],
    ['DELETE FROM site_content_revisions', /site_content_revisions is append-only/],
    ['TRUNCATE site_content_revisions', /site_content_revisions is append-only/],
  ])('refuse %s', async (statement, message) => {
    const engine = await engineOn();
    await engine.createCase('feedback-inquiry', question, car);
    // One database for every row: the entry's next revision.
    const revision = (await engine.siteContent.history('news')).length;
    await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: null, note: `row ${revision}` }, { name: 'PS', role: 'press_secretary' }, revision);
    await engine.idle();
    await expect(client.query(statement)).rejects.toThrow(message);
  });
});

describe('batches of several processes', () => {
  it('waits for another transaction holding the write lock, then answers storage_busy (503) after the busy timeout, and recovers', async () => {
    const engine = await engineOn(db.url, { busyTimeoutMs: 300 });
    const { view } = await engine.createCase('feedback-inquiry', question, car);
    // Another process's batch, in the middle of its transaction.
    await client.query('begin');
    await client.query('select size from ledger_head where id = 1 for update');
    try {
      const e = await engine
        .applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'ВХ-1' } }, car)
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EngineError);
      expect(e).toMatchObject({ code: 'storage_busy', status: 503 });
    } finally {
      await client.query('rollback');
    }
    const ok = await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'ВХ-1' } }, car);
    expect(ok.view.seq).toBe(2);
  });

  it('keeps a waiting batch waiting while the lock is held within the timeout, and commits it after', async () => {
    const engine = await engineOn(db.url, { busyTimeoutMs: 5000 });
    const { view } = await engine.createCase('feedback-inquiry', question, car);
    await client.query('begin');
    await client.query('select size from ledger_head where id = 1 for update');
    let done = false;
    const pending = engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'ВХ-2' } }, car).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    await client.query('commit');
    expect((await pending).view.seq).toBe(2);
  });
});

describe('the record as evidence', () => {
  it('verify names the case and the seq of an event rewritten with SQL (the tripwire dropped, as an insider would)', async () => {
    const engine = await engineOn();
    const { view } = await engine.createCase('feedback-inquiry', question, car);
    await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'ВХ-3' } }, car);
    await engine.idle();
    expect((await engine.verify(view.id)).ok).toBe(true);
    await client.query('alter table events disable trigger events_no_update');
    try {
      await client.query(`update events set payload = $1 where case_id = $2 and seq = 2`, ['{"registrationNumber":"ВХ-999"}', view.id]);
    } finally {
      await client.query('alter table events enable trigger events_no_update');
    }
    const result = await engine.verify(view.id);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ seq: 2 }));
  });
});

describe('opening', () => {
  it('refuses a database whose collation does not sort as C, saying how to create one', async () => {
    const name = `qaz_coll_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    try {
      // en_US.UTF-8 may not exist on the server; any non-C collation the server has will do.
      const { rows } = await admin.query<{ collname: string }>(
        "select collcollate as collname from pg_collation where collprovider = 'c' and collcollate not in ('C', 'POSIX', 'C.UTF-8', 'C.utf8', '') and collencoding in (-1, 6) limit 1",
      );
      const locale = rows[0]?.collname;
      if (!locale) {
        // A server with only C locales cannot hold a wrong database; the check is then moot here.
        expect(rows).toEqual([]);
        return;
      }
      await admin.query(`create database ${name} template template0 encoding 'UTF8' lc_collate '${locale}' lc_ctype '${locale}'`);
      const url = new URL(testServerUrl());
      url.pathname = `/${name}`;
      await expect(PostgresStorage.open({ url: url.toString() })).rejects.toThrow(/collation .* createdb --template=template0 --locale=C.UTF-8/);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });

  it('answers storage_unavailable naming the server (never the password) when nothing listens there', async () => {
    const e = await PostgresStorage.open({ url: 'postgres://someone:secret@127.0.0.1:1/nothing' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StorageError);
    expect(e).toMatchObject({ code: 'storage_unavailable' });
    expect(String((e as Error).message)).not.toContain('secret');
  });

  it('opens read-only for the auditors: reads answer, a batch is refused, health says read_only', async () => {
    const engine = await engineOn();
    await engine.createCase('feedback-inquiry', question, car);
    await engine.idle();
    const ro = await PostgresStorage.open({ url: db.url, readOnly: true });
    try {
      expect(await ro.read.cases.count()).toBeGreaterThan(0);
      await expect(ro.beginBatch()).rejects.toMatchObject({ code: 'storage_unavailable' });
      await expect(ro.health()).rejects.toMatchObject({ reason: 'read_only' });
    } finally {
      await ro.close();
    }
  });
});

describe('idempotency keys', () => {
  it('stores the per-user keys the server scopes with U+0000 (PostgreSQL text holds no U+0000), and finds them again', async () => {
    const engine = await engineOn();
    const key = 'car-user\u0000form-1\\0';
    const first = await engine.createCase('feedback-inquiry', question, { ...car, idempotencyKey: key });
    const again = await engine.createCase('feedback-inquiry', question, { ...car, idempotencyKey: key });
    expect(again.view.id).toBe(first.view.id);
    // A key differing only where the escaping works stays a different key.
    const other = await engine.createCase('feedback-inquiry', question, { ...car, idempotencyKey: 'car-user\\0form-1\\0' });
    expect(other.view.id).not.toBe(first.view.id);
  });
});
