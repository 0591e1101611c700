import { describe, expect, it } from 'vitest';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { ProcedureModule, Role } from '../../machines/contract.js';
import { appearance } from '../../machines/appearance/index.js';
import { blogQuestion } from '../../machines/blog-question/index.js';
import { employeePost } from '../../machines/employee-post/index.js';
import { feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { publication } from '../../machines/publication/index.js';
import { siteContentReview } from '../../machines/site-content-review/index.js';
import { createTranslationMachine } from '../../machines/publication/translation.machine.js';
import { createRedirectionMachine } from '../../machines/redirection/redirection.machine.js';
import { caseLogic, topLevelStates, type SampleEvent } from './graph.js';
import { almaty, deps } from './helpers.js';

const AT = almaty('2025-04-10');
const ev = (type: string, role: Role, payload: Record<string, unknown> = {}): SampleEvent => ({ type, role, payload, occurredAt: AT });

const redirectionSamples = [
  ev('redirect', 'unit', { reason: 'outside the competence' }),
  ev('forward', 'press_secretary', { organization: 'Ministry', reference: 'OD-1' }),
  ev('cancel_redirect', 'press_secretary', { reason: 'ours after all' }),
];

interface Case {
  name: string;
  mod: ProcedureModule;
  starts: Array<{ input: Record<string, unknown>; occurredAt: string; role: Role }>;
  events: SampleEvent[];
}

const cases: Case[] = [
  {
    name: 'publication (P1 with P2)',
    mod: publication,
    starts: [
      { input: { title: 'T', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-04-17' }, occurredAt: AT, role: 'initiator' },
    ],
    events: [
      ev('accept', 'press_secretary'),
      ev('request_changes', 'press_secretary', { comment: 'c' }),
      ev('resubmit', 'initiator', { body: 'b' }),
      ev('reschedule', 'press_secretary', { plannedFor: '2025-04-21' }),
      ev('reject', 'press_secretary', { reason: 'r' }),
      ev('send_for_translation', 'press_secretary', { languages: ['kk'] }),
      ev('send_for_translation', 'press_secretary', { languages: ['en'] }),
      ev('send_for_translation', 'press_secretary', { languages: ['kk', 'en'] }),
      ev('deliver_translation', 'car', { language: 'kk', text: 'kk' }),
      ev('deliver_translation', 'car', { language: 'en', text: 'en' }),
      ev('send_to_administrator', 'press_secretary'),
      ev('post', 'administrator', { channel: 'site', url: 'https://s' }),
      ev('post', 'administrator', { channel: 'telegram', url: 'https://t' }),
    ],
  },
  {
    name: 'feedback-inquiry (P3 with P5)',
    mod: feedbackInquiry,
    starts: (['question', 'proposal'] as const).map((kind) => ({
      input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind, text: 'q' },
      occurredAt: AT,
      role: 'car' as Role,
    })),
    events: [
      ev('register', 'car', { registrationNumber: 'R-1' }),
      ev('assign', 'supervisor', { unit: 'U' }),
      ev('extend', 'chairman', { days: 15, reason: 'check' }),
      ev('submit_answer', 'unit', { text: 'a', citations: ['law'], language: 'ru' }),
      ev('return_answer', 'supervisor', { comment: 'c' }),
      ev('approve_answer', 'supervisor'),
      ev('note_proposal', 'supervisor'),
      ...redirectionSamples,
    ],
  },
  {
    name: 'blog-question (P4 with P5)',
    mod: blogQuestion,
    starts: [{ input: { channel: 'blog', author: { name: 'A' }, language: 'kk', text: 'q' }, occurredAt: AT, role: 'press_secretary' }],
    events: [
      ev('register', 'car', { registrationNumber: 'R-1' }),
      ev('assign', 'press_secretary', { unit: 'U' }),
      ev('submit_answer', 'unit', { text: 'a' }),
      ev('return_answer', 'supervisor', { comment: 'c' }),
      ev('agree_answer', 'supervisor'),
      ev('forward_to_chairman', 'press_secretary', { text: 'a2' }),
      ev('approve', 'chairman'),
      ev('return_for_rework', 'chairman', { comment: 'c' }),
      ev('post', 'press_secretary', { url: 'https://blog' }),
      ...redirectionSamples,
    ],
  },
  {
    name: 'site-content-review (п. 9)',
    mod: siteContentReview,
    starts: [{ input: { kind: 'procurement', unit: 'U', period: '2025-Q2' }, occurredAt: AT, role: 'system' }],
    events: [
      ev('claim', 'unit'),
      ev('reassign', 'press_secretary', { to: 'v', unit: 'W' }),
      ev('confirm_present', 'unit', { url: 'https://qazindustry.gov.kz/procurement' }),
      ev('report_missing', 'unit', { note: 'the 2025 plan is not posted' }),
    ],
  },
  {
    // One unit (straight to agreement) and two (consolidation, п. 33).
    name: 'appearance (P6)',
    mod: appearance,
    starts: [
      {
        input: { outlet: 'Khabar', format: 'tv', topic: 'Export', broadcast: 'live', place: 'Astana', scheduledAt: almaty('2025-04-24', '15:00') },
        occurredAt: AT,
        role: 'press_secretary',
      },
    ],
    events: [
      ev('designate', 'press_secretary', { speaker: { name: 'S' }, units: ['A'] }),
      ev('designate', 'press_secretary', { speaker: { name: 'S' }, units: ['A', 'B'] }),
      ev('return_designation', 'chairman', { comment: 'c' }),
      ev('agree_designation', 'chairman'),
      ev('inform_speaker', 'press_secretary'),
      ev('deliver_materials', 'unit', { unit: 'A', text: 'a' }),
      ev('deliver_materials', 'unit', { unit: 'B', text: 'b' }),
      ev('consolidate', 'press_secretary', { text: 'ab' }),
      ev('return_material', 'chairman', { comment: 'c' }),
      ev('agree_material', 'chairman'),
      ev('record_appearance', 'press_secretary'),
      ev('cancel', 'press_secretary', { reason: 'r' }),
    ],
  },
  {
    // Both entry paths: the employee's post for approval (п. 21), the press secretary's removal demand (п. 28).
    name: 'employee-post (P7)',
    mod: employeePost,
    starts: [
      { input: { kind: 'approval', employee: { name: 'E' }, platform: 'Facebook', text: 'p' }, occurredAt: AT, role: 'initiator' },
      {
        input: { kind: 'removal', employee: { name: 'E' }, platform: 'Telegram', link: 'https://t.me/x/1', reason: 'r' },
        occurredAt: AT,
        role: 'press_secretary',
      },
    ],
    events: [
      ev('approve', 'press_secretary'),
      ev('return_post', 'press_secretary', { comment: 'c' }),
      ev('refuse', 'press_secretary', { reason: 'r' }),
      ev('resubmit', 'initiator', { text: 'p2' }),
      ev('withdraw', 'initiator'),
      ev('confirm_removal', 'press_secretary'),
      ev('escalate', 'press_secretary', { comment: 'c' }),
      ev('record_decision', 'supervisor', { decision: 'd' }),
    ],
  },
];

/** The state, the child's state and the progress that changes what may happen next. */
const keyOf = (r: { state: string; context: Record<string, any> }) =>
  JSON.stringify([
    r.state,
    r.context.children?.translation?.state ?? r.context.children?.redirection?.state ?? null,
    Object.keys(r.context.posts ?? {}).sort(),
    r.context.extensionDays ?? null,
    r.context.units ?? null,
    r.context.awaited ?? null,
    !!r.context.speakerInformed,
  ]);

describe.each(cases)('paths of $name', ({ mod, starts, events }) => {
  const logics = starts.map((s) => caseLogic(mod, s, keyOf));
  const options = { events, serializeState: (s: { context: { key: string } }) => s.context.key };
  const { all, finals } = topLevelStates(mod);

  it('should reach every state from the initial one', () => {
    const reached = new Set(logics.flatMap((logic) => getShortestPaths(logic, options).map((p) => p.state.context.result.state)));
    expect([...reached].sort()).toEqual(all);
  });

  it('should reach every final state along a simple path and end the case there', () => {
    for (const final of finals) {
      const paths = logics.flatMap((logic) =>
        getSimplePaths(logic, { ...options, toState: (s) => s.context.result.state === final }),
      );
      expect(paths.length, final).toBeGreaterThan(0);
      for (const p of paths) expect(p.state.context.result.status).toBe('done');
    }
  });

  it('should leave no non-final state a dead end: a final state is reachable from each', () => {
    for (const logic of logics) {
      const states = getShortestPaths(logic, options).map((p) => p.state);
      for (const s of states) {
        if (s.context.result.status === 'done') continue;
        const out = getShortestPaths(logic, { ...options, fromState: s, toState: (t) => t.context.result.status === 'done' });
        expect(out.length, s.context.key).toBeGreaterThan(0);
      }
    }
  });
});

describe('paths of the child machines on their own', () => {
  it('should complete translation (P2) for every choice of languages, in any order of delivery', () => {
    const machine = createTranslationMachine(deps);
    const events = (['kk', 'en'] as const).map((language) => ({
      type: 'deliver_translation' as const,
      payload: { language, text: language },
      ...{ occurredAt: AT, recordedAt: AT, actor: { name: 'c', role: 'car' as const } },
    }));
    for (const languages of [['kk'], ['en'], ['kk', 'en']] as Array<Array<'kk' | 'en'>>) {
      const input = { languages, sentAt: AT, title: 'T' };
      const paths = getSimplePaths(machine, { input, events, toState: (s) => s.status === 'done' });
      expect(paths.length).toBe(languages.length === 2 ? 2 : 1);
      for (const p of paths) expect(p.state.output?.translations).toHaveProperty(languages[0]!);
    }
  });

  it('should reach both outcomes of redirection (P5) and nothing else', () => {
    const machine = createRedirectionMachine(deps);
    const input = { receivedAt: AT, redirectedAt: AT, reason: 'r', notice: { kind: 'portal' as const, data: { channel: 'blog' as const, author: { name: 'A' }, language: 'ru' as const } } };
    const m = { occurredAt: AT, recordedAt: AT, actor: { name: 'p', role: 'press_secretary' as const } };
    const events = [
      { type: 'forward' as const, payload: { organization: 'O', reference: 'R' }, ...m },
      { type: 'cancel_redirect' as const, payload: { reason: 'r' }, ...m },
    ];
    const paths = getShortestPaths(machine, { input, events });
    expect(paths.map((p) => p.state.value).sort()).toEqual(['awaiting_forward', 'cancelled', 'forwarded']);
    expect(paths.filter((p) => p.state.status === 'done').map((p) => p.state.output?.outcome).sort()).toEqual(['cancelled', 'forwarded']);
  });
});
