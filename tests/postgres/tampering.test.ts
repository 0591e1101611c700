/**
 * Issue 16's tampering "Seen" list on PostgreSQL (issue 17 §1: `ledger verify` works on both,
 * with the same answers): each rewrite an insider with a superuser's access to the database
 * would make, done on a copy of a database after a checkpoint was published, with the
 * tripwires switched off the way such an insider would (`session_replication_role = replica`),
 * is detected by `npm run audit -- ledger verify` holding only that checkpoint and the public
 * key, and the report names the case, exactly as on a SQLite file (tests/ledger/tampering.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GENESIS_HASH } from '../../engine/hash.js';
import { leafHash } from '../../lib/merkle.js';
import type { EventRow } from '../../storage/schema.js';
import { auditOn } from '../helpers/audit.js';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../helpers/pg-database.js';
import { buildLedgerFixture, entryOfRow, rechained, recomputedTree, type LedgerFixture } from '../helpers/tampering-fixture.js';

// Each test copies a database and runs the audit CLI on it: seconds on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

let dir: string;
let original: TestDatabase;
let f: LedgerFixture;
const copies: string[] = [];
let pristine: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qi-pg-ledger-'));
  original = await createTestDatabase();
  f = await buildLedgerFixture(original.url, dir);
  // The copies' template: nobody ever connects to it (CREATE DATABASE refuses a template in use).
  pristine = `${new URL(original.url).pathname.slice(1)}_p`;
  copies.push(pristine);
  await admin(`create database ${pristine} template ${new URL(original.url).pathname.slice(1)}`);
}, 60_000);

afterAll(async () => {
  for (const name of copies) await admin(`drop database if exists ${name} with (force)`);
  await original?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: testServerUrl() });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** A copy of the database (CREATE DATABASE … TEMPLATE) with `tamper` run in one transaction on it, its triggers off. */
async function tampered(tamper: (db: pg.Client) => Promise<void>): Promise<string> {
  const name = `${new URL(original.url).pathname.slice(1)}_t${copies.length + 1}`;
  copies.push(name);
  await admin(`create database ${name} template ${pristine}`);
  const url = new URL(original.url);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await db.query('begin');
    await db.query('set local session_replication_role = replica');
    await tamper(db);
    await db.query('commit');
  } finally {
    await db.end();
  }
  return url.toString();
}

const verifyLedger = (url: string) => auditOn(url, ['ledger', 'verify', '--checkpoint', f.checkpointFile, '--public-key', f.publicKeyFile], { env: { DATABASE_URL: url } });
const verifyAll = (url: string) => auditOn(url, ['verify'], { env: { DATABASE_URL: url } });

const EVENT_COLUMNS = ['case_id', 'seq', 'type', 'payload', 'role', 'actor', 'occurred_at', 'recorded_at', 'prev_hash', 'hash', 'backdating_reason', 'calendar_version'] as const;

