/**
 * Issue 16's "Seen" list: each rewrite an insider with write access to the SQLite file made,
 * done here on a copy of a database after a checkpoint was published, is detected by
 * `npm run audit -- ledger verify` holding only that checkpoint and the public key, and the
 * report names the case. Each of these passed `verify` before the log existed.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/index.js';
import { GENESIS_HASH } from '../../engine/hash.js';
import { TransparencyLog } from '../../engine/ledger/log.js';
import { leafHash, verifyConsistency } from '../../lib/merkle.js';
import { generatePrivateKeyPem, parseCheckpointBody, signNote, checkpointBody, loadPrivateKey } from '../../lib/signed-note.js';
import { openStorage } from '../../storage/index.js';
import type { EventRow } from '../../storage/schema.js';
import { auditOn } from '../helpers/audit.js';
import { dropTripwires, openSqliteFile, type SqliteFile } from '../helpers/sqlite-file.js';
import { buildLedgerFixture, entryOfRow, rechained, recomputedTree } from '../helpers/tampering-fixture.js';

let dir: string;
let original: string;
let checkpointFile: string;
let publicKeyFile: string;
let checkpointSize: number;
let late: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qi-ledger-'));
  original = join(dir, 'original.sqlite');
  ({ late, checkpointFile, publicKeyFile, checkpointSize } = await buildLedgerFixture(original, dir));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let copies = 0;
/** A copy of the database with `tamper` applied to it as an insider would (tripwires dropped first). */
function tampered(tamper: (db: SqliteFile) => void): string {
  const path = join(dir, `copy-${++copies}.sqlite`);
  copyFileSync(original, path);
  const db = openSqliteFile(path);
  try {
    dropTripwires(db);
    db.transaction(() => tamper(db))();
  } finally {
    db.close();
  }
  return path;
}

const verifyLedger = (path: string, checkpoint = checkpointFile) => auditOn(path, ['ledger', 'verify', '--checkpoint', checkpoint, '--public-key', publicKeyFile]);
const verifyAll = (path: string) => auditOn(path, ['verify']);


/** Rewrites a case's events with `edit` and recomputes its whole hash chain and head, as the product would. */
function rewriteChain(db: SqliteFile, caseId: string, edit: (rows: EventRow[]) => EventRow[]): void {
  const rows = rechained(db.prepare('SELECT * FROM events WHERE case_id = ? ORDER BY seq').all(caseId) as EventRow[], edit);
  db.prepare('DELETE FROM events WHERE case_id = ?').run(caseId);
  const insert = db.prepare(
    'INSERT INTO events (case_id, seq, type, payload, role, actor, occurred_at, recorded_at, prev_hash, hash, backdating_reason, calendar_version) VALUES (@case_id, @seq, @type, @payload, @role, @actor, @occurred_at, @recorded_at, @prev_hash, @hash, @backdating_reason, @calendar_version)',
  );
  for (const row of rows) insert.run(row);
  db.prepare('UPDATE cases SET seq = ?, head_hash = ? WHERE id = ?').run(rows.length, rows.at(-1)?.hash ?? GENESIS_HASH, caseId);
}

describe('an untouched database', () => {
  it('verifies against the published checkpoint', async () => {
    const r = await verifyLedger(original);
    expect(r.out).toContain(`ok   checkpoint ${checkpointFile} (size ${checkpointSize})`);
    expect(r.out).toMatch(/log of \d+ entries over 2 case\(s\): ok/);
    expect(r.code).toBe(0);
  });
});

