/**
 * The clock jumps forward and back (NTP step, VM restore, a wrong manual setting), with the
 * engine restarted between jumps: every deadline that is missed fires `deadline_missed`
 * exactly once, at its dueAt (a moved deadline only at its new dueAt), and a met deadline
 * never fires. The clock is the engine's SimulatedClock, moved with `jump` (backwards too).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import type { Actor } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { tmpDir } from '../engine/fixtures/helpers.js';
import { kz } from '../helpers/app.js';

const DAY = 86_400_000;
const car: Actor = { name: 'car', role: 'car' };
const supervisor: Actor = { name: 'sup', role: 'supervisor' };
const unit: Actor = { name: 'unit', role: 'unit' };
const chairman: Actor = { name: 'chair', role: 'chairman' };
const question = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };

interface Tracked {
  id: string;
  kind: 'missed' | 'met' | 'extended';
  /** Expected firings: key → dueAt (occurredAt of its deadline_missed). */
  expect: Record<string, string>;
}

let cleanup: (() => void) | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  cleanup?.();
});

describe('clock jumps', () => {
  it('should fire each missed deadline exactly once across jumps forward and back and restarts, and never a met one', async () => {
    const dir = tmpDir('clock-');
    cleanup = dir.cleanup;
    const databasePath = join(dir.dir, 'clock.db');
    const clock = new SimulatedClock('2025-03-03T05:00:00.000Z');
    const open = async () => {
      await engine?.close();
      engine = await createEngine({ databasePath, synchronous: 'NORMAL', calendar: kz, procedures, clock });
      await engine.start();
      await engine.idle();
      return engine;
    };
    let e = await open();

    // Cases received on different days (distinct review dueAts); some are answered in time,
    // one is extended (its review deadline moves, an extension notice deadline opens).
    const tracked: Tracked[] = [];
    for (let day = 0; day < 8; day++) {
      clock.jump(Date.parse('2025-03-03T05:00:00.000Z') + day * DAY);
      await e.idle();
      const { view } = await e.createCase('feedback-inquiry', question, { actor: car, idempotencyKey: `c${day}` });
      const review = view.deadlines.find((d) => d.key === 'review')!;
      const kind: Tracked['kind'] = day % 3 === 1 ? 'met' : day === 3 ? 'extended' : 'missed';
      const t: Tracked = { id: view.id, kind, expect: {} };
      if (kind === 'met') {
        for (const [type, payload, actor] of [
          ['register', { registrationNumber: `R-${day}` }, car],
          ['assign', { unit: 'U' }, supervisor],
          ['submit_answer', { text: 'A', citations: ['Law'], language: 'ru' }, unit],
          ['approve_answer', {}, supervisor],
        ] as const) {
          await e.applyEvent(view.id, { type, payload }, { actor });
        }
      } else if (kind === 'extended') {
        const { view: after } = await e.applyEvent(view.id, { type: 'extend', payload: { days: 10, reason: 'check' } }, { actor: chairman });
        const moved = after.deadlines.find((d) => d.key === 'review')!;
        expect(Date.parse(moved.dueAt)).toBeGreaterThan(Date.parse(review.dueAt));
        t.expect.review = moved.dueAt;
        t.expect.extension_notice = after.deadlines.find((d) => d.key === 'extension_notice')!.dueAt;
      } else t.expect.review = review.dueAt;
      tracked.push(t);
    }
    const dues = [...new Set(tracked.flatMap((t) => Object.values(t.expect)))].sort();
    expect(dues.length).toBeGreaterThanOrEqual(5);

    /** deadline_missed events per case: key → occurredAt list. */
    const fired = async () => {
      const out = new Map<string, Record<string, string[]>>();
      for (const t of tracked) {
        const per: Record<string, string[]> = {};
        for (const ev of await e.history(t.id)) {
          if (ev.type !== 'deadline_missed') continue;
          const key = String(ev.payload.key);
          (per[key] ??= []).push(ev.occurredAt);
        }
        out.set(t.id, per);
      }
      return out;
    };
    /** After the clock reached `horizon` at some point: exactly the deadlines due by then fired, once each, at their dueAt. */
    const check = async (horizon: number, label: string) => {
      const f = await fired();
      for (const t of tracked) {
        const want: Record<string, string[]> = {};
        for (const [key, due] of Object.entries(t.expect)) if (Date.parse(due) <= horizon) want[key] = [due];
        expect(f.get(t.id), `${label}: case ${t.kind} ${t.id}`).toEqual(want);
        expect((await e.verify(t.id)).problems, `${label}: verify ${t.id}`).toEqual([]);
      }
    };

    const at = (i: number, deltaMs: number) => Date.parse(dues[i]!) + deltaMs;
    let horizon = clock.now().getTime();
    const jumps: [label: string, to: number, restart: boolean][] = [
      ['forward past the first two dueAts', at(1, 60_000), false],
      ['back before every dueAt', Date.parse('2025-03-04T00:00:00.000Z'), true],
      ['forward to just before the third dueAt', at(2, -1), true],
      ['forward onto the third dueAt', at(2, 0), false],
      ['back two weeks', at(2, -14 * DAY), true],
      ['forward past everything', at(dues.length - 1, DAY), true],
      ['back before everything again', Date.parse('2025-03-01T00:00:00.000Z'), true],
      ['forward far ahead', at(dues.length - 1, 60 * DAY), true],
    ];
    for (const [label, to, restart] of jumps) {
      if (restart) e = await open();
      clock.jump(to);
      await e.idle();
      if (restart) e = await open(); // start() after the jump: past-due timers fire at start
      horizon = Math.max(horizon, to);
      await check(horizon, label);
      // While the clock is back, staff keep working: a comment must not break the chain or the timers.
      if (to < horizon) {
        const target = tracked.find((t) => t.kind === 'missed')!;
        await e.applyEvent(target.id, { type: 'comment', payload: { text: `while back at ${new Date(to).toISOString()}` } }, { actor: car });
      }
    }
    await check(horizon, 'final');
    const final = await fired();
    const count = (k: Tracked['kind']) => tracked.filter((t) => t.kind === k).reduce((n, t) => n + Object.values(final.get(t.id)!).flat().length, 0);
    console.log(
      `[clock jumps] jumps=${jumps.length} deadlines=${dues.length} fired: missed-cases=${count('missed')} extended=${count('extended')} met=${count('met')} (met must be 0)`,
    );
    expect(count('met')).toBe(0);
    for (const t of tracked.filter((t) => t.kind === 'met')) {
      expect((await e.getCase(t.id)).deadlines.find((d) => d.key === 'review')).toMatchObject({ status: 'met', open: false });
    }
  });
});
