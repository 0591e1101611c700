/** P6 — an appearance (п. 30–34): the steps, the units' parts and the internal targets. */
import { describe, expect, it } from 'vitest';
import { appearance } from '../../machines/appearance/index.js';
import { recountDeadline } from '../../machines/common/record-events.js';
import type { MachineDeps } from '../../machines/contract.js';
import { CaseDriver, almaty, calendar, deps, expectRejected } from './helpers.js';

// 27 March 2025 (Thursday): 21–25 March are days off (Nauryz with its carry-overs), so
// 2 working days before is 20 March and 1 working day before is 26 March (README "The calendar").
const INPUT = {
  outlet: 'Khabar 24',
  format: 'tv',
  topic: 'Export support',
  broadcast: 'live',
  questions: ['What is new?'],
  place: 'Astana, studio 2',
  scheduledAt: almaty('2025-03-27', '15:00'),
};
const ON: MachineDeps = { calendar, targets: { speaker_informed: 2, materials_ready: 1 } };

function designated(d: CaseDriver, units: string[]) {
  d.send('designate', { speaker: { name: 'Айгерим', position: 'Director' }, units }, almaty('2025-03-10'), 'press_secretary');
  d.send('agree_designation', {}, almaty('2025-03-11'), 'chairman');
  return d;
}

