/**
 * The deadline ledger (issue 15 §2): the runner keeps it in step with every case's
 * deadlines in the same unit of work (the past rework turns of P4 and P3's extensions
 * included), a step that changes no deadline writes nothing to it, and the migration's
 * backfill derives exactly the rows the runner wrote.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { itSqlite } from '../helpers/sqlite-file.js';
import { loadKzCalendar } from '../../calendars/index.js';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { buildReport, countLedger, reportQuery } from '../../engine/reports.js';
import type { Actor } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { ledgerRowsOf, type SqliteStorage } from '../../storage/index.js';
import { tmpDir } from './fixtures/helpers.js';

const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const unit: Actor = { name: 'Legal unit', role: 'unit' };
const chairman: Actor = { name: 'Chairman', role: 'chairman' };
const press: Actor = { name: 'PS', role: 'press_secretary' };
const question = { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };
const blog = { channel: 'blog', author: { name: 'B' }, language: 'ru', text: 'Q' };

let engine: Engine;
let clock: SimulatedClock;
let cleanup: () => void;
beforeEach(async () => {
  const d = tmpDir('ledger-');
  cleanup = d.cleanup;
  clock = new SimulatedClock('2025-06-02T05:00:00.000Z');
  engine = await createEngine({
    databasePath: join(d.dir, 'l.db'),
    clock,
    calendar: loadKzCalendar(),
    procedures,
    transport: { sendMail: async (m) => ({ messageId: m.messageId }) },
  });
  await engine.start();
});
afterEach(async () => {
  await engine.close();
  cleanup();
});

const step = async (id: string, actor: Actor, type: string, payload: Record<string, unknown> = {}) => (await engine.applyEvent(id, { type, payload }, { actor })).view;
const at = async (instant: string) => {
  clock.set(instant);
  await engine.idle();
};
const ledger = () => engine.storage.read.deadlineLedger.all();

/** Counts the writes to the ledger table from now on (a trigger per kind of write). */
function countWrites(): () => number {
  const s = engine.storage as SqliteStorage;
  s.withConnectionForTests((db) => {
    db.exec(`create table if not exists ledger_writes (n integer);
      create trigger if not exists lw_i after insert on deadline_ledger begin insert into ledger_writes values (1); end;
      create trigger if not exists lw_u after update on deadline_ledger begin insert into ledger_writes values (1); end;
      create trigger if not exists lw_d after delete on deadline_ledger begin insert into ledger_writes values (1); end;
      delete from ledger_writes;`);
  });
  return () => s.withConnectionForTests((db) => (db.prepare('select count(*) as n from ledger_writes').get() as { n: number }).n);
}

/** A P4 case returned for rework twice, then approved: rework turns 1, 2 closed, posting open. */
async function blogWithTurns(): Promise<string> {
  const { view } = await engine.createCase('blog-question', blog, { actor: press });
  const id = view.id;
  await step(id, car, 'register', { registrationNumber: 'БЛ-1' });
  await step(id, press, 'assign', { unit: 'U1' });
  await step(id, unit, 'submit_answer', { text: 'draft' });
  await step(id, supervisor, 'agree_answer');
  await step(id, press, 'forward_to_chairman');
  await step(id, chairman, 'return_for_rework', { comment: 'бір' });
  // The first rework is in time: forwarded the same day.
  await step(id, press, 'forward_to_chairman');
  await step(id, chairman, 'return_for_rework', { comment: 'екі' });
  // The second rework is late: forwarded a week later.
  await at('2025-06-16T05:00:00.000Z');
  await step(id, press, 'forward_to_chairman');
  await step(id, chairman, 'approve');
  return id;
}

