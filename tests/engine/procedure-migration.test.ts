/**
 * Issue 18 §4: versioned procedures and the migration of running cases.
 *
 * A fictitious edition of P3 (test only: the registry keeps the Rules' 15 days) shortens the
 * review term of п. 38 from 15 to 10 calendar days, as version 1.1.0. Cases created on
 * 1.0.0 (the real module), on the KZ calendar, Almaty time (+05:00; a due is the end of
 * the last day, 19:00Z):
 * - `received`, received Wed 2026-11-04: 15 days → Thu 11-19; 10 days → Sat 11-14, a day
 *   off, so the last day is Mon 11-16;
 * - `inReview`, received Mon 11-02, assigned: 11-17 → 11-12;
 * - `extended`, received 11-02, extended by 5 days: 20 days → Sun 11-22 → Mon 11-23;
 *   under 1.1.0 10 + 5 = 15 days → 11-17 (the extension is kept);
 * - `answerReview`, received 11-02, the answer submitted: 11-17 → 11-12;
 * - `redirected`, in P5's `redirection`: the migration has no mapping for it (refused);
 * - `closed`, answered: not a running case, stays on 1.0.0.
 * The migration runs on 11-10; the new dues 11-12 and 11-16 are then still ahead.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { runMigrateCases, type MigrateMachines } from '../../cli/migrate-cases.js';
import { openAuditStore } from '../../engine/audit.js';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { MigrationPlan } from '../../engine/migrate.js';
import { createModuleRegistry } from '../../engine/registry.js';
import { foldHistory } from '../../engine/corrections.js';
import { historyItem } from '../../engine/replay.js';
import type { Actor, ProcedureModule } from '../../machines/contract.js';
import { MIGRATED_EVENT, migrateSnapshot, statesOf, validateMigration, type ProcedureMigration } from '../../machines/common/migration.js';
import {
  createFeedbackInquiryMachine,
  feedbackInquiryDeadlinePolicies,
  feedbackInquiryDefinition,
  type FeedbackInquiryDeadlineKey,
} from '../../machines/feedback-inquiry/index.js';
import { feedbackInquiry, legacyProcedures, procedures } from '../../machines/index.js';
import { defineProcedure } from '../../machines/runtime.js';
import type { DeadlinePolicy } from '../../machines/contract.js';
import { tmpDir } from './fixtures/helpers.js';
import { buildApp } from '../../server/app.js';
import { sha256Hex, UserDirectory } from '../../server/auth.js';
import { signIn } from '../helpers/pages.js';
import { kz } from './fixtures/decree.js';

const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const unit: Actor = { name: 'Legal unit', role: 'unit' };
const chairman: Actor = { name: 'Chair', role: 'chairman' };

/** The fictitious edition: the real module with the review term of 10 calendar days, version 1.1.0. */
const P10: Record<FeedbackInquiryDeadlineKey, DeadlinePolicy> = {
  ...feedbackInquiryDeadlinePolicies,
  review: { ...feedbackInquiryDeadlinePolicies.review, amount: 10 },
};
const edition: ProcedureModule = defineProcedure({
  ...feedbackInquiryDefinition,
  version: '1.1.0',
  title: `${feedbackInquiryDefinition.title} (fictitious edition: 10 days)`,
  deadlinePolicies: P10,
  build: (deps) => createFeedbackInquiryMachine(deps, P10),
});
const migration: ProcedureMigration = {
  procedure: 'feedback-inquiry',
  from: '1.0.0',
  to: '1.1.0',
  description: 'fictitious edition: the review term of п. 38 is 10 calendar days',
  // P5's `redirection` is left out: those cases finish on 1.0.0.
  states: { received: 'received', registered: 'registered', in_review: 'in_review', answer_review: 'answer_review' },
  recount: ['review'],
};
/** The registry with the edition current and 1.0.0 kept for the cases pinned to it. */
const machines: MigrateMachines = {
  procedures: { ...procedures, 'feedback-inquiry': edition },
  legacyModules: [...legacyProcedures, feedbackInquiry],
  migrations: [migration],
};