describe('the rewrites seen, each detected and naming the case', () => {
  it('a context edited in place (met_late → met, the applicant\'s e-mail): the stored state is not the replay', async () => {
    const path = tampered((db) =>
      db.prepare("UPDATE cases SET context = json_set(context, '$.deadlines.review.status', 'met', '$.applicant.email', 'forged@example.kz') WHERE id = ?").run(late),
    );
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`case ${late}`);
    expect(r.out).toMatch(/context_mismatch: .*the stored context differs from the replay in applicant, deadlines/);
    // The per-case verify (GET /cases/{id}/verify, audit verify) says it too.
    expect((await verifyAll(path)).out).toContain(`FAIL case ${late} seq 5 context_mismatch`);
  });

  it('the acknowledgement\'s text changed in the outbox', async () => {
    const path = tampered((db) => db.prepare("UPDATE outbox SET payload = json_set(payload, '$.text', 'Поддельный текст') WHERE case_id = ? AND event_seq = 1").run(late));
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${late} seq 1 message_mismatch: message ${late}:1:0: its recipient or text differs`));
  });

  it('an answer\'s text rewritten with the chain recomputed', async () => {
    const path = tampered((db) =>
      rewriteChain(db, late, (rows) => rows.map((r) => (r.type === 'submit_answer' ? { ...r, payload: JSON.stringify({ ...JSON.parse(r.payload), text: 'Подменённый ответ' }) } : r))),
    );
    // The chain itself is intact: without the log, verify would find nothing in the events.
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${late} seq 4 log_mismatch: event 4 differs from the one logged at position \\d+`));
    expect(r.out).not.toMatch(/hash_mismatch|prev_hash_mismatch/);
  });

  it('a staff event\'s occurred_at moved before the due date with the chain and the state recomputed (met_late → met)', async () => {
    const path = tampered((db) => {
      rewriteChain(db, late, (rows) => rows.map((r) => (r.type === 'approve_answer' ? { ...r, occurred_at: '2025-03-26T05:00:00.000Z' } : r)));
      db.prepare("UPDATE cases SET context = json_set(context, '$.deadlines.review.status', 'met') WHERE id = ?").run(late);
    });
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${late} seq 5 log_mismatch`));
  });

  it('the approval and its e-mail deleted, the chain recomputed', async () => {
    const path = tampered((db) => {
      rewriteChain(db, late, (rows) => rows.filter((r) => r.type !== 'approve_answer'));
      db.prepare('DELETE FROM delivery_attempts WHERE outbox_id IN (SELECT id FROM outbox WHERE case_id = ? AND event_seq = 5)').run(late);
      db.prepare('DELETE FROM outbox WHERE case_id = ? AND event_seq = 5').run(late);
    });
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`case ${late} seq 5 missing_event: event 5 \\(approve_answer, recorded 2025-03-28T05:00:00.000Z\\) is in the log at position \\d+ but not in the database`));
    expect(r.out).toMatch(new RegExp(`case ${late} seq 5 message_missing: message ${late}:5:0 is in the log`));
  });

  it('every row of one case deleted', async () => {
    const path = tampered((db) => {
      for (const table of ['delivery_attempts']) db.prepare(`DELETE FROM ${table} WHERE outbox_id IN (SELECT id FROM outbox WHERE case_id = ?)`).run(late);
      for (const table of ['events', 'outbox', 'timers', 'reminders', 'deadline_ledger', 'case_reads']) db.prepare(`DELETE FROM ${table} WHERE case_id = ?`).run(late);
      db.prepare('DELETE FROM cases WHERE id = ?').run(late);
    });
    // The per-case verify has nothing to check: the remaining case is fine.
    expect((await verifyAll(path)).code).toBe(0);
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL case_missing: case ${late} is in the log but not in the database: its rows were deleted`);
  });
});

/** Every event entry of `caseId` rewritten to match its (rewritten) event rows, and the whole tree recomputed. */
function recomputeLog(db: SqliteFile, caseId: string): void {
  const events = db.prepare('SELECT * FROM events WHERE case_id = ? ORDER BY seq').all(caseId) as EventRow[];
  for (const e of events) {
    const { text, leafHash } = entryOfRow(e);
    db.prepare("UPDATE ledger_entries SET entry = ?, leaf_hash = ? WHERE case_id = ? AND kind = 'event' AND ref = ?").run(text, leafHash, caseId, String(e.seq));
  }
  const tree = recomputedTree((db.prepare('SELECT leaf_hash FROM ledger_entries ORDER BY position').all() as { leaf_hash: string }[]).map((r) => r.leaf_hash));
  db.prepare('DELETE FROM ledger_nodes').run();
  db.prepare('DELETE FROM ledger_tree_heads').run();
  for (const n of tree.nodes) db.prepare('INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)').run(n.level, n.index, n.hash);
  db.prepare('INSERT INTO ledger_tree_heads (size, root_hash, at) VALUES (?, ?, ?)').run(tree.size, tree.rootHash, '2025-04-01T00:00:00.000Z');
  db.prepare('UPDATE ledger_head SET root_hash = ?, frontier = ? WHERE id = 1').run(tree.rootHash, tree.frontierJson);
}