/** Rewrites a case's events with `edit` and recomputes its whole hash chain and head, as the product would. */
async function rewriteChain(db: pg.Client, caseId: string, edit: (rows: EventRow[]) => EventRow[]): Promise<void> {
  const rows = rechained((await db.query<EventRow>('select * from events where case_id = $1 order by seq', [caseId])).rows, edit);
  await db.query('delete from events where case_id = $1', [caseId]);
  for (const row of rows) {
    await db.query(`insert into events (${EVENT_COLUMNS.join(', ')}) values (${EVENT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, EVENT_COLUMNS.map((c) => row[c]));
  }
  await db.query('update cases set seq = $1, head_hash = $2 where id = $3', [rows.length, rows.at(-1)?.hash ?? GENESIS_HASH, caseId]);
}

/** Every event entry of `caseId` rewritten to match its (rewritten) event rows, and the whole tree recomputed. */
async function recomputeLog(db: pg.Client, caseId: string): Promise<void> {
  for (const e of (await db.query<EventRow>('select * from events where case_id = $1 order by seq', [caseId])).rows) {
    const { text, leafHash } = entryOfRow(e);
    await db.query("update ledger_entries set entry = $1, leaf_hash = $2 where case_id = $3 and kind = 'event' and ref = $4", [text, leafHash, caseId, String(e.seq)]);
  }
  const tree = recomputedTree((await db.query<{ leaf_hash: string }>('select leaf_hash from ledger_entries order by position')).rows.map((r) => r.leaf_hash));
  await db.query('delete from ledger_nodes');
  await db.query('delete from ledger_tree_heads');
  for (const n of tree.nodes) await db.query('insert into ledger_nodes (level, idx, hash) values ($1, $2, $3)', [n.level, n.index, n.hash]);
  await db.query('insert into ledger_tree_heads (size, root_hash, at) values ($1, $2, $3)', [tree.size, tree.rootHash, '2025-04-01T00:00:00.000Z']);
  await db.query('update ledger_head set root_hash = $1, frontier = $2 where id = 1', [tree.rootHash, tree.frontierJson]);
}

const submitRewritten = (rows: EventRow[]) => rows.map((r) => (r.type === 'submit_answer' ? { ...r, payload: JSON.stringify({ ...JSON.parse(r.payload), text: 'Подменённый ответ' }) } : r));

describe('on PostgreSQL, an untouched database', () => {
  it('verifies against the published checkpoint', async () => {
    const r = await verifyLedger(original.url);
    expect(r.out).toContain(`ok   checkpoint ${f.checkpointFile} (size ${f.checkpointSize})`);
    expect(r.out).toMatch(/log of \d+ entries over 2 case\(s\): ok/);
    expect(r.code).toBe(0);
  });

  it('refuses the insider’s rewrite while the tripwires are on', async () => {
    const c = new pg.Client({ connectionString: original.url });
    await c.connect();
    try {
      await expect(c.query("update events set payload = '{}' where case_id = $1 and seq = 4", [f.late])).rejects.toThrow(/append-only/);
      await expect(c.query('delete from ledger_entries')).rejects.toThrow(/append-only/);
    } finally {
      await c.end();
    }
  });
});

describe('on PostgreSQL, the rewrites seen, each detected and naming the case', () => {
  it('a context edited in place (met_late → met, the applicant’s e-mail): the stored state is not the replay', async () => {
    const url = await tampered(async (db) => {
      await db.query(
        `update cases set context = jsonb_set(jsonb_set(context::jsonb, '{deadlines,review,status}', '"met"'), '{applicant,email}', '"forged@example.kz"')::text where id = $1`,
        [f.late],
      );
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`case ${f.late}`);
    expect(r.out).toMatch(/context_mismatch: .*the stored context differs from the replay in applicant, deadlines/);
    expect((await verifyAll(url)).out).toContain(`FAIL case ${f.late} seq 5 context_mismatch`);
  });

  it('the acknowledgement’s text changed in the outbox', async () => {
    const url = await tampered(async (db) => {
      await db.query(`update outbox set payload = jsonb_set(payload::jsonb, '{text}', '"Поддельный текст"')::text where case_id = $1 and event_seq = 1`, [f.late]);
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${f.late} seq 1 message_mismatch: message ${f.late}:1:0: its recipient or text differs`));
  });

  it('an answer’s text rewritten with the chain recomputed', async () => {
    const url = await tampered((db) => rewriteChain(db, f.late, submitRewritten));
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${f.late} seq 4 log_mismatch: event 4 differs from the one logged at position \\d+`));
    expect(r.out).not.toMatch(/hash_mismatch|prev_hash_mismatch/);
  });

  it('a staff event’s occurred_at moved before the due date with the chain and the state recomputed (met_late → met)', async () => {
    const url = await tampered(async (db) => {
      await rewriteChain(db, f.late, (rows) => rows.map((r) => (r.type === 'approve_answer' ? { ...r, occurred_at: '2025-03-26T05:00:00.000Z' } : r)));
      await db.query(`update cases set context = jsonb_set(context::jsonb, '{deadlines,review,status}', '"met"')::text where id = $1`, [f.late]);
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${f.late} seq 5 log_mismatch`));
  });

  it('the approval and its e-mail deleted, the chain recomputed', async () => {
    const url = await tampered(async (db) => {
      await rewriteChain(db, f.late, (rows) => rows.filter((r) => r.type !== 'approve_answer'));
      await db.query('delete from delivery_attempts where outbox_id in (select id from outbox where case_id = $1 and event_seq = 5)', [f.late]);
      await db.query('delete from outbox where case_id = $1 and event_seq = 5', [f.late]);
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${f.late} seq 5 missing_event: event 5 \\(approve_answer, recorded 2025-03-28T05:00:00.000Z\\) is in the log at position \\d+ but not in the database`));
    expect(r.out).toMatch(new RegExp(`case ${f.late} seq 5 message_missing: message ${f.late}:5:0 is in the log`));
  });

  it('every row of one case deleted', async () => {
    const url = await tampered(async (db) => {
      await db.query('delete from delivery_attempts where outbox_id in (select id from outbox where case_id = $1)', [f.late]);
      for (const table of ['events', 'outbox', 'timers', 'reminders', 'deadline_ledger', 'case_reads']) await db.query(`delete from ${table} where case_id = $1`, [f.late]);
      await db.query('delete from cases where id = $1', [f.late]);
    });
    expect((await verifyAll(url)).code).toBe(0);
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL case_missing: case ${f.late} is in the log but not in the database: its rows were deleted`);
  });

  it('an entry rewritten with its leaf hash, the tree left alone: the batch it was committed in is named', async () => {
    let position = -1;
    const url = await tampered(async (db) => {
      const row = (await db.query<{ position: string; entry: string }>("select position, entry from ledger_entries where case_id = $1 and kind = 'event' and ref = '4'", [f.late])).rows[0]!;
      position = Number(row.position);
      const text = row.entry.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'0'.repeat(64)}"`);
      const leaf = leafHash(text).toString('hex');
      await db.query('update ledger_entries set entry = $1, leaf_hash = $2 where position = $3', [text, leaf, position]);
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    const [, from, to] = /FAIL tree_head_mismatch: .*entries (\d+) to (\d+) were committed/.exec(r.out) ?? [];
    expect(Number(from)).toBeLessThanOrEqual(position);
    expect(Number(to)).toBeGreaterThanOrEqual(position);
    expect(r.out).toMatch(/FAIL checkpoint_mismatch: .*the first entry that differs is (at position|among positions) \d+/);
    expect(r.out).toContain(`case ${f.late} seq 4 log_mismatch`);
  });

  it('a rewrite that recomputes the Merkle tree too is detected by the published checkpoint: the root differs', async () => {
    const url = await tampered(async (db) => {
      await rewriteChain(db, f.late, submitRewritten);
      await recomputeLog(db, f.late);
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL checkpoint_mismatch: .*the tree of size \d+ recomputed from the database has root [0-9a-f]{64}, the checkpoint signed [0-9a-f]{64}; the difference is in the entries from position 0 to \d+/);
    expect(r.out).toContain(`FAIL checkpoint ${f.checkpointFile}`);
  });

  it('a register revision rewritten, one deleted, one slipped in around the engine (п. 9)', async () => {
    const url = await tampered(async (db) => {
      await db.query("update site_content_revisions set url = 'https://example.kz/elsewhere' where kind = 'procurement' and revision = 1");
      await db.query("delete from site_content_revisions where kind = 'procurement' and revision = 2");
      await db.query(
        "insert into site_content_revisions (kind, revision, url, unit, note, changed_at, changed_by, role) values ('news', 1, 'https://qazindustry.gov.kz/news', null, null, '2025-03-28T05:00:00.000Z', 'press-user', 'press_secretary')",
      );
    });
    const r = await verifyLedger(url);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL register_mismatch: register revision procurement#1 differs from its log entry at position \d+: the revision was rewritten/);
    expect(r.out).toMatch(/FAIL register_missing: register revision procurement#2 is in the log \(position \d+\) but not in the database: it was deleted/);
    expect(r.out).toContain('FAIL register_unlogged: register revision news#1 is not in the log: it was written around the engine');
  });
});