const question = (text: string) => ({ applicant: { name: 'Aigerim', email: 'a@example.kz' }, language: 'ru' as const, kind: 'question' as const, text });
type Named = 'received' | 'inReview' | 'extended' | 'answerReview' | 'redirected' | 'closed';

interface Fixture {
  path: string;
  clock: SimulatedClock;
  engine: Engine;
  cleanup(): void;
}

const openOld = (f: Pick<Fixture, 'path' | 'clock'>) =>
  createEngine({ databasePath: f.path, clock: f.clock, calendar: kz, procedures, legacyModules: legacyProcedures, calendarPollMs: 0 });
const openNew = (f: Pick<Fixture, 'path' | 'clock'>) => createEngine({ databasePath: f.path, clock: f.clock, calendar: kz, ...machines, calendarPollMs: 0 });

/** The cases of the file comment, created on 1.0.0 by an engine that knows only it. */
async function casesOnOld(f: Fixture): Promise<Record<Named, string>> {
  // Mon 11-02 from 10:00 local, a minute per step: the clock only moves forward.
  let t = Date.parse('2026-11-02T05:00:00.000Z');
  const tick = () => {
    t += 60_000;
    f.clock.set(new Date(t).toISOString());
  };
  const create = async (text: string) => {
    tick();
    return (await f.engine.createCase('feedback-inquiry', question(text), { actor: car })).view.id;
  };
  const ev = async (id: string, type: string, payload: Record<string, unknown>, actor: Actor) => {
    tick();
    await f.engine.applyEvent(id, { type, payload }, { actor });
  };
  const assigned = async (text: string) => {
    const id = await create(text);
    await ev(id, 'register', { registrationNumber: `ЗТ-${text}` }, car);
    await ev(id, 'assign', { unit: 'Legal' }, supervisor);
    return id;
  };
  const inReview = await assigned('in-review');
  const extended = await assigned('extended');
  await ev(extended, 'extend', { days: 5, reason: 'проверка' }, chairman);
  const answerReview = await assigned('answer-review');
  await ev(answerReview, 'submit_answer', { text: 'Ответ.', citations: ['п. 40'], language: 'ru' }, unit);
  const redirected = await assigned('redirected');
  await ev(redirected, 'redirect', { reason: 'вне компетенции' }, unit);
  const closed = await assigned('closed');
  await ev(closed, 'submit_answer', { text: 'Ответ.', citations: ['п. 40'], language: 'ru' }, unit);
  await ev(closed, 'approve_answer', {}, supervisor);
  f.clock.set('2026-11-04T05:00:00.000Z');
  const received = (await f.engine.createCase('feedback-inquiry', question('received'), { actor: car })).view.id;
  return { received, inReview, extended, answerReview, redirected, closed };
}

async function review(engine: Engine, id: string) {
  return (await engine.getCase(id)).deadlines.find((d) => d.key === 'review')!;
}
function io(path: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, text: () => out.join(''), io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env: { DATABASE: path } } };
}
const args = (command: string, to = '1.1.0', ...rest: string[]) => [command, '--procedure', 'feedback-inquiry', '--from', '1.0.0', '--to', to, ...rest];

