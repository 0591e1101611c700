/**
 * Moving a deployment (issue 17 §4, storage/copy.ts): a SQLite database built by the real
 * engine (several procedures' cases through several states, a correction, messages with a
 * failed and a successful delivery attempt, reads, a fired deadline, a calendar install, a
 * feed token, an idempotent creation, a signed checkpoint) copied into a fresh PostgreSQL
 * database: every row the same, `verify` and `ledger verify` give the same answers, and an
 * engine on the copy continues where the source stopped. A non-empty target is refused and
 * left as it was; a failure mid-copy leaves the target empty.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { openAuditStore, type AuditStore } from '../../engine/audit.js';
import { candidateOf } from '../../engine/calendar-versions.js';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { verifyLedger } from '../../engine/ledger/verify.js';
import { leafHash, verifyInclusion } from '../../lib/merkle.js';
import { generatePrivateKeyPem, loadPrivateKey, loadPublicKey, publicKeyPem } from '../../lib/signed-note.js';
import { legacyProcedures, procedures } from '../../machines/index.js';
import { copyDatabase, CopyRefused, PostgresStorage, SqliteStorage } from '../../storage/index.js';
import type { Database } from '../../storage/schema.js';
import { decreeData } from '../engine/fixtures/decree.js';
import { directory, policy } from '../engine/notifications/helpers.js';
import { openSqliteFile } from '../helpers/sqlite-file.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';

const kz = loadKzCalendar();
const dir = mkdtempSync(join(tmpdir(), 'qi-copy-'));
const source = join(dir, 'source.sqlite');
const keyPem = generatePrivateKeyPem();
const publicKey = loadPublicKey(publicKeyPem(loadPrivateKey(keyPem)));
const checkpointFile = join(dir, 'published.checkpoint');
let checkpointSize = 0;
const caseIds: string[] = [];
/** The case the engine on the copy continues. */
let open = '';

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const d = await createTestDatabase();
  databases.push(d);
  return d;
}

/** Every copied table with its primary key: the order both sides are read in. */
const KEYS: Record<keyof Database & string, string[]> = {
  cases: ['id'],
  events: ['case_id', 'seq'],
  timers: ['case_id', 'key'],
  outbox: ['id'],
  delivery_attempts: ['outbox_id', 'attempt'],
  idempotency_keys: ['key'],
  case_reads: ['id'],
  feed_tokens: ['id'],
  site_content_revisions: ['id'],
  reminders: ['case_id', 'key', 'slot'],
  deadline_ledger: ['case_id', 'key', 'turn'],
  calendar_versions: ['id'],
  ledger_entries: ['position'],
  ledger_head: ['id'],
  ledger_tree_heads: ['size'],
  ledger_nodes: ['level', 'idx'],
  ledger_checkpoints: ['id'],
};
/** Columns the target computes (generated), not part of the copy. */
const GENERATED = new Set(['closed_late', 'search_words']);

