/**
 * Issue 15 §4: installed calendar versions and the re-count, with a fabricated decree:
 * kz.json with 2027-01-05 (a Tuesday) a transfer day off and 2027-01-09 (a Saturday) its
 * working day. P3's review term is 15 calendar days, a last day off moving to the next
 * working day, so a question received on
 * - 2026-12-10: last day 2026-12-25, far from the decree (does not move);
 * - 2026-12-21: last day 2027-01-05 → 2027-01-06 (the day became a day off: later);
 * - 2026-12-22: last day 2027-01-06 (a working day in both: does not move);
 * - 2026-12-25: last day 2027-01-09, a Saturday: 2027-01-11 → 2027-01-09 (it became a working day: earlier);
 * - 2026-12-21, answered the same day: closed, keeps the version it was judged under.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calendarSource } from '../../calendars/index.js';
import { runCalendar } from '../../cli/calendar.js';
import { openAuditStore } from '../../engine/audit.js';
import { candidateOf, installVersion } from '../../engine/calendar-versions.js';
import { SimulatedClock } from '../../engine/clock.js';
import { foldHistory, type HistoryItem } from '../../engine/corrections.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { Actor, CaseDeadline, EventMeta, MachineDeps } from '../../machines/contract.js';
import { recountDeadline } from '../../machines/common/record-events.js';
import { legacyProcedures, procedures } from '../../machines/index.js';
import { openSqliteFile, dropTripwires, itSqlite } from '../helpers/sqlite-file.js';
import { tmpDir } from './fixtures/helpers.js';
import { decree, decreeData, kz } from './fixtures/decree.js';

const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const unit: Actor = { name: 'Legal unit', role: 'unit' };


const question = (text: string) => ({ applicant: { name: 'Aigerim', email: 'a@example.kz' }, language: 'ru' as const, kind: 'question' as const, text });

interface Fixture {
  path: string;
  dir: string;
  clock: SimulatedClock;
  engine: Engine;
  file: string;
  cleanup(): void;
}

const open = (f: Pick<Fixture, 'path' | 'clock'>, calendar = kz) =>
  createEngine({ databasePath: f.path, clock: f.clock, calendar, procedures, legacyModules: legacyProcedures, calendarPollMs: 0 });

async function fixture(): Promise<Fixture> {
  const { dir, cleanup } = tmpDir('calver-');
  const path = join(dir, 'engine.db');
  const clock = new SimulatedClock('2026-12-10T05:00:00.000Z');
  const file = join(dir, 'kz-decree.json');
  writeFileSync(file, JSON.stringify(decreeData(), null, 2));
  return { path, dir, clock, engine: await open({ path, clock }), file, cleanup };
}

/** The five cases of the file comment, by name. */
async function cases(f: Fixture): Promise<Record<'far' | 'later' | 'same' | 'earlier' | 'closed', string>> {
  const at = async (iso: string, text: string) => {
    f.clock.set(iso);
    return (await f.engine.createCase('feedback-inquiry', question(text), { actor: car })).view.id;
  };
  const far = await at('2026-12-10T05:00:00.000Z', 'far');
  const later = await at('2026-12-21T05:00:00.000Z', 'later');
  const closed = await at('2026-12-21T06:00:00.000Z', 'closed');
  f.clock.set('2026-12-21T07:00:00.000Z');
  await f.engine.applyEvent(closed, { type: 'register', payload: { registrationNumber: 'ЗТ-9' } }, { actor: car });
  await f.engine.applyEvent(closed, { type: 'assign', payload: { unit: 'Legal' } }, { actor: supervisor });
  await f.engine.applyEvent(closed, { type: 'submit_answer', payload: { text: 'Ответ.', citations: ['п. 40'], language: 'ru' } }, { actor: unit });
  await f.engine.applyEvent(closed, { type: 'approve_answer', payload: {} }, { actor: supervisor });
  const same = await at('2026-12-22T05:00:00.000Z', 'same');
  const earlier = await at('2026-12-25T05:00:00.000Z', 'earlier');
  f.clock.set('2026-12-28T05:00:00.000Z');
  return { far, later, same, earlier, closed };
}

async function review(engine: Engine, id: string) {
  return (await engine.getCase(id)).deadlines.find((d) => d.key === 'review')!;
}
async function types(engine: Engine, id: string): Promise<string[]> {
  return (await engine.history(id)).map((e) => e.type);
}
function io(path: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env: { DATABASE: path } } };
}

