/**
 * P4 keeps each turn of a repeated deadline (issue 12 §7) from version 1.1.0 on; cases
 * pinned to 1.0.0 run the 1.0.0 machine, which overwrote the rework deadline, so their
 * stored snapshots replay identically.
 */
import { describe, expect, it } from 'vitest';
import { blogQuestion, blogQuestionLegacy } from '../../machines/blog-question/index.js';
import { legacyProcedures } from '../../machines/index.js';
import type { ProcedureModule } from '../../machines/contract.js';
import { CaseDriver, almaty } from './helpers.js';

const input = { channel: 'blog', author: { name: 'Е' }, language: 'kk', text: 'Сұрақ' };

function twoReworks(mod: ProcedureModule) {
  const c = new CaseDriver(mod, { ...input, receivedAt: almaty('2025-06-02') }, almaty('2025-06-02'), 'press_secretary');
  c.send('register', { registrationNumber: 'Б-1' }, almaty('2025-06-02'), 'car');
  c.send('assign', { unit: 'hr' }, almaty('2025-06-02'), 'press_secretary');
  c.send('submit_answer', { text: 'жоба' }, almaty('2025-06-03'), 'unit');
  c.send('agree_answer', {}, almaty('2025-06-03'), 'supervisor');
  c.send('forward_to_chairman', {}, almaty('2025-06-03'), 'press_secretary');
  c.send('return_for_rework', { comment: 'бір' }, almaty('2025-06-04'), 'chairman');
  c.send('forward_to_chairman', {}, almaty('2025-06-06'), 'press_secretary');
  c.send('return_for_rework', { comment: 'екі' }, almaty('2025-06-09'), 'chairman');
  return c;
}

describe('blog-question (P4) deadline turns', () => {
  it('should number each rework turn and keep the past ones in deadlineHistory', () => {
    const c = twoReworks(blogQuestion);
    expect(c.deadline('rework')).toMatchObject({ turn: 2, open: true, status: 'pending', lastDay: '2025-06-10' });
    expect(c.context.deadlineHistory).toEqual([
      expect.objectContaining({ key: 'rework', turn: 1, open: false, status: 'met_late', lastDay: '2025-06-05', closedAt: almaty('2025-06-06') }),
    ]);
    c.send('forward_to_chairman', {}, almaty('2025-06-10'), 'press_secretary');
    expect(c.deadline('rework')).toMatchObject({ turn: 2, status: 'met' });
    c.send('return_for_rework', { comment: 'үш' }, almaty('2025-06-11'), 'chairman');
    expect(c.deadline('rework')).toMatchObject({ turn: 3, open: true });
    expect(c.context.deadlineHistory.map((d: { turn: number; status: string }) => [d.turn, d.status])).toEqual([
      [1, 'met_late'],
      [2, 'met'],
    ]);
  });

  it('should number the first turn 1 and keep no history before a repeat', () => {
    const c = new CaseDriver(blogQuestion, input, almaty('2025-06-02'), 'press_secretary');
    expect(c.context.deadlineHistory).toEqual([]);
    expect(c.deadline('unit_answer')).not.toHaveProperty('turn');
  });

  it('should keep version 1.0.0 as it was for the cases pinned to it', () => {
    expect(blogQuestion.version).toBe('1.1.0');
    expect(blogQuestionLegacy.map((m) => m.version)).toEqual(['1.0.0']);
    expect(legacyProcedures).toEqual(expect.arrayContaining(blogQuestionLegacy));
    const old = twoReworks(blogQuestionLegacy[0]!);
    expect(old.context).not.toHaveProperty('deadlineHistory');
    expect(old.deadline('rework')).not.toHaveProperty('turn');
    expect(old.deadline('rework')).toMatchObject({ open: true, lastDay: '2025-06-10' });
  });
});
