/**
 * Replay and verify at scale: a database of 100,000 events (100 P3 cases of 1,000 events
 * each: created, register, assign, 995 comments by rotating roles, submit_answer,
 * approve_answer), written through the engine with group commit (synchronous=FULL).
 * Then: replay speed of long cases (events/s) against just loading and parsing their
 * events (the I/O part of a replay), and `verify` (hash chain + replay + snapshot
 * comparison) of every case.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKzCalendar } from '../calendars/index.js';
import { createEngine } from '../engine/index.js';
import { procedures } from '../machines/index.js';
import type { Actor } from '../machines/contract.js';
import { P3_STEPS, question } from './lib/dataset.js';
import { fmt, ratio, type PartResult } from './lib/measure.js';

const COMMENTERS: Actor[] = ['car', 'supervisor', 'unit', 'chairman', 'press_secretary'].map((role) => ({ name: `${role}-user`, role }) as Actor);

export async function runReplayBench(o: { cases?: number; eventsPerCase?: number } = {}): Promise<PartResult> {
  const cases = o.cases ?? 100;
  const perCase = o.eventsPerCase ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), 'qi-replay-'));
  const engine = await createEngine({ databasePath: join(dir, 'replay.sqlite'), synchronous: 'FULL', calendar: loadKzCalendar(), procedures });
  try {
    const t0 = performance.now();
    const ids = await Promise.all(
      Array.from({ length: cases }, async () => {
        const { view } = await engine.createCase('feedback-inquiry', question, { actor: { name: 'car-user', role: 'car' } });
        const [register, assign, answer, approve] = P3_STEPS;
        for (const [type, payload, actor] of [register!, assign!]) await engine.applyEvent(view.id, { type, payload }, { actor });
        for (let i = 0; i < perCase - 5; i++) {
          await engine.applyEvent(view.id, { type: 'comment', payload: { text: `Комментарий ${i}: уточнение по делу.` } }, { actor: COMMENTERS[i % COMMENTERS.length]! });
        }
        for (const [type, payload, actor] of [answer!, approve!]) await engine.applyEvent(view.id, { type, payload }, { actor });
        return view.id;
      }),
    );
    const buildSeconds = (performance.now() - t0) / 1000;
    const total = cases * perCase;
    console.log(`replay: wrote ${total.toLocaleString('en-US')} events in ${buildSeconds.toFixed(1)} s`);

    // Load only: read and parse every event of every case (what a replay must at least do).
    let t = performance.now();
    let loaded = 0;
    for (const id of ids) {
      const events = await engine.storage.read.events.list(id);
      for (const e of events) JSON.parse(e.payloadJson);
      loaded += events.length;
    }
    const loadSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    let replayed = 0;
    for (const id of ids) replayed += (await engine.replay(id)).seq;
    const replaySeconds = (performance.now() - t) / 1000;

    t = performance.now();
    let verified = 0;
    let bad = 0;
    for (const id of ids) {
      const v = await engine.verify(id);
      verified += v.events;
      if (!v.ok) bad++;
    }
    const verifySeconds = (performance.now() - t) / 1000;
    if (loaded !== total || replayed !== total || verified !== total) throw new Error(`replay bench: expected ${total} events, loaded ${loaded}, replayed ${replayed}, verified ${verified}`);

    const writeRate = total / buildSeconds;
    const loadRate = total / loadSeconds;
    const replayRate = total / replaySeconds;
    const verifyRate = total / verifySeconds;
    const md = [
      `${cases} P3 cases × ${perCase.toLocaleString('en-US')} events = ${total.toLocaleString('en-US')} events, written through the engine (group commit, synchronous=FULL, ${cases} concurrent clients) in ${buildSeconds.toFixed(1)} s. Times are for all cases, one after another.`,
      '',
      '| operation | seconds | events/s | vs writing them |',
      '|---|---|---|---|',
      `| write (engine, group commit) | ${fmt(buildSeconds)} | ${fmt(writeRate)} | 1.00× |`,
      `| load + parse events only (baseline) | ${fmt(loadSeconds)} | ${fmt(loadRate)} | ${ratio(loadRate, writeRate)} |`,
      `| replay (\`engine.replay\`: machine steps from event 1) | ${fmt(replaySeconds)} | ${fmt(replayRate)} | ${ratio(replayRate, writeRate)} |`,
      `| verify (\`engine.verify\`: hash chain + replay + snapshot comparison) | ${fmt(verifySeconds)} | ${fmt(verifyRate)} | ${ratio(verifyRate, writeRate)} |`,
      '',
      `Replay costs ${ratio(loadRate, replayRate)} the time of just loading the events; verify of all ${total.toLocaleString('en-US')} events takes ${fmt(verifySeconds)} s (${bad} cases with problems: expected 0). A ${perCase.toLocaleString('en-US')}-event case replays in ${fmt((replaySeconds / cases) * 1000)} ms.`,
    ];
    return {
      markdown: md,
      summary: `replay ${fmt(replayRate)} events/s (${ratio(replayRate, loadRate)} of load-only), verify of ${total.toLocaleString('en-US')} events ${fmt(verifySeconds)} s, ${bad} bad`,
    };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