async function rowsOf(db: Kysely<Database>, table: keyof Database & string): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.join(KEYS[table].map((k) => sql.ref(k)))}`.execute(db);
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !GENERATED.has(k))));
}

async function countsOf(db: Kysely<Database>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of Object.keys(KEYS)) {
    out[table] = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
  }
  return out;
}

async function onPostgres<T>(url: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const s = await PostgresStorage.open({ url, readOnly: true, poolSize: 1 });
  try {
    return await fn(s.builder);
  } finally {
    await s.close();
  }
}

async function onSqlite<T>(path: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const s = await SqliteStorage.open({ path, readOnly: true });
  try {
    return await fn(s.builder);
  } finally {
    await s.close();
  }
}

const audit = (databasePath: string): Promise<AuditStore> => openAuditStore({ databasePath, calendar: kz, procedures, legacyModules: legacyProcedures });

const as = (role: string) => ({ actor: { name: `${role}-user`, role: role as never } });
async function steps(engine: Engine, id: string, list: [string, string, Record<string, unknown>?][]): Promise<void> {
  for (const [role, type, payload] of list) await engine.applyEvent(id, { type, payload: payload ?? {} }, as(role));
}
const question = (email: string) => ({ applicant: { name: 'Жанар Тестова', email }, language: 'ru', kind: 'question', text: 'Как получить меру поддержки?' });

beforeAll(async () => {
  const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
  let sends = 0;
  const engine = await createEngine({
    databasePath: source,
    calendar: kz,
    procedures,
    clock,
    // The first message fails once (a delivery attempt `failed`, retried later), the rest are delivered.
    transport: {
      sendMail: async () => {
        if (++sends === 1) throw Object.assign(new Error('421 try again later'), { responseCode: 421 });
        return { response: '250 ok' };
      },
    },
    ledger: { keyPem, checkpointsDir: join(dir, 'published'), checkpointEveryMs: 0 },
    // Staff reminders and a digest (a staff mail without a case).
    notificationPolicy: policy,
    staffDirectory: directory,
  });
  await engine.start();
  // P3 answered late, its applicant's e-mail corrected.
  const late = (await engine.createCase('feedback-inquiry', question('zhanar@example.kz'), { ...as('car'), idempotencyKey: 'create-late-1' })).view.id;
  clock.set('2025-03-07T05:00:00.000Z');
  await steps(engine, late, [
    ['car', 'register', { registrationNumber: 'ЗТ-77' }],
    ['supervisor', 'assign', { unit: 'Legal' }],
    ['car', 'correct', { seq: 1, field: 'applicant.email', value: 'zhanar.t@example.kz', reason: 'опечатка в адресе' }],
    ['unit', 'submit_answer', { text: 'Ответ', citations: ['Закон РК «О доступе к информации», ст. 11'], language: 'ru' }],
  ]);
  clock.set('2025-03-28T05:00:00.000Z');
  await steps(engine, late, [['supervisor', 'approve_answer']]);
  // P3 whose review term passes: the timer fires `deadline_missed`.
  const missed = (await engine.createCase('feedback-inquiry', question('other@example.kz'), as('car'))).view.id;
  clock.set('2025-04-20T05:00:00.000Z');
  await engine.idle();
  // P4 through a few states; a publication just created.
  const blog = (await engine.createCase('blog-question', { channel: 'blog', author: { name: 'Ерлан' }, language: 'ru', text: 'Вопрос' }, as('press_secretary'))).view.id;
  await steps(engine, blog, [
    ['car', 'register', { registrationNumber: 'БЛ-1' }],
    ['press_secretary', 'assign', { unit: 'U1' }],
  ]);
  open = blog;
  const publication = (await engine.createCase('publication', { title: 'Новость', kind: 'regular', channels: ['site'], plannedFor: '2025-05-10' }, as('initiator'))).view.id;
  caseIds.push(late, missed, blog, publication);
  await engine.recordReads([
    { caseId: late, actor: 'auditor-user', role: 'auditor', route: 'GET /cases/{id}' },
    { caseId: blog, actor: 'supervisor-user', role: 'supervisor', route: 'GET /cases/{id}/history' },
  ]);
  // Enough reads for the log's first stored subtree of 2^8 leaves (ledger_nodes).
  await engine.recordReads(Array.from({ length: 300 }, (_, i) => ({ caseId: caseIds[i % caseIds.length]!, actor: `auditor-${i % 7}`, role: 'auditor' as const, route: 'GET /cases/{id}' })));
  await engine.feedTokens.issue('unit-user');
  // The register of the site's mandatory content (п. 9): two revisions of one kind.
  await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/news', unit: null }, { name: 'ps', role: 'press_secretary' }, 0);
  await engine.siteContent.update('news', { url: 'https://qazindustry.gov.kz/press', unit: null, note: 'moved' }, { name: 'ps', role: 'press_secretary' }, 1);
  await engine.installCalendar(candidateOf(decreeData()), 'cli');
  clock.set('2025-04-21T05:00:00.000Z');
  await engine.idle();
  const cp = await engine.ledger.signCheckpoint();
  checkpointSize = cp.size;
  writeFileSync(checkpointFile, cp.note);
  await engine.close();
}, 120_000);

afterAll(async () => {
  for (const d of databases.splice(0)) await d.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run db -- copy (storage/copy.ts)', () => {
  let target: TestDatabase;
  let copied: Awaited<ReturnType<typeof copyDatabase>>;

  beforeAll(async () => {
    target = await freshDatabase();
    copied = await copyDatabase({ from: source, to: target.url });
  }, 120_000);

  it('copies every table, row for row, every stored column the same', async () => {
    const counts = await onSqlite(source, countsOf);
    // The source exercises every table (else this test would prove less than it says).
    for (const [table, n] of Object.entries(counts)) expect(n, table).toBeGreaterThan(0);
    expect(await onSqlite(source, (db) => sql<{ n: number }>`select count(*) as n from delivery_attempts where outcome = 'failed'`.execute(db))).toMatchObject({ rows: [{ n: 1 }] });
    expect(copied.tables).toEqual(counts);
    expect(await onPostgres(target.url, countsOf)).toEqual(counts);
    for (const table of Object.keys(KEYS) as (keyof Database & string)[]) {
      const a = await onSqlite(source, (db) => rowsOf(db, table));
      const b = await onPostgres(target.url, (db) => rowsOf(db, table));
      if (table === 'ledger_head') {
        // Not copied: it counts the commits of the database it is in (migration 001500): the copy's own.
        const rest = (rows: Record<string, unknown>[]) => rows.map(({ batches: _, ...others }) => others);
        expect(rest(b), table).toEqual(rest(a));
        expect([b, a].map((rows) => rows.map((r) => Number(r.batches)))).toEqual([[1], [0]]);
      } else expect(b, table).toEqual(a);
    }
    // The generated columns, computed by the target, say the same as the source's.
    const late = (db: Kysely<Database>) => sql<{ id: string; closed_late: number }>`select id, closed_late from cases order by id`.execute(db).then((r) => r.rows.map((x) => [x.id, Number(x.closed_late)]));
    expect(await onPostgres(target.url, late)).toEqual(await onSqlite(source, late));
    // The search's words, computed by the copy (migration 001900): the source's FTS words, lower-cased.
    const pgWords = await onPostgres(target.url, (db) => sql<{ id: string; w: string }>`select id, search_words as w from cases order by id`.execute(db));
    const sqliteWords = await onSqlite(source, (db) => sql<{ id: string; w: string }>`select c.id, s.words as w from cases c join cases_search s on s.rowid = c.rowid order by c.id`.execute(db));
    expect(pgWords.rows.filter((r) => r.w !== '').length).toBeGreaterThan(0);
    expect(pgWords.rows).toEqual(sqliteWords.rows.map((r) => ({ id: r.id, w: r.w.toLowerCase() })));
  });

  it('gives the same verify and ledger verify answers on both', async () => {
    const checkpoints = [{ source: checkpointFile, note: readFileSync(checkpointFile, 'utf8') }];
    const answers = async (location: string) => {
      const store = await audit(location);
      try {
        const verify = [];
        for (const id of caseIds) verify.push(await store.verify(id));
        const ledger = await verifyLedger({ read: store.storage.read, registry: store.registry, deps: store.calendars, checkpoints, publicKey });
        return { verify, ledger };
      } finally {
        await store.close();
      }
    };
    const onSource = await answers(source);
    const onCopy = await answers(target.url);
    expect(onCopy).toEqual(onSource);
    for (const v of onCopy.verify) expect(v).toMatchObject({ ok: true, problems: [] });
    expect(onCopy.ledger).toMatchObject({ ok: true, problems: [] });
    expect(onCopy.ledger.checkpoints).toEqual([expect.objectContaining({ ok: true, size: checkpointSize })]);
  });

  it('runs the engine on the copy: the case continues its chain and the log its positions; proofs check against the checkpoint', async () => {
    const work = await freshDatabase();
    await copyDatabase({ from: source, to: work.url });
    const before = await onPostgres(work.url, async (db) => ({
      case: (await sql<{ seq: number; head_hash: string }>`select seq, head_hash from cases where id = ${open}`.execute(db)).rows[0]!,
      head: (await sql<{ size: number }>`select size from ledger_head`.execute(db)).rows[0]!.size,
      reads: Number((await sql<{ m: number }>`select max(id) as m from case_reads`.execute(db)).rows[0]!.m),
      checkpoints: Number((await sql<{ m: number }>`select max(id) as m from ledger_checkpoints`.execute(db)).rows[0]!.m),
    }));
    const engine = await createEngine({
      databasePath: work.url,
      calendar: kz,
      procedures,
      clock: new SimulatedClock('2025-04-22T05:00:00.000Z'),
      transport: { sendMail: async () => ({ response: '250 ok' }) },
      ledger: { keyPem, checkpointsDir: join(dir, 'published-pg'), checkpointEveryMs: 0 },
    });
    try {
      await engine.start();
      // An inclusion proof from the copy, for the checkpoint signed on SQLite.
      const proof = await engine.ledger.inclusionProof({ caseId: open, seq: 1, treeSize: checkpointSize });
      const cpRoot = Buffer.from((await engine.ledger.latestCheckpoint())!.rootHash, 'hex');
      expect(verifyInclusion(leafHash(proof.entry), proof.leafIndex, proof.treeSize, proof.inclusionPath.map((h) => Buffer.from(h, 'base64')), cpRoot)).toBe(true);

      const r = await engine.applyEvent(open, { type: 'submit_answer', payload: { text: 'черновик' } }, as('unit'));
      expect(r.view.seq).toBe(before.case.seq + 1);
      const history = await engine.history(open);
      expect(history.at(-1)).toMatchObject({ seq: before.case.seq + 1, type: 'submit_answer', prevHash: before.case.head_hash });
      await engine.recordReads([{ caseId: open, actor: 'auditor-user', role: 'auditor', route: 'GET /cases/{id}' }]);
      await engine.idle();
      expect((await engine.verify(open)).problems).toEqual([]);
      const cp = await engine.ledger.signCheckpoint();
      // The sequence continues past the copied ids (the engine may have signed one at start too).
      expect(cp.id).toBeGreaterThan(before.checkpoints);
      expect(cp.size).toBeGreaterThan(before.head);
      const event = (await engine.storage.read.events.list(open)).at(-1)!;
      expect(event.logPosition).toBeGreaterThanOrEqual(before.head);
      const reads = await onPostgres(work.url, (db) => sql<{ id: number }>`select id from case_reads order by id desc limit 1`.execute(db));
      expect(Number(reads.rows[0]!.id)).toBe(before.reads + 1);
    } finally {
      await engine.close();
    }
    // The whole log, old entries and new, still verifies against the SQLite checkpoint and the new one.
    const store = await audit(work.url);
    try {
      const latest = (await store.storage.read.ledger.latestCheckpoint())!;
      const r = await verifyLedger({
        read: store.storage.read,
        registry: store.registry,
        deps: store.calendars,
        checkpoints: [{ source: checkpointFile, note: readFileSync(checkpointFile, 'utf8') }, { source: 'latest', note: latest.note }],
        publicKey,
      });
      expect(r).toMatchObject({ ok: true, problems: [] });
    } finally {
      await store.close();
    }
  });

  it('refuses a target that is not empty, and leaves it as it was', async () => {
    const before = await onPostgres(target.url, async (db) => ({ counts: await countsOf(db), head: await rowsOf(db, 'ledger_head') }));
    const e = await copyDatabase({ from: source, to: target.url }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CopyRefused);
    expect((e as Error).message).toMatch(new RegExp(`the target database .* is not empty: ${before.counts.cases} cases, ${before.counts.events} events`));
    expect(await onPostgres(target.url, async (db) => ({ counts: await countsOf(db), head: await rowsOf(db, 'ledger_head') }))).toEqual(before);
  });

  it('leaves the target empty when the copy fails midway, and a second copy then succeeds', async () => {
    const t = await freshDatabase();
    const seen: string[] = [];
    await expect(
      copyDatabase({
        from: source,
        to: t.url,
        pageSize: 2,
        onProgress: ({ table }) => {
          seen.push(table);
          if (table === 'outbox') throw new Error('injected failure after the cases and events were written');
        },
      }),
    ).rejects.toThrow(/copying outbox failed: injected failure/);
    expect(seen).toContain('events');
    const empty = Object.fromEntries(Object.keys(KEYS).map((k) => [k, k === 'ledger_head' ? 1 : 0]));
    expect(await onPostgres(t.url, countsOf)).toEqual(empty);
    expect(await onPostgres(t.url, (db) => sql<{ size: number }>`select size from ledger_head`.execute(db))).toMatchObject({ rows: [{ size: 0 }] });
    // Small pages (2 rows) copy the same rows as large ones.
    const r = await copyDatabase({ from: source, to: t.url, pageSize: 2 });
    expect(r.tables).toEqual(copied.tables);
    expect(await onPostgres(t.url, (db) => rowsOf(db, 'events'))).toEqual(await onSqlite(source, (db) => rowsOf(db, 'events')));
  });

  it('leaves the target empty when the target refuses a row (text with a NUL byte)', async () => {
    const bad = join(dir, 'nul.sqlite');
    copyFileSync(source, bad);
    const db = openSqliteFile(bad);
    try {
      db.prepare('insert into idempotency_keys (key, request_hash, response_status, response_body, case_id, created_at) values (?, ?, ?, ?, ?, ?)').run(
        'k-nul',
        'h',
        201,
        'a\u0000b',
        null,
        '2025-04-21T05:00:00.000Z',
      );
    } finally {
      db.close();
    }
    const t = await freshDatabase();
    await expect(copyDatabase({ from: bad, to: t.url })).rejects.toThrow(/copying idempotency_keys failed: .*0x00/);
    expect((await onPostgres(t.url, countsOf)).cases).toBe(0);
  });

  it("carries the server's per-user idempotency keys (U+0000 inside, stored escaped on PostgreSQL): a retry after the move gets the first answer", async () => {
    const keyed = join(dir, 'keyed.sqlite');
    copyFileSync(source, keyed);
    const key = 'car-user\u0000form-after-move';
    const input = question('retry@example.kz');
    const onFile = await createEngine({ databasePath: keyed, calendar: kz, procedures, clock: new SimulatedClock('2025-04-22T05:00:00.000Z'), ledger: { keyPem } });
    let first: string;
    try {
      first = (await onFile.createCase('feedback-inquiry', input, { ...as('car'), idempotencyKey: key })).view.id;
    } finally {
      await onFile.close();
    }
    const t = await freshDatabase();
    await copyDatabase({ from: keyed, to: t.url });
    const onPg = await createEngine({ databasePath: t.url, calendar: kz, procedures, clock: new SimulatedClock('2025-04-22T05:00:00.000Z'), ledger: { keyPem } });
    try {
      const again = await onPg.createCase('feedback-inquiry', input, { ...as('car'), idempotencyKey: key });
      expect(again.view.id).toBe(first);
      expect(again.replayed).toBe(true);
    } finally {
      await onPg.close();
    }
  });

  it('refuses a source whose migrations are not all applied, naming them', async () => {
    const old = join(dir, 'old.sqlite');
    copyFileSync(source, old);
    const db = openSqliteFile(old);
    try {
      db.prepare("delete from kysely_migration where name = '2026_12_04_001300_transparency_log'").run();
    } finally {
      db.close();
    }
    const t = await freshDatabase();
    await expect(copyDatabase({ from: old, to: t.url })).rejects.toThrow(/lacks migrations 2026_12_04_001300_transparency_log: start the server on it once/);
    await expect(copyDatabase({ from: join(dir, 'none.sqlite'), to: t.url })).rejects.toThrow(/does not exist/);
  });

  it('copies at a measured rate (printed)', () => {
    // The copy above: the rate is reported by the CLI too (rows / s).
    expect(copied.rows).toBeGreaterThan(0);
    console.log(`copy: ${copied.rows} rows in ${copied.ms.toFixed(0)} ms`);
  });
});