describe('a rewrite of the log itself', () => {
  it('an entry rewritten with its leaf hash, the tree left alone: the batch it was committed in is named', async () => {
    let position = -1;
    const path = tampered((db) => {
      const row = db.prepare("SELECT position, entry FROM ledger_entries WHERE case_id = ? AND kind = 'event' AND ref = '4'").get(late) as { position: number; entry: string };
      position = row.position;
      const text = row.entry.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'0'.repeat(64)}"`);
      db.prepare('UPDATE ledger_entries SET entry = ?, leaf_hash = ? WHERE position = ?').run(text, leafHash(text).toString('hex'), position);
    });
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    const [, from, to] = /FAIL tree_head_mismatch: .*entries (\d+) to (\d+) were committed/.exec(r.out) ?? [];
    expect(Number(from)).toBeLessThanOrEqual(position);
    expect(Number(to)).toBeGreaterThanOrEqual(position);
    expect(r.out).toMatch(/FAIL checkpoint_mismatch: .*the first entry that differs is (at position|among positions) \d+/);
    // The event row no longer matches the (rewritten) entry: the case is named too.
    expect(r.out).toContain(`case ${late} seq 4 log_mismatch`);
  });
});

describe('a rewrite that recomputes the Merkle tree too', () => {
  const answerRewritten = () =>
    tampered((db) => {
      rewriteChain(db, late, (rows) => rows.map((r) => (r.type === 'submit_answer' ? { ...r, payload: JSON.stringify({ ...JSON.parse(r.payload), text: 'Подменённый ответ' }) } : r)));
      recomputeLog(db, late);
    });

  it('is detected by the published checkpoint: the root differs', async () => {
    const path = answerRewritten();
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL checkpoint_mismatch: .*the tree of size \d+ recomputed from the database has root [0-9a-f]{64}, the checkpoint signed [0-9a-f]{64}; the difference is in the entries from position 0 to \d+/);
    expect(r.out).toContain(`FAIL checkpoint ${checkpointFile}`);
  });

  it('cannot be covered by a checkpoint of its own: not signed by the ledger key', async () => {
    const path = answerRewritten();
    const head = await readHead(path);
    const forged = join(dir, 'forged.checkpoint');
    const otherKey = loadPrivateKey(generatePrivateKeyPem());
    const origin = parseCheckpointBody(readFileSync(checkpointFile, 'utf8').split('\n\n')[0] + '\n').origin;
    writeFileSync(forged, signNote(checkpointBody({ origin, size: head.size, rootHash: Buffer.from(head.rootHash, 'hex'), extensions: [] }), origin, otherKey));
    const r = await verifyLedger(path, forged);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL checkpoint_signature: ${forged}: the signature does not verify with the public key`);
  });

  it('fails the consistency proof from the published checkpoint to the rewritten tree', async () => {
    expect(await consistentWithPublished(answerRewritten())).toBe(false);
    // The untouched database's proof holds.
    expect(await consistentWithPublished(original)).toBe(true);
  });
});

/** Whether the database's tree, by the consistency proof it gives, extends the published checkpoint's. */
async function consistentWithPublished(path: string): Promise<boolean> {
  const storage = await openStorage({ path, readOnly: true });
  try {
    const head = await storage.read.ledger.head();
    const proof = await new TransparencyLog(new SimulatedClock('2025-04-01T00:00:00.000Z')).consistencyProof(storage.read, checkpointSize, head.size);
    const published = parseCheckpointBody(readFileSync(checkpointFile, 'utf8').split('\n\n')[0] + '\n');
    return verifyConsistency(checkpointSize, head.size, published.rootHash, Buffer.from(head.rootHash, 'hex'), proof);
  } finally {
    await storage.close();
  }
}

async function readHead(path: string) {
  const storage = await openStorage({ path, readOnly: true });
  try {
    return await storage.read.ledger.head();
  } finally {
    await storage.close();
  }
}

describe('the register of the site\'s mandatory content (п. 9)', () => {
  it('a revision rewritten (its page changed after the fact)', async () => {
    const path = tampered((db) => db.prepare("UPDATE site_content_revisions SET url = 'https://example.kz/elsewhere' WHERE kind = 'procurement' AND revision = 1").run());
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL register_mismatch: register revision procurement#1 differs from its log entry at position \d+: the revision was rewritten/);
  });

  it('a revision deleted, and one slipped in around the engine', async () => {
    const path = tampered((db) => {
      db.prepare("DELETE FROM site_content_revisions WHERE kind = 'procurement' AND revision = 2").run();
      db.prepare(
        "INSERT INTO site_content_revisions (kind, revision, url, unit, note, changed_at, changed_by, role) VALUES ('news', 1, 'https://qazindustry.gov.kz/news', NULL, NULL, '2025-03-28T05:00:00.000Z', 'press-user', 'press_secretary')",
      ).run();
    });
    const r = await verifyLedger(path);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL register_missing: register revision procurement#2 is in the log \(position \d+\) but not in the database: it was deleted/);
    expect(r.out).toContain('FAIL register_unlogged: register revision news#1 is not in the log: it was written around the engine');
  });
});