describe('P6 appearance', () => {
  it('runs the whole procedure with two units: parts, consolidation, agreement, held', () => {
    const d = new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary');
    expect(d.state).toBe('requested');
    expect(d.context.appearanceDay).toBe('2025-03-27');
    d.send('designate', { speaker: { name: 'S' }, units: ['Export', 'Legal'] }, almaty('2025-03-06'), 'press_secretary');
    expect(d.context.unit).toBe('Export');
    d.send('return_designation', { comment: 'another speaker' }, almaty('2025-03-07'), 'chairman');
    expect(d.state).toBe('requested');
    designated(d, ['Export', 'Legal']);
    expect(d.state).toBe('preparation');
    expect(appearance.progress!(d.context, d.state).pending).toEqual([
      { step: 'preparation', event: 'deliver_materials', field: 'unit', awaited: ['Export', 'Legal'], done: [] },
    ]);
    // A unit that prepares nothing here, and a part delivered twice, are refused with the reason.
    expect(expectRejected(d.try('deliver_materials', { unit: 'Press', text: 'x' }, almaty('2025-03-12'), 'unit'), 'invalid_request').message).toMatch(/Export, Legal/);
    d.send('deliver_materials', { unit: 'Legal', text: 'legal part' }, almaty('2025-03-12'), 'unit');
    expect(d.state).toBe('preparation');
    expect(expectRejected(d.try('deliver_materials', { unit: 'Legal', text: 'again' }, almaty('2025-03-12'), 'unit'), 'invalid_request').message).toMatch(/already delivered.*still awaited: Export/);
    d.send('deliver_materials', { unit: 'Export', text: 'export part' }, almaty('2025-03-13'), 'unit');
    expect(d.state).toBe('consolidation');
    d.send('consolidate', { text: 'both' }, almaty('2025-03-14'), 'press_secretary');
    expect(d.state).toBe('material_agreement');
    d.send('return_material', { comment: 'legal part too long', units: ['Legal'] }, almaty('2025-03-17'), 'chairman');
    expect(d.state).toBe('preparation');
    expect(d.context.awaited).toEqual(['Legal']);
    d.send('deliver_materials', { unit: 'Legal', text: 'shorter' }, almaty('2025-03-18'), 'unit');
    d.send('consolidate', { text: 'both, shorter' }, almaty('2025-03-18', '12:00'), 'press_secretary');
    d.send('agree_material', {}, almaty('2025-03-19'), 'chairman');
    expect(d.state).toBe('agreed');
    // п. 31: the appearance is not recorded before the speaker is informed.
    expect(expectRejected(d.try('record_appearance', {}, almaty('2025-03-27', '16:00'), 'press_secretary'), 'invalid_request').message).toMatch(/п\. 31/);
    d.send('inform_speaker', { note: 'by phone' }, almaty('2025-03-19', '12:00'), 'press_secretary');
    expect(d.allowed()).not.toContain('inform_speaker');
    d.send('record_appearance', { note: 'aired' }, almaty('2025-03-27', '16:00'), 'press_secretary');
    expect(d.state).toBe('held');
    expect(d.last.status).toBe('done');
    // Targets off (the default): no deadline at all.
    expect(d.context.deadlines).toEqual({});
  });

  it('goes straight to the agreement with one unit, and may be cancelled', () => {
    const d = designated(new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary'), ['Export']);
    d.send('deliver_materials', { unit: 'Export', text: 'x' }, almaty('2025-03-12'), 'unit');
    expect(d.state).toBe('material_agreement');
    d.send('cancel', { reason: 'the channel moved the programme' }, almaty('2025-03-13'), 'press_secretary');
    expect(d.state).toBe('cancelled');
    expect(d.last.status).toBe('done');
  });

  it('refuses a designation naming a unit twice', () => {
    const d = new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary');
    expect(expectRejected(d.try('designate', { speaker: { name: 'S' }, units: ['A', 'A'] }, almaty('2025-03-06'), 'press_secretary'), 'invalid_request').message).toMatch(/more than once/);
  });

  describe('internal targets', () => {
    it('off (no INTERNAL_TARGETS): the same steps open no deadline', () => {
      const d = designated(new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary', deps), ['Export']);
      expect(d.context.deadlines).toEqual({});
    });

    it('on: counted back from the appearance day on the KZ calendar, with rule, reading and calendar', () => {
      const d = designated(new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary', ON), ['Export', 'Legal']);
      const speaker = d.deadline('speaker_informed');
      expect(speaker).toMatchObject({
        rule: 'п. 31 (internal target)',
        amount: 2,
        unit: 'working_days',
        reading: 'working',
        from: '2025-03-27',
        lastDay: '2025-03-20',
        status: 'pending',
        open: true,
      });
      expect(Date.parse(speaker.dueAt)).toBe(Date.parse('2025-03-21T00:00:00+05:00'));
      expect(speaker.calendar.version).toBe(calendar.version);
      expect(d.deadline('materials_ready')).toMatchObject({ amount: 1, from: '2025-03-27', lastDay: '2025-03-26', open: true });

      d.send('inform_speaker', {}, almaty('2025-03-21'), 'press_secretary');
      expect(d.deadline('speaker_informed')).toMatchObject({ status: 'met_late', open: false });
      d.send('deliver_materials', { unit: 'Export', text: 'e' }, almaty('2025-03-12'), 'unit');
      expect(d.deadline('materials_ready').open).toBe(true);
      d.send('deliver_materials', { unit: 'Legal', text: 'l' }, almaty('2025-03-13'), 'unit');
      expect(d.deadline('materials_ready')).toMatchObject({ status: 'met', open: false });
      d.send('consolidate', { text: 'both' }, almaty('2025-03-14'), 'press_secretary');
      // Returned: the material is not ready any more; the target opens again with its own due.
      d.send('return_material', { comment: 'redo' }, almaty('2025-03-17'), 'chairman');
      expect(d.context.awaited).toEqual(['Export', 'Legal']);
      expect(d.deadline('materials_ready')).toMatchObject({ status: 'pending', open: true, lastDay: '2025-03-26' });
      d.send('cancel', { reason: 'postponed' }, almaty('2025-03-18'), 'press_secretary');
      // The open target is dropped; the judged one stays.
      expect(Object.keys(d.context.deadlines)).toEqual(['speaker_informed']);
    });

    it('an open target is re-counted back from its day (a new calendar), not forward', () => {
      const d = designated(new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary', ON), ['Export']);
      const target = d.deadline('speaker_informed');
      // Same calendar: nothing moves (before, an open lead time was refused outright).
      expect(recountDeadline(calendar, target)).toBe(target);
      // Counted as if from a later day, it moves back with the working days of that day.
      const moved = recountDeadline(calendar, { ...target, from: '2025-03-31' });
      expect(moved.lastDay).toBe('2025-03-27');
    });

    it('one switched on, the other off', () => {
      const d = designated(new CaseDriver(appearance, INPUT, almaty('2025-03-05'), 'press_secretary', { calendar, targets: { materials_ready: 3 } }), ['Export']);
      expect(Object.keys(d.context.deadlines)).toEqual(['materials_ready']);
      // 27 March back 3 working days: 26, (25–21 off), 20, 19.
      expect(d.deadline('materials_ready').lastDay).toBe('2025-03-19');
    });
  });
});