describe('calendar versions and the re-count (issue 15 §4)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
  });
  afterEach(async () => {
    await f.engine.close();
    f.cleanup();
  });

  it('should install the shipped data as the baseline of a new database and record no version with its events', async () => {
    expect(f.engine.calendars.installs.map((i) => [i.installNo, i.version, i.source])).toEqual([[1, kz.version, 'shipped']]);
    const id = (await f.engine.createCase('feedback-inquiry', question('x'), { actor: car })).view.id;
    const [created] = await f.engine.storage.read.events.list(id);
    expect(created!.calendarVersion).toBeUndefined();
  });

  it('diff lists exactly the open deadlines whose last day moves, and changes nothing', async () => {
    const c = await cases(f);
    const before = await Promise.all(Object.values(c).map((id) => types(f.engine, id)));
    const r = io(f.path);
    const code = await runCalendar(['diff', f.file], r.io);
    const text = r.out.join('');
    expect(code, r.err.join('')).toBe(1);
    const lines = text.split('\n').filter((l) => l.includes(' review: '));
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.startsWith(c.later))).toContain('review: 2027-01-05 → 2027-01-06');
    expect(lines.find((l) => l.startsWith(c.earlier))).toContain('review: 2027-01-11 → 2027-01-09');
    for (const id of [c.far, c.same, c.closed]) expect(text).not.toContain(id);
    expect(await Promise.all(Object.values(c).map((id) => types(f.engine, id)))).toEqual(before);
    expect((await f.engine.storage.read.calendarVersions.list()).length).toBe(1);

    // An invalid file: exit 2, naming what is wrong.
    const bad = join(f.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...decreeData(), weekend: [] }));
    const b = io(f.path);
    expect(await runCalendar(['diff', bad], b.io)).toBe(2);
    expect(b.err.join('')).toContain('bad.json');
    // The shipped file itself: nothing moves.
    const same = join(f.dir, 'kz.json');
    writeFileSync(same, JSON.stringify(calendarSource(kz)!.data));
    expect(await runCalendar(['diff', same], io(f.path).io)).toBe(0);
  });

  it('apply re-counts exactly the moved deadlines, moves their timers, keeps closed ones, and a second apply does nothing', async () => {
    const c = await cases(f);
    const closedBefore = await review(f.engine, c.closed);
    const r = io(f.path);
    expect(await runCalendar(['apply', f.file], r.io), r.err.join('')).toBe(0);
    expect(r.out.join('')).toContain('2 open deadline(s) in 2 case(s) re-counted');

    // The CLI was another process on the same database. Until the server notices, it still
    // counts with the old version (a case received on 12-21, recorded late: 2027-01-05)…
    expect(f.engine.deps.calendar.version).toBe(kz.version);
    const stale = (
      await f.engine.createCase('feedback-inquiry', question('stale'), { actor: car, occurredAt: '2026-12-21T08:00:00.000Z', backdatingReason: 'пришло почтой' })
    ).view.id;
    expect(await review(f.engine, stale)).toMatchObject({ lastDay: '2027-01-05', calendar: { version: kz.version } });
    // …then it notices, switches and re-counts what was counted with the old one meanwhile.
    const noticed = await f.engine.checkCalendar();
    expect(noticed?.changes.map((ch) => [ch.caseId, ch.newLastDay])).toEqual([[stale, '2027-01-06']]);
    expect(f.engine.deps.calendar.version).toBe(decree.version);
    expect(await f.engine.verify(stale)).toMatchObject({ ok: true });

    for (const id of [c.later, c.earlier]) expect((await types(f.engine, id)).at(-1)).toBe('deadline_recounted');
    for (const id of [c.far, c.same, c.closed]) expect(await types(f.engine, id)).not.toContain('deadline_recounted');
    const recounted = (await f.engine.history(c.later)).at(-1)!;
    expect(recounted.payload).toEqual({
      key: 'review',
      oldLastDay: '2027-01-05',
      newLastDay: '2027-01-06',
      oldDueAt: '2027-01-05T19:00:00.000Z',
      newDueAt: '2027-01-06T19:00:00.000Z',
      oldVersion: kz.version,
      newVersion: decree.version,
    });
    expect(recounted.role).toBe('system');
    expect(await review(f.engine, c.later)).toMatchObject({ lastDay: '2027-01-06', dueAt: '2027-01-06T19:00:00.000Z', calendar: { version: decree.version } });
    expect(await review(f.engine, c.earlier)).toMatchObject({ lastDay: '2027-01-09', calendar: { version: decree.version } });
    // Not moved: the version it was counted with stays; closed: as judged.
    expect((await review(f.engine, c.same)).calendar.version).toBe(kz.version);
    expect(await review(f.engine, c.closed)).toEqual(closedBefore);

    // The timers moved: the earlier one fires at its new due, two days before the old one.
    const timers = await f.engine.storage.read.timers.listForCase(c.earlier);
    expect(timers.find((t) => t.key === 'review')).toMatchObject({ dueAt: '2027-01-09T19:00:00.000Z', status: 'scheduled' });
    await f.engine.start();
    f.clock.set('2027-01-09T20:00:00.000Z');
    await f.engine.idle();
    expect((await f.engine.history(c.earlier)).at(-1)).toMatchObject({ type: 'deadline_missed', occurredAt: '2027-01-09T19:00:00.000Z' });
    // The later one fired at its new due, a day after the old one.
    expect((await f.engine.history(c.later)).at(-1)).toMatchObject({ type: 'deadline_missed', occurredAt: '2027-01-06T19:00:00.000Z' });

    // A second apply: nothing installed, nothing recorded.
    const counts = await Promise.all(Object.values(c).map(async (id) => (await types(f.engine, id)).length));
    const again = io(f.path);
    expect(await runCalendar(['apply', f.file], again.io)).toBe(0);
    expect(again.out.join('')).toContain('nothing installed');
    expect(await Promise.all(Object.values(c).map(async (id) => (await types(f.engine, id)).length))).toEqual(counts);
    expect(await f.engine.recount()).toMatchObject({ changes: [] });

    for (const id of Object.values(c)) expect(await f.engine.verify(id)).toMatchObject({ ok: true });
  });

  itSqlite('should replay a history spanning the change exactly, and fail verify on a tampered calendar_version', async () => {
    const c = await cases(f);
    await f.engine.installCalendar(candidateOf(decreeData()), 'cli');
    // A step after the change records the version it was computed with.
    f.clock.set('2026-12-29T05:00:00.000Z');
    await f.engine.applyEvent(c.same, { type: 'register', payload: { registrationNumber: 'ЗТ-2' } }, { actor: car });
    await f.engine.applyEvent(c.same, { type: 'extend', payload: { days: 5, reason: 'проверка' } }, { actor: { name: 'Chair', role: 'chairman' } });
    const events = await f.engine.storage.read.events.list(c.same);
    expect(events.map((e) => e.calendarVersion ?? null)).toEqual([null, decree.version, decree.version]);
    // The extended term is counted with the decree: 12-22 + 20 days = 2027-01-11.
    expect(await review(f.engine, c.same)).toMatchObject({ lastDay: '2027-01-11', calendar: { version: decree.version } });
    for (const id of Object.values(c)) expect(await f.engine.verify(id)).toMatchObject({ ok: true });
    // The replay of the creation alone is the old calendar's term.
    expect((await f.engine.replay(c.later, 1)).deadlines.find((d) => d.key === 'review')).toMatchObject({ lastDay: '2027-01-05' });

    // Another process (a new engine on the same database) computes with the newest version.
    const second = await open(f);
    try {
      expect(second.deps.calendar.version).toBe(decree.version);
      expect(await second.verify(c.same)).toMatchObject({ ok: true });
    } finally {
      await second.close();
    }

    // The auditors' read-only store folds each event with its version too.
    const store = await openAuditStore({ databasePath: f.path, calendar: kz, procedures, legacyModules: legacyProcedures });
    try {
      for (const id of Object.values(c)) expect(await store.verify(id)).toMatchObject({ ok: true });
      expect((await store.history(c.same)).map((e) => e.calendarVersion ?? null)).toEqual([null, decree.version, decree.version]);
    } finally {
      await store.close();
    }
    const db = openSqliteFile(f.path);
    try {
      dropTripwires(db);
      db.prepare('UPDATE events SET calendar_version = NULL WHERE case_id = ? AND seq = 2').run(c.same);
      db.prepare('UPDATE events SET calendar_version = ? WHERE case_id = ? AND seq = 1').run(decree.version, c.far);
    } finally {
      db.close();
    }
    const same = await f.engine.verify(c.same);
    expect(same.ok).toBe(false);
    expect(same.problems).toContainEqual(expect.objectContaining({ seq: 2, kind: 'hash_mismatch' }));
    expect((await f.engine.verify(c.far)).problems).toContainEqual(expect.objectContaining({ seq: 1, kind: 'hash_mismatch' }));
  });

  it('should finish a re-count cut short by a crash when the engine starts again', async () => {
    const c = await cases(f);
    // Installed, then only one case re-counted before the "crash".
    await f.engine.runner.queue.submit((repos) => installVersion(repos.calendarVersions, candidateOf(decreeData()), 'cli', f.clock.now().toISOString()));
    await f.engine.runner.queue.submit((repos) => f.engine.calendars.refresh(repos.calendarVersions));
    const partial = await f.engine.recount({ maxCases: 1 });
    expect(partial.casesRecounted).toBe(1);
    await f.engine.close();
    f.engine = await open(f);
    await f.engine.start();
    await f.engine.idle();
    for (const id of [c.later, c.earlier]) expect((await types(f.engine, id)).filter((t) => t === 'deadline_recounted')).toHaveLength(1);
    for (const id of [c.far, c.same, c.closed]) expect(await types(f.engine, id)).not.toContain('deadline_recounted');
    for (const id of Object.values(c)) expect(await f.engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should make a missed deadline pending again when its new due is later, and fire it again there', async () => {
    f.clock.set('2026-12-21T05:00:00.000Z');
    const id = (await f.engine.createCase('feedback-inquiry', question('late'), { actor: car })).view.id;
    await f.engine.start();
    f.clock.set('2027-01-05T20:00:00.000Z');
    await f.engine.idle();
    expect(await review(f.engine, id)).toMatchObject({ status: 'missed', observedMissedAt: '2027-01-05T19:00:00.000Z' });
    await f.engine.installCalendar(candidateOf(decreeData()), 'cli');
    const now = await review(f.engine, id);
    expect(now).toMatchObject({ status: 'pending', dueAt: '2027-01-06T19:00:00.000Z' });
    expect(now.observedMissedAt).toBeUndefined();
    f.clock.set('2027-01-06T20:00:00.000Z');
    await f.engine.idle();
    expect(await review(f.engine, id)).toMatchObject({ status: 'missed', observedMissedAt: '2027-01-06T19:00:00.000Z' });
    expect(await types(f.engine, id)).toEqual(['created', 'deadline_missed', 'deadline_recounted', 'deadline_missed']);
    expect(await f.engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should install a changed shipped data file at start-up as the newest version and re-count', async () => {
    const c = await cases(f);
    await f.engine.close();
    f.engine = await open(f, decree);
    expect(f.engine.calendars.installs.map((i) => [i.installNo, i.version, i.source])).toEqual([
      [1, kz.version, 'shipped'],
      [2, decree.version, 'shipped'],
    ]);
    await f.engine.start();
    await f.engine.idle();
    for (const id of [c.later, c.earlier]) expect((await types(f.engine, id)).at(-1)).toBe('deadline_recounted');
    for (const id of [c.far, c.same, c.closed]) expect(await types(f.engine, id)).not.toContain('deadline_recounted');
    // The old file shipped again (a rollback of the release) is installed already: not brought back.
    await f.engine.close();
    f.engine = await open(f);
    expect(f.engine.deps.calendar.version).toBe(decree.version);
    for (const id of Object.values(c)) expect(await f.engine.verify(id)).toMatchObject({ ok: true });
  });
});