describe('the migration definition (machines/common/migration.ts)', () => {
  const deps = { calendar: kz };

  it('lists the states of a machine as the cases name them', () => {
    expect(statesOf(feedbackInquiry.machine(deps) as AnyStateMachine)).toEqual(['answer_review', 'answered', 'in_review', 'noted', 'received', 'redirected', 'redirection', 'registered']);
  });

  it('is valid against both machines, and every error names the state or deadline that is wrong', () => {
    expect(validateMigration(migration, feedbackInquiry, edition, deps)).toEqual([]);
    const bad: ProcedureMigration = { ...migration, states: { ...migration.states, in_reveiw: 'in_review', registered: 'registred' }, recount: ['review', 'answer'] };
    const errors = validateMigration(bad, feedbackInquiry, edition, deps);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/^state "registered" maps to "registred", which is not a state of feedback-inquiry@1\.1\.0/);
    expect(errors[1]).toMatch(/^state "in_reveiw" is not a state of feedback-inquiry@1\.0\.0/);
    expect(errors[2]).toMatch(/^deadline "answer" is re-counted, but feedback-inquiry@1\.1\.0 has no such deadline policy/);
    expect(errors[3]).toMatch(/^deadline "answer" is re-counted, but feedback-inquiry@1\.0\.0 has no such deadline policy/);
    expect(validateMigration({ ...migration, from: '0.9.0' }, feedbackInquiry, edition, deps)).toEqual(['the migration is from version 0.9.0, the old machine is 1.0.0']);
  });

  it('refuses a case whose state has no mapping, and a closed one, with a machine-readable code', () => {
    const step = feedbackInquiry.start(deps, question('x'), { occurredAt: '2026-11-02T05:00:00.000Z', recordedAt: '2026-11-02T05:00:00.000Z', actor: car });
    if (!step.ok) throw new Error(step.message);
    const unmapped = migrateSnapshot({ ...migration, states: { registered: 'registered' } }, feedbackInquiry, edition as Required<ProcedureModule>, deps, step.snapshot);
    expect(unmapped).toMatchObject({ ok: false, code: 'state_unmapped' });
    expect(!unmapped.ok && unmapped.message).toContain('state "received"');
    const closed = migrateSnapshot(migration, feedbackInquiry, edition as Required<ProcedureModule>, deps, { ...step.snapshot, status: 'done' });
    expect(closed).toMatchObject({ ok: false, code: 'case_closed' });
    expect(migrateSnapshot(migration, edition, edition as Required<ProcedureModule>, deps, step.snapshot)).toMatchObject({ ok: false, code: 'wrong_version' });
  });

  it('applies the context transform and re-counts the deadlines on the snapshot B restores', () => {
    const meta = { occurredAt: '2026-11-02T05:00:00.000Z', recordedAt: '2026-11-02T05:00:00.000Z', actor: car };
    const step = feedbackInquiry.start(deps, question('x'), meta);
    if (!step.ok) throw new Error(step.message);
    const withTransform: ProcedureMigration = { ...migration, context: (ctx) => ({ ...ctx, text: `${String(ctx.text)} (migrated)` }) };
    const out = migrateSnapshot(withTransform, feedbackInquiry, edition as Required<ProcedureModule>, deps, step.snapshot);
    if (!out.ok) throw new Error(out.message);
    expect(out.step).toMatchObject({ state: 'received', status: 'active', effects: [] });
    expect(out.step.context.text).toBe('x (migrated)');
    expect(out.step.context.deadlines.review).toMatchObject({ amount: 10, lastDay: '2026-11-12', dueAt: '2026-11-12T19:00:00.000Z', status: 'pending', open: true });
    // The input snapshot is not changed (the transform gets a copy).
    expect((step.snapshot.context as { text: string }).text).toBe('x');
    // B runs the migrated case: its next step counts with B's policies.
    const registered = edition.step(deps, out.step.snapshot, { type: 'register', payload: { registrationNumber: 'ЗТ-1' }, ...meta });
    expect(registered).toMatchObject({ ok: true, state: 'registered' });
  });

  it('the registry serves both versions, the current first', () => {
    const registry = createModuleRegistry(machines.procedures, machines.legacyModules, machines.migrations);
    expect(registry.versions('feedback-inquiry')).toEqual(['1.1.0', '1.0.0']);
    expect(registry.current('feedback-inquiry')?.version).toBe('1.1.0');
    expect(registry.migration('feedback-inquiry', '1.0.0', '1.1.0')).toBe(migration);
    expect(registry.migration('feedback-inquiry', '1.1.0', '1.0.0')).toBeUndefined();
  });
});