describe('the deadline ledger', () => {
  it('should follow a case\'s deadlines in the same unit of work: P3 extension, close, and the unit', async () => {
    const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
    const id = view.id;
    expect(await ledger()).toEqual([
      expect.objectContaining({ caseId: id, key: 'review', turn: 1, procedure: 'feedback-inquiry', unit: null, status: 'pending', open: true, closedAt: null, extensions: 0, lastDay: view.deadlines[0]!.lastDay, dueAt: view.deadlines[0]!.dueAt }),
    ]);
    await step(id, car, 'register', { registrationNumber: 'ВХ-1' });
    await step(id, supervisor, 'assign', { unit: 'U1' });
    expect((await ledger())[0]).toMatchObject({ unit: 'U1' });
    const extended = await step(id, chairman, 'extend', { days: 5, reason: 'check' });
    await engine.idle();
    const rows = await ledger();
    expect(rows.map((r) => [r.key, r.open, r.status, r.extensions, r.extensionDays])).toEqual([
      ['extension_notice', false, 'met', 0, 0],
      ['review', true, 'pending', 1, 5],
    ]);
    expect(rows[1]!.lastDay).toBe(extended.deadlines.find((d) => d.key === 'review')!.lastDay);
    expect(rows[1]!.calendarVersion).toMatch(/^kz-/);
    // Past the extended term: missed, then answered late.
    await at('2025-07-10T05:00:00.000Z');
    expect((await ledger())[1]).toMatchObject({ status: 'missed', open: true });
    await step(id, unit, 'submit_answer', { text: 'A', citations: ['Закон'], language: 'ru' });
    await step(id, supervisor, 'approve_answer');
    expect((await ledger())[1]).toMatchObject({ status: 'met_late', open: false, closedAt: '2025-07-10T05:00:00.000Z', latenessUnit: 'calendar' });
    expect((await ledger())[1]!.latenessAmount).toBeGreaterThan(0);
  });

  it('should keep every rework turn of P4 as a row of its own', async () => {
    const id = await blogWithTurns();
    const rows = (await ledger()).filter((r) => r.caseId === id);
    expect(rows.map((r) => [r.key, r.turn, r.status, r.open])).toEqual([
      ['posting', 1, 'pending', true],
      ['rework', 1, 'met', false],
      ['rework', 2, 'met_late', false],
      ['to_chairman', 1, 'met', false],
      ['unit_answer', 1, 'met', false],
    ]);
    expect(rows.find((r) => r.key === 'rework' && r.turn === 2)).toMatchObject({ latenessUnit: 'calendar' });
    expect(rows.find((r) => r.key === 'rework' && r.turn === 2)!.latenessAmount).toBeGreaterThan(0);
  });

  itSqlite('should write nothing to the ledger for a step that changes no deadline', async () => {
    const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
    await step(view.id, car, 'register', { registrationNumber: 'ВХ-2' });
    const writes = countWrites();
    await step(view.id, car, 'comment', { text: 'a note' });
    expect(writes()).toBe(0);
    // A step that moves the unit or a deadline writes its rows (and only those that changed).
    await step(view.id, supervisor, 'assign', { unit: 'U2' });
    expect(writes()).toBe(1);
  });

  it('should be rebuilt by the migration\'s backfill to exactly the rows the runner wrote', async () => {
    await blogWithTurns();
    for (let i = 0; i < 3; i++) {
      const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
      await step(view.id, car, 'register', { registrationNumber: `ВХ-${i}` });
      if (i > 0) await step(view.id, supervisor, 'assign', { unit: `U${i}` });
      if (i === 2) await step(view.id, chairman, 'extend', { days: 3, reason: 'r' });
    }
    await at('2025-07-20T05:00:00.000Z');
    await engine.idle();
    const synced = await ledger();
    expect(synced.length).toBeGreaterThan(8);
    // The same rows as derived from every case's context now.
    const cases = (await engine.storage.read.cases.list({ limit: 500 })).flatMap((c) =>
      ledgerRowsOf({ id: c.id, procedure: c.procedure, unit: c.unit ?? null, context: JSON.parse(c.contextJson) as Record<string, unknown> }),
    );
    const byId = (a: { caseId: string; key: string; turn: number }, b: typeof a) => (a.caseId + a.key + a.turn < b.caseId + b.key + b.turn ? -1 : 1);
    expect([...cases].sort(byId)).toEqual([...synced].sort(byId));
    // Dropped and derived again by the backfill of migration 001000.
    const batch = await engine.storage.beginBatch();
    const n = await batch.repos.deadlineLedger.rebuild();
    await batch.commit();
    expect(n).toBe(synced.length);
    expect(await ledger()).toEqual(synced);
    // And the report from the table equals the report computed by scanning the contexts.
    const now = clock.now().toISOString();
    const q = reportQuery({ from: '2025-01-01', to: '2025-12-31' }, '2025-07-20', now);
    const scanned = countLedger(cases, q);
    expect(await engine.deadlineReport({ from: '2025-01-01', to: '2025-12-31' })).toEqual(buildReport(q, 'Asia/Almaty', scanned.counts, scanned.late));
  });
});
