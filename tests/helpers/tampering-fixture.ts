/**
 * The database the tampering suites rewrite (tests/ledger/tampering.test.ts on a SQLite
 * file, tests/postgres/tampering.test.ts on PostgreSQL), and the product's own arithmetic
 * an insider would redo after a rewrite (hash chains, the Merkle tree), free of any SQL so
 * both suites forge exactly the same rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { eventHash, GENESIS_HASH } from '../../engine/hash.js';
import { eventEntry } from '../../engine/ledger/entries.js';
import { Frontier, leafHash } from '../../lib/merkle.js';
import { generatePrivateKeyPem, loadPrivateKey, publicKeyPem } from '../../lib/signed-note.js';
import { procedures } from '../../machines/index.js';
import type { EventRow } from '../../storage/schema.js';

export interface LedgerFixture {
  /** A question answered late (review met_late), its acknowledgement and answer mailed. */
  late: string;
  /** A second case, untouched by most rewrites. */
  other: string;
  checkpointFile: string;
  publicKeyFile: string;
  checkpointSize: number;
}

const question = (email: string) => ({
  applicant: { name: 'Жанар Тестова-Уникальная', email },
  language: 'ru',
  kind: 'question',
  text: 'Как получить меру государственной поддержки?',
});

async function advance(engine: Engine, id: string, steps: [string, Record<string, unknown>][]) {
  for (const [role, { type, ...payload }] of steps) {
    await engine.applyEvent(id, { type: type as string, payload }, { actor: { name: `${role}-user`, role: role as never } });
  }
}

/**
 * Fills the database at `databasePath` (a file or a PostgreSQL URL): two cases, mail, the
 * site-content register; signs a checkpoint into `dir` (with its public key), then goes on
 * after it (a later event of `other`).
 */
export async function buildLedgerFixture(databasePath: string, dir: string): Promise<LedgerFixture> {
  const keyPem = generatePrivateKeyPem();
  const publicKeyFile = join(dir, 'ledger.pub.pem');
  writeFileSync(publicKeyFile, publicKeyPem(loadPrivateKey(keyPem)));
  const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
  const engine = await createEngine({
    databasePath,
    calendar: loadKzCalendar(),
    procedures,
    clock,
    // Mail is "delivered" at once, so the log holds delivery attempts too.
    transport: { sendMail: async () => ({ response: '250 ok' }) },
    ledger: { keyPem, checkpointsDir: join(dir, 'published'), checkpointEveryMs: 0 },
  });
  await engine.start();
  const late = (await engine.createCase('feedback-inquiry', question('zhanar.unique@example.kz'), { actor: { name: 'car-user', role: 'car' } })).view.id;
  clock.set('2025-03-07T05:00:00.000Z');
  await advance(engine, late, [
    ['car', { type: 'register', registrationNumber: 'ЗТ-77' }],
    ['supervisor', { type: 'assign', unit: 'Департамент экспорта' }],
    ['unit', { type: 'submit_answer', text: 'Подлинный ответ', citations: ['Закон РК «О доступе к информации», ст. 11'], language: 'ru' }],
  ]);
  // Approved after the review's last day (2025-03-26): met late.
  clock.set('2025-03-28T05:00:00.000Z');
  await advance(engine, late, [['supervisor', { type: 'approve_answer' }]]);
  const other = (await engine.createCase('feedback-inquiry', question('other@example.kz'), { actor: { name: 'car-user', role: 'car' } })).view.id;
  // The register of the site's mandatory content (п. 9): two revisions of one kind.
  const ps = { name: 'press-user', role: 'press_secretary' } as const;
  await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/procurement', unit: 'Департамент экспорта' }, ps, 0);
  await engine.siteContent.update('procurement', { url: 'https://qazindustry.gov.kz/zakupki', unit: 'Департамент экспорта', note: 'the page moved' }, ps, 1);
  await engine.idle();
  expect((await engine.getCase(late)).deadlines.find((d) => d.key === 'review')).toMatchObject({ status: 'met_late' });
  const cp = await engine.ledger.signCheckpoint();
  const checkpointFile = join(dir, 'published.checkpoint');
  writeFileSync(checkpointFile, cp.note);
  // Life goes on after the checkpoint.
  clock.set('2025-03-31T05:00:00.000Z');
  await advance(engine, other, [['car', { type: 'register', registrationNumber: 'ЗТ-78' }]]);
  await engine.idle();
  await engine.close();
  return { late, other, checkpointFile, publicKeyFile, checkpointSize: cp.size };
}

/** A case's event rows after `edit`, renumbered and hash-chained again as the product would (the last row's hash is the case's new head). */
export function rechained(rows: EventRow[], edit: (rows: EventRow[]) => EventRow[]): EventRow[] {
  let prev = GENESIS_HASH;
  return edit(rows).map((r, i) => {
    const row = { ...r, seq: i + 1, prev_hash: prev };
    row.hash = eventHash({
      caseId: row.case_id,
      seq: row.seq,
      type: row.type,
      payload: JSON.parse(row.payload),
      role: row.role,
      actor: row.actor,
      occurredAt: row.occurred_at,
      recordedAt: row.recorded_at,
      prevHash: row.prev_hash,
      backdatingReason: row.backdating_reason,
      calendarVersion: row.calendar_version,
    });
    prev = row.hash;
    return row;
  });
}

/** The log entry (text and leaf hash) an event row would have been logged with. */
export function entryOfRow(e: EventRow): { text: string; leafHash: string } {
  const text = eventEntry({ caseId: e.case_id, seq: e.seq, type: e.type, payloadJson: e.payload, role: e.role, actor: e.actor, occurredAt: e.occurred_at, recordedAt: e.recorded_at, prevHash: e.prev_hash, hash: e.hash, backdatingReason: e.backdating_reason }).text;
  return { text, leafHash: leafHash(text).toString('hex') };
}

/** The whole tree recomputed from the leaves in position order: the stored nodes (levels 8, 16), the root, the right edge. */
export function recomputedTree(leafHashes: string[]): { nodes: { level: number; index: number; hash: string }[]; size: number; rootHash: string; frontierJson: string } {
  const f = new Frontier();
  const nodes: { level: number; index: number; hash: string }[] = [];
  for (const h of leafHashes) {
    for (const n of f.append(Buffer.from(h, 'hex'))) if (n.level === 8 || n.level === 16) nodes.push({ level: n.level, index: n.index, hash: n.hash.toString('hex') });
  }
  return { nodes, size: f.size, rootHash: f.root().toString('hex'), frontierJson: JSON.stringify(f.toJSON()) };
}
