import { describe, expect, it } from 'vitest';
import type { PersistedSnapshot, ProcedureModule, Role, StepOk } from '../../machines/contract.js';
import { blogQuestion } from '../../machines/blog-question/index.js';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { publication } from '../../machines/publication/index.js';
import { deps, expectOk, meta } from './helpers.js';

type Step = [type: string, role: Role, payload: Record<string, unknown>];

const scenarios: Array<{ name: string; mod: ProcedureModule; input: Record<string, unknown>; role: Role; steps: Step[] }> = [
  {
    name: 'publication',
    mod: publication,
    role: 'initiator',
    input: { title: 'T', kind: 'graphic', channels: ['site', 'instagram'], plannedFor: '2025-06-12' },
    steps: [
      ['request_changes', 'press_secretary', { comment: 'c' }],
      ['resubmit', 'initiator', { title: 'T2' }],
      ['send_for_translation', 'press_secretary', { languages: ['kk', 'en'] }],
      ['deliver_translation', 'car', { language: 'kk', text: 'k' }],
      ['deadline_missed', 'system', { key: 'translation' }],
      ['deliver_translation', 'car', { language: 'en', text: 'e' }],
      ['send_to_administrator', 'press_secretary', {}],
      ['post', 'administrator', { channel: 'instagram', url: 'https://i' }],
      ['comment', 'press_secretary', { text: 'checked' }],
      ['post', 'administrator', { channel: 'site', url: 'https://s' }],
    ],
  },
  {
    name: 'feedback-inquiry',
    mod: feedbackInquiry,
    role: 'car',
    input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'en', kind: 'question', text: 'q' },
    steps: [
      ['register', 'car', { registrationNumber: 'R' }],
      ['assign', 'supervisor', { unit: 'U' }],
      ['extend', 'chairman', { days: 7, reason: 'r' }],
      ['message_delivered', 'system', { messageId: 'm', template: 'extension_notice' }],
      ['redirect', 'unit', { reason: 'x' }],
      ['cancel_redirect', 'press_secretary', { reason: 'y' }],
      ['submit_answer', 'unit', { text: 'a', citations: ['law'], language: 'en' }],
      ['approve_answer', 'supervisor', {}],
    ],
  },
  {
    name: 'blog-question',
    mod: blogQuestion,
    role: 'press_secretary',
    input: { channel: 'blog', author: { name: 'A' }, language: 'ru', text: 'q' },
    steps: [
      ['register', 'car', { registrationNumber: 'R' }],
      ['assign', 'press_secretary', { unit: 'U' }],
      ['redirect', 'unit', { reason: 'x' }],
      ['forward', 'press_secretary', { organization: 'O', reference: 'R' }],
    ],
  },
];

describe.each(scenarios)('persistence of $name', ({ mod, input, role, steps }) => {
  it('should give the same next result from a JSON round-tripped snapshot as from the snapshot itself, at every step', () => {
    let at = Date.parse('2025-06-02T05:00:00Z');
    const next = () => new Date((at += 3_600_000)).toISOString();
    let current: StepOk = expectOk(mod.start(deps, input, meta(next(), role)));
    for (const [type, by, payload] of steps) {
      const occurredAt = type === 'deadline_missed' ? current.context.deadlines[payload.key as string]!.dueAt : next();
      const event = { type, payload, ...meta(occurredAt, by) };
      const raw = current.snapshot;
      const text = JSON.stringify(raw);
      const roundTripped = JSON.parse(text) as PersistedSnapshot;
      expect(roundTripped).toEqual(raw);
      expect(text).not.toMatch(/"(zone|firstYear|lastYear)"/); // the calendar object never enters a snapshot
      const direct = expectOk(mod.step(deps, raw, event));
      const viaJson = expectOk(mod.step(deps, roundTripped, event));
      expect(viaJson).toEqual(direct);
      // Deterministic: the same step again gives the same result.
      expect(expectOk(mod.step(deps, roundTripped, event))).toEqual(direct);
      current = direct;
    }
    expect(current.status).toBe('done');
  });
});
