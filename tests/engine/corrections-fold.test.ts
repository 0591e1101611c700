/**
 * engine/corrections.ts: the yielding fold gives the event loop turns inside a
 * correction's re-fold of the history too (issue 13 §2: a `correct` on a long history
 * folded it in one go), and `prepareCorrection` folds what the runner's fold would.
 */
import { describe, expect, it } from 'vitest';
import { foldHistory, foldHistoryYielding, prepareCorrection, withCorrectionMeta, type HistoryItem } from '../../engine/corrections.js';
import { blogQuestion } from '../../machines/blog-question/index.js';
import { deps } from '../machines/helpers.js';

const AT = '2025-04-10T05:00:00.000Z';
const actor = { name: 'press', role: 'press_secretary' as const };
const meta = { occurredAt: AT, recordedAt: AT, actor };
const COMMENTS = 300;

const history: HistoryItem[] = [
  { seq: 1, type: 'created', payload: { channel: 'blog', author: { name: 'Дана' }, language: 'ru', text: 'Вопрос' }, meta },
  ...Array.from({ length: COMMENTS }, (_, i) => ({ seq: i + 2, type: 'comment', payload: { text: `c${i}` }, meta })),
];
const correction = { seq: 1, field: 'author.name', value: 'Дана К.', reason: 'the full name' };
const withCorrection: HistoryItem[] = [...history, { seq: COMMENTS + 2, type: 'correct', payload: correction, meta }];

describe('the yielding fold', () => {
  it('should give the event loop turns inside the re-fold of a correction', async () => {
    const progress = { seq: 0 };
    const seen: number[] = [];
    let running = true;
    const watch = () => {
      seen.push(progress.seq);
      if (running) setImmediate(watch);
    };
    setImmediate(watch);
    const folded = await foldHistoryYielding(blogQuestion, deps, withCorrection, progress, 0);
    running = false;
    expect(folded.context).toEqual(foldHistory(blogQuestion, deps, withCorrection).context);
    // Turns while the re-fold walked the history again: seqs below the correction's, seen after it.
    const reached = seen.indexOf(COMMENTS + 2);
    expect(reached).toBeGreaterThan(0);
    const during = seen.slice(reached + 1).filter((s) => s < COMMENTS + 2);
    expect(during.length).toBeGreaterThan(COMMENTS / 2);
  });
});

describe('prepareCorrection', () => {
  it('should fold what the runner folds, the entry stamped with the command\'s meta', async () => {
    const prepared = await prepareCorrection(blogQuestion, deps, { seq: COMMENTS + 1, headHash: 'h' }, history, correction, actor);
    expect(prepared).toMatchObject({ seq: COMMENTS + 1, headHash: 'h', outcome: { ok: true } });
    const real = { occurredAt: '2025-04-10T06:00:00.000Z', recordedAt: '2025-04-10T06:00:00.000Z', actor };
    const expected = foldHistory(blogQuestion, deps, [...history, { seq: COMMENTS + 2, type: 'correct', payload: correction, meta: real }]);
    const step = withCorrectionMeta((prepared!.outcome as { ok: true; step: typeof expected }).step, real);
    expect(step.context).toEqual(expected.context);
    expect(step.snapshot).toEqual(expected.snapshot);
    expect(step.state).toBe(expected.state);
  });

  it('should leave to the unit a command its checks refuse (nothing folded)', async () => {
    expect(await prepareCorrection(blogQuestion, deps, { seq: COMMENTS + 1, headHash: 'h' }, history, { ...correction, field: 'text' }, actor)).toBeUndefined();
    expect(await prepareCorrection(blogQuestion, deps, { seq: COMMENTS + 1, headHash: 'h' }, history, { seq: 1 }, actor)).toBeUndefined();
    expect(await prepareCorrection(blogQuestion, deps, { seq: COMMENTS + 1, headHash: 'h' }, history, correction, { name: 'c', role: 'car' })).toBeUndefined();
  });
});