describe('the re-count gives what the machine gives under the new calendar', () => {
  const module = procedures['feedback-inquiry']!;
  const oldDeps: MachineDeps = { calendar: kz };
  const newDeps: MachineDeps = { calendar: decree };
  const meta = (at: string, actor: Actor): EventMeta => ({ occurredAt: at, recordedAt: at, actor });

  it('for random receipts and extensions, every open deadline recounted equals a fresh run', () => {
    const start = Date.parse('2026-12-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 24 * 4 }).map((q) => new Date(start + q * 900_000).toISOString()),
        fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (receivedAt, extensions, hours) => {
          const items: HistoryItem[] = [{ seq: 1, type: 'created', payload: question('q'), meta: meta(receivedAt, car) }];
          let at = Date.parse(receivedAt);
          for (const days of extensions) {
            at += hours * 3_600_000;
            items.push({ seq: items.length + 1, type: 'extend', payload: { days, reason: 'r' }, meta: meta(new Date(at).toISOString(), { name: 'C', role: 'chairman' }) });
          }
          const old = foldHistory(module, oldDeps, items).context.deadlines;
          const fresh = foldHistory(module, newDeps, items).context.deadlines;
          for (const d of Object.values(old) as CaseDeadline[]) {
            if (!d.open) continue;
            const recounted = recountDeadline(decree, d);
            const f = fresh[d.key]!;
            expect({ lastDay: recounted.lastDay, dueAt: Date.parse(recounted.dueAt) }).toEqual({ lastDay: f.lastDay, dueAt: Date.parse(f.dueAt) });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('recountDeadline on a lead time', () => {
  it('should count an open working-day lead time (P6 internal targets) back from its date, and refuse a calendar-day one', () => {
    const lead: CaseDeadline = {
      key: 'submission',
      rule: 'п. 11',
      amount: 3,
      unit: 'working_days',
      reading: 'working',
      from: '2027-01-08',
      lastDay: '2027-01-05',
      dueAt: '2027-01-05T19:00:00.000Z',
      status: 'pending',
      open: true,
      calendar: kz.deadline('2026-12-01T05:00:00Z', 1, 'working').calendar,
    };
    const moved = recountDeadline(decree, lead);
    // Never moved after the date it counts back from: the 3rd working day before 8 January on the new data.
    expect(moved.lastDay < lead.from).toBe(true);
    expect(moved.lastDay).toBe(decree.workingDayBefore('2027-01-08', 3).lastDay);
    expect(() => recountDeadline(decree, { ...lead, unit: 'days', reading: 'calendar' })).toThrow(/lead time counted back from 2027-01-08 in calendar days/);
  });
});