describe('migrating running cases (issue 18 §4)', () => {
  let f: Fixture;
  let c: Record<Named, string>;
  beforeEach(async () => {
    const { dir, cleanup } = tmpDir('migrate-');
    const path = join(dir, 'engine.db');
    const clock = new SimulatedClock('2026-11-02T05:00:00.000Z');
    f = { path, clock, engine: await openOld({ path, clock }), cleanup };
    c = await casesOnOld(f);
    // The amendment is deployed: the edition serves new cases, 1.0.0 the cases pinned to it.
    await f.engine.close();
    f.clock.set('2026-11-10T05:00:00.000Z');
    f.engine = await openNew(f);
  });
  afterEach(async () => {
    await f.engine.close();
    f.cleanup();
  });

  const historyOf = async (id: string) => (await f.engine.history(id)).map((e) => `${e.seq}:${e.type}@${e.machineVersion}`);
  const allHistories = async () => Promise.all(Object.values(c).map(historyOf));

  it('serves both versions at once: a new case on 1.1.0, the old ones on 1.0.0 until migrated', async () => {
    const fresh = (await f.engine.createCase('feedback-inquiry', question('new'), { actor: car })).view;
    expect(fresh.version).toBe('1.1.0');
    // Received Tue 11-10: 10 calendar days → Fri 11-20.
    expect(fresh.deadlines.find((d) => d.key === 'review')).toMatchObject({ lastDay: '2026-11-20', dueAt: '2026-11-20T19:00:00.000Z', amount: 10 });
    expect((await f.engine.getCase(c.inReview)).version).toBe('1.0.0');
    expect(await review(f.engine, c.inReview)).toMatchObject({ lastDay: '2026-11-17', amount: 15 });
    // An old case still steps on its own version.
    await f.engine.applyEvent(c.received, { type: 'register', payload: { registrationNumber: 'ЗТ-r' } }, { actor: car });
    expect((await f.engine.getCase(c.received)).version).toBe('1.0.0');
    expect(await historyOf(c.received)).toEqual(['1:created@1.0.0', '2:register@1.0.0']);
    expect(await f.engine.verify(c.received)).toMatchObject({ ok: true });
  });

  it('plan lists the cases, the state mapping, the deadlines that change and the refused case, and writes nothing', async () => {
    const fresh = (await f.engine.createCase('feedback-inquiry', question('new'), { actor: car })).view.id;
    const before = await allHistories();
    const timersBefore = await f.engine.storage.read.timers.listForCase(c.inReview);
    const r = io(f.path);
    expect(await runMigrateCases(args('plan'), r.io, machines), r.err.join('')).toBe(0);
    const text = r.text();
    expect(text).toContain('state mapping: received → received, registered → registered, in_review → in_review, answer_review → answer_review; re-counted: review');
    const line = (id: string) => text.split('\n').findIndex((l) => l.startsWith(id));
    const detail = (id: string) => text.split('\n')[line(id) + 1] ?? '';
    expect(text.split('\n')[line(c.inReview)]).toContain('in_review → in_review');
    expect(detail(c.inReview)).toContain('review: 2026-11-17 → 2026-11-12 (due 2026-11-17T19:00:00.000Z → 2026-11-12T19:00:00.000Z; 15 → 10 calendar_days, п. 38, 39, calendar');
    expect(detail(c.extended)).toContain('review: 2026-11-23 → 2026-11-17');
    expect(detail(c.extended)).toContain('20 → 15 calendar_days');
    expect(detail(c.received)).toContain('review: 2026-11-19 → 2026-11-16');
    expect(detail(c.answerReview)).toContain('review: 2026-11-17 → 2026-11-12');
    expect(text.split('\n')[line(c.redirected)]).toContain('redirection: refused: state_unmapped: state "redirection" of feedback-inquiry@1.0.0 has no mapping to 1.1.0');
    expect(line(c.closed)).toBe(-1);
    expect(line(fresh)).toBe(-1);
    expect(text).toContain('4 running case(s) to migrate, 1 refused; 1 running case(s) already on 1.1.0');

    const j = io(f.path);
    expect(await runMigrateCases(args('plan', '1.1.0', '--json'), j.io, machines)).toBe(0);
    const plan = JSON.parse(j.text()) as MigrationPlan;
    expect(plan.cases.map((p) => [p.caseId, p.outcome, p.code ?? null])).toEqual([
      [c.inReview, 'migrate', null],
      [c.extended, 'migrate', null],
      [c.answerReview, 'migrate', null],
      [c.redirected, 'refused', 'state_unmapped'],
      [c.received, 'migrate', null],
    ]);
    expect(plan.cases[0]!.deadlines).toEqual([
      {
        key: 'review',
        before: { rule: 'п. 38, 39', amount: 15, unit: 'calendar_days', reading: 'calendar', lastDay: '2026-11-17', dueAt: '2026-11-17T19:00:00.000Z', calendarVersion: kz.version, status: 'pending' },
        after: { rule: 'п. 38, 39', amount: 10, unit: 'calendar_days', reading: 'calendar', lastDay: '2026-11-12', dueAt: '2026-11-12T19:00:00.000Z', calendarVersion: kz.version, status: 'pending' },
      },
    ]);

    // Nothing was written: the histories, the versions and the timers are as they were.
    expect(await allHistories()).toEqual(before);
    for (const id of Object.values(c)) expect((await f.engine.getCase(id)).version).toBe('1.0.0');
    expect(await f.engine.storage.read.timers.listForCase(c.inReview)).toEqual(timersBefore);
  });

  it('plan refuses an unregistered migration or version with exit 2, naming what is registered', async () => {
    const r = io(f.path);
    expect(await runMigrateCases(args('plan', '2.0.0'), r.io, machines)).toBe(2);
    expect(r.err.join('')).toContain('no migration of feedback-inquiry from 1.0.0 to 2.0.0 is registered (registered: 1.0.0 → 1.1.0; versions served: 1.1.0, 1.0.0)');
    // apply refuses it the same way, before it writes anything.
    const before = await allHistories();
    const a = io(f.path);
    expect(await runMigrateCases(args('apply', '2.0.0'), a.io, machines, f.clock)).toBe(2);
    expect(a.err.join('')).toContain('no migration of feedback-inquiry from 1.0.0 to 2.0.0 is registered');
    expect(await allHistories()).toEqual(before);
    const u = io(f.path);
    expect(await runMigrateCases(['plan', '--procedure', 'feedback-inquiry'], u.io, machines)).toBe(2);
    expect(u.err.join('')).toContain('plan needs --procedure, --from and --to');
    // The registered machines have no migration yet.
    const none = io(f.path);
    expect(await runMigrateCases(args('plan'), none.io)).toBe(2);
    expect(none.err.join('')).toContain('registered: none');
  });

  it('apply migrates each mapped case with one procedure_migrated event, refuses the unmapped one without a write, and a second apply does nothing', async () => {
    const redirectedBefore = await historyOf(c.redirected);
    const redirectedTimers = await f.engine.storage.read.timers.listForCase(c.redirected);
    const r = io(f.path);
    // Exit 1: a case was refused (it stays on 1.0.0).
    expect(await runMigrateCases(args('apply'), r.io, machines, f.clock), r.err.join('')).toBe(1);
    expect(r.text()).toContain(`${c.inReview}: migrated to 1.1.0, state in_review`);
    expect(r.text()).toContain(`${c.redirected}: refused: state_unmapped:`);
    expect(r.text()).toContain('4 case(s) migrated, 1 refused');

    const view = await f.engine.getCase(c.inReview);
    expect(view.version).toBe('1.1.0');
    expect(view.state).toBe('in_review');
    expect(view.deadlines.find((d) => d.key === 'review')).toMatchObject({
      lastDay: '2026-11-12',
      dueAt: '2026-11-12T19:00:00.000Z',
      amount: 10,
      rule: 'п. 38, 39',
      reading: 'calendar',
      calendar: { version: kz.version },
    });
    expect(await review(f.engine, c.extended)).toMatchObject({ lastDay: '2026-11-17', amount: 15 });
    expect(await review(f.engine, c.received)).toMatchObject({ lastDay: '2026-11-16', dueAt: '2026-11-16T19:00:00.000Z', amount: 10 });
    expect((await f.engine.getCase(c.answerReview)).state).toBe('answer_review');

    const history = await f.engine.history(c.inReview);
    expect(history.map((e) => `${e.seq}:${e.type}@${e.machineVersion}`)).toEqual(['1:created@1.0.0', '2:register@1.0.0', '3:assign@1.0.0', `4:${MIGRATED_EVENT}@1.1.0`]);
    const migrated = history.at(-1)!;
    expect(migrated).toMatchObject({ role: 'system', actor: 'engine', occurredAt: '2026-11-10T05:00:00.000Z' });
    expect(migrated.payload).toEqual({
      from: '1.0.0',
      to: '1.1.0',
      states: { from: 'in_review', to: 'in_review' },
      deadlines: [
        {
          key: 'review',
          before: { rule: 'п. 38, 39', amount: 15, unit: 'calendar_days', reading: 'calendar', lastDay: '2026-11-17', dueAt: '2026-11-17T19:00:00.000Z', calendarVersion: kz.version, status: 'pending' },
          after: { rule: 'п. 38, 39', amount: 10, unit: 'calendar_days', reading: 'calendar', lastDay: '2026-11-12', dueAt: '2026-11-12T19:00:00.000Z', calendarVersion: kz.version, status: 'pending' },
        },
      ],
    });
    // The timer follows the deadline.
    expect((await f.engine.storage.read.timers.listForCase(c.inReview)).find((t) => t.key === 'review')).toMatchObject({ dueAt: '2026-11-12T19:00:00.000Z', status: 'scheduled' });

    // The refused case: not written to.
    expect(await historyOf(c.redirected)).toEqual(redirectedBefore);
    expect((await f.engine.getCase(c.redirected)).version).toBe('1.0.0');
    expect(await f.engine.storage.read.timers.listForCase(c.redirected)).toEqual(redirectedTimers);
    // The closed case stays on the version it was closed under.
    expect((await f.engine.getCase(c.closed)).version).toBe('1.0.0');

    // A second apply: nothing to migrate, nothing written.
    const before = await allHistories();
    const again = io(f.path);
    expect(await runMigrateCases(args('apply'), again.io, machines, f.clock)).toBe(1);
    expect(again.text()).toContain('0 running case(s) to migrate, 1 refused; 4 running case(s) already on 1.1.0');
    expect(again.text()).toContain('0 case(s) migrated, 1 refused');
    expect(await allHistories()).toEqual(before);
  });

  it('replay and verify reproduce the cases across the migration: before it on 1.0.0, after it on 1.1.0', async () => {
    expect(await runMigrateCases(args('apply'), io(f.path).io, machines, f.clock)).toBe(1);
    // A step on the new version, and a correction that re-folds the history through the migration.
    f.clock.set('2026-11-10T06:00:00.000Z');
    await f.engine.applyEvent(c.answerReview, { type: 'approve_answer', payload: {} }, { actor: supervisor });
    await f.engine.applyEvent(c.inReview, { type: 'correct', payload: { seq: 2, field: 'registrationNumber', value: 'ЗТ-7', reason: 'опечатка' } }, { actor: car });
    expect((await f.engine.getCase(c.inReview)).context.registrationNumber).toBe('ЗТ-7');
    expect(await review(f.engine, c.inReview)).toMatchObject({ lastDay: '2026-11-12' });
    expect(await historyOf(c.answerReview)).toEqual([
      '1:created@1.0.0',
      '2:register@1.0.0',
      '3:assign@1.0.0',
      '4:submit_answer@1.0.0',
      `5:${MIGRATED_EVENT}@1.1.0`,
      '6:approve_answer@1.1.0',
    ]);
    // Approved on 11-10, before the new due: met.
    expect(await review(f.engine, c.answerReview)).toMatchObject({ status: 'met', lastDay: '2026-11-12' });

    for (const id of Object.values(c)) expect(await f.engine.verify(id), id).toMatchObject({ ok: true });
    // The replay at a seq before the migration is the old version's case.
    const asOld = await f.engine.replay(c.inReview, 3);
    expect(asOld.version).toBe('1.0.0');
    expect(asOld.deadlines.find((d) => d.key === 'review')).toMatchObject({ lastDay: '2026-11-17' });
    expect((await f.engine.replay(c.inReview, 4)).version).toBe('1.1.0');

    // The auditors' read-only store, with the same machines, verifies them too.
    const store = await openAuditStore({ databasePath: f.path, calendar: kz, ...machines });
    try {
      for (const id of Object.values(c)) expect(await store.verify(id), id).toMatchObject({ ok: true });
      expect((await store.asOf(c.extended, 4)).version).toBe('1.0.0');
      expect(await store.asOf(c.extended)).toMatchObject({ version: '1.1.0', state: 'in_review' });
      expect((await store.observations(c.extended)).map((o) => o.version)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0', '1.1.0']);
    } finally {
      await store.close();
    }
    // The fold runs the migration again and checks it against the recorded payload.
    const registry = createModuleRegistry(machines.procedures, machines.legacyModules, machines.migrations);
    const items = (await f.engine.storage.read.events.list(c.extended)).map(historyItem);
    expect(foldHistory({ creation: feedbackInquiry, registry }, { calendar: kz }, items).state).toBe('in_review');
    const forged = items.map((i) =>
      i.type === MIGRATED_EVENT ? { ...i, payload: { ...i.payload, states: { from: 'in_review', to: 'registered' } } } : i,
    );
    expect(() => foldHistory({ creation: feedbackInquiry, registry }, { calendar: kz }, forged)).toThrow(/records another result than the migration gives on replay/);
    // A bare module (no registry) cannot fold a migrated history.
    expect(() => foldHistory(feedbackInquiry, { calendar: kz }, items)).toThrow(/that migration or version is not registered/);

    // Without the migration registered the history cannot be replayed, and verify says so.
    const blind = await openAuditStore({ databasePath: f.path, calendar: kz, ...machines, migrations: [] });
    try {
      const v = await blind.verify(c.inReview);
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual([expect.objectContaining({ seq: 4, kind: 'replay_error', message: expect.stringContaining('that migration or version is not registered') })]);
    } finally {
      await blind.close();
    }
  });

  it('the timers fire at the new instant, exactly once', async () => {
    expect(await runMigrateCases(args('apply'), io(f.path).io, machines, f.clock)).toBe(1);
    await f.engine.start();
    f.clock.set('2026-11-13T00:00:00.000Z');
    await f.engine.idle();
    const missed = async (id: string) => (await f.engine.history(id)).filter((e) => e.type === 'deadline_missed' && e.payload.key === 'review');
    expect((await missed(c.inReview)).map((e) => [e.occurredAt, e.machineVersion])).toEqual([['2026-11-12T19:00:00.000Z', '1.1.0']]);
    expect(await missed(c.received)).toEqual([]);
    // Past the old due: nothing more for the migrated case; the received one at its own new due.
    f.clock.set('2026-11-18T00:00:00.000Z');
    await f.engine.idle();
    expect((await missed(c.inReview)).map((e) => e.occurredAt)).toEqual(['2026-11-12T19:00:00.000Z']);
    expect((await missed(c.received)).map((e) => e.occurredAt)).toEqual(['2026-11-16T19:00:00.000Z']);
    expect((await missed(c.extended)).map((e) => e.occurredAt)).toEqual(['2026-11-17T19:00:00.000Z']);
    expect(await review(f.engine, c.inReview)).toMatchObject({ status: 'missed', observedMissedAt: '2026-11-12T19:00:00.000Z' });
    for (const id of Object.values(c)) expect(await f.engine.verify(id), id).toMatchObject({ ok: true });
  });

  it('the API and the staff page show the version: GET /machines the versions served, the history each event\'s, the case page its own and the migration (ru/kk/en)', async () => {
    expect(await runMigrateCases(args('apply'), io(f.path).io, machines, f.clock)).toBe(1);
    const users = new UserDirectory({ users: [{ name: 'auditor-user', roles: ['auditor'], tokenSha256: sha256Hex('token-of-auditor') }] });
    const app = await buildApp({ calendars: { kz }, engine: f.engine, users, intakeRateLimit: 1000 });
    try {
      const auth = { authorization: 'Bearer token-of-auditor' };
      // The served versions of the registry (blog-question keeps 1.0.0 for the cases pinned to it).
      const bq = (await app.inject({ method: 'GET', url: '/machines/blog-question' })).json() as { version: string; versions: string[] };
      expect(bq).toMatchObject({ version: '1.1.0', versions: ['1.1.0', '1.0.0'] });
      const listed = (await app.inject({ method: 'GET', url: '/machines' })).json() as { machines: Array<{ id: string; versions: string[] }> };
      expect(listed.machines.find((m) => m.id === 'feedback-inquiry')?.versions).toEqual(['1.0.0']);

      const h = await app.inject({ method: 'GET', url: `/cases/${c.inReview}/history`, headers: auth });
      expect(h.statusCode).toBe(200);
      expect((h.json() as { events: Array<{ type: string; machineVersion: string }> }).events.map((e) => `${e.type}@${e.machineVersion}`)).toEqual([
        'created@1.0.0',
        'register@1.0.0',
        'assign@1.0.0',
        `${MIGRATED_EVENT}@1.1.0`,
      ]);
      // A page after the migration still knows the version each event was applied under.
      const later = await app.inject({ method: 'GET', url: `/cases/${c.inReview}/history?after=2&limit=1`, headers: auth });
      expect((later.json() as { events: Array<{ machineVersion: string }> }).events.map((e) => e.machineVersion)).toEqual(['1.0.0']);

      const page = await signIn(app, { name: 'auditor-user', token: 'token-of-auditor' });
      const words = {
        ru: ['Версия процедуры', 'переведено с версии 1.0.0 на версию 1.1.0', 'Дело переведено на новую редакцию процедуры'],
        kk: ['Рәсім нұсқасы', '1.0.0 нұсқасынан 1.1.0 нұсқасына көшірілді', 'Іс рәсімнің жаңа редакциясына көшірілді'],
        en: ['Procedure version', 'moved from version 1.0.0 to version 1.1.0', 'Case moved to a new edition of the procedure'],
      } as const;
      const base = page.cookie;
      for (const [lang, expected] of Object.entries(words)) {
        page.cookie = `${base}; qi_lang=${lang}`;
        const r = await page.get(`/ui/cases/${c.inReview}`);
        expect(r.statusCode).toBe(200);
        expect(r.body).toContain(`<html lang="${lang}">`);
        expect(r.body).toContain('<dd data-version="1.1.0">1.1.0</dd>');
        expect(r.body).toContain('data-migrated="1.0.0 1.1.0"');
        expect(r.body).toContain('<span data-version="1.0.0">');
        for (const w of expected) expect(r.body, lang).toContain(w);
      }
      // The refused case is on its old version.
      expect((await page.get(`/ui/cases/${c.redirected}`)).body).toContain('<dd data-version="1.0.0">1.0.0</dd>');
    } finally {
      await app.close();
    }
  });
});
