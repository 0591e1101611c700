/**
 * The context schemas (machines/<procedure>/<procedure>.context.ts, documented in OpenAPI
 * as the case view's `context`: issue 13 §4, "a client generated with openapi-typescript
 * gets `context: unknown`") match the contexts the machines really write: every state
 * reachable with the sample events of every procedure (xstate/graph, the real runtime, the
 * children included), record events (a failed message, a missed deadline, a notice), and
 * the engine's corrections. The schemas are closed at every level, so a field a machine
 * starts writing, or one that is renamed, fails here until its schema says so.
 */
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import type { ProcedureModule, Role } from '../../machines/contract.js';
import { BlogQuestionContextSchema, blogQuestion, blogQuestionLegacy } from '../../machines/blog-question/index.js';
import { FeedbackInquiryContextSchema, feedbackInquiry } from '../../machines/feedback-inquiry/index.js';
import { PublicationContextSchema, publication } from '../../machines/publication/index.js';
import { CONTEXT_SCHEMAS } from '../../server/schemas/openapi.js';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';
import { caseLogic, type SampleEvent } from './graph.js';
import { almaty } from './helpers.js';

const AT = almaty('2025-04-10');
const LATE = almaty('2025-06-30');
const ev = (type: string, role: Role, payload: Record<string, unknown> = {}, occurredAt = AT): SampleEvent => ({ type, role, payload, occurredAt });

const redirection = [
  ev('redirect', 'unit', { reason: 'outside the competence' }),
  ev('forward', 'press_secretary', { organization: 'Ministry', reference: 'OD-1' }),
  ev('cancel_redirect', 'press_secretary', { reason: 'ours after all' }),
];

interface Procedure {
  name: string;
  mods: ProcedureModule[];
  schema: TSchema;
  starts: Array<{ input: Record<string, unknown>; occurredAt: string; role: Role }>;
  events: SampleEvent[];
}

const PROCEDURES: Procedure[] = [
  {
    name: 'publication',
    mods: [publication],
    schema: PublicationContextSchema,
    starts: [
      { input: { title: 'T', body: 'B', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-04-17' }, occurredAt: AT, role: 'initiator' },
      { input: { title: 'T', kind: 'procurement', channels: ['site'], announcementPublishedAt: almaty('2025-04-09') }, occurredAt: AT, role: 'initiator' },
    ],
    events: [
      ev('accept', 'press_secretary', { note: 'n' }),
      ev('request_changes', 'press_secretary', { comment: 'c' }),
      ev('resubmit', 'initiator', { body: 'b' }),
      ev('reschedule', 'press_secretary', { plannedFor: '2025-04-21' }),
      ev('reject', 'press_secretary', { reason: 'r' }),
      ev('send_for_translation', 'press_secretary', { languages: ['kk', 'en'] }),
      ev('deliver_translation', 'car', { language: 'kk', text: 'kk' }),
      ev('deliver_translation', 'car', { language: 'en', text: 'en' }),
      ev('send_to_administrator', 'press_secretary'),
      ev('post', 'administrator', { channel: 'site', url: 'https://s' }),
      ev('post', 'administrator', { channel: 'telegram', url: 'https://t' }),
      ev('deadline_missed', 'system', { key: 'posting' }, LATE),
      ev('message_failed', 'system', { messageId: 'm-1', template: 'answer' }),
    ],
  },
  {
    name: 'feedback-inquiry',
    mods: [feedbackInquiry],
    schema: FeedbackInquiryContextSchema,
    starts: (['question', 'proposal'] as const).map((kind) => ({
      input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind, text: 'q' },
      occurredAt: AT,
      role: 'car' as Role,
    })),
    events: [
      ev('register', 'car', { registrationNumber: 'R-1' }),
      ev('assign', 'supervisor', { unit: 'U' }),
      ev('claim', 'unit'),
      ev('extend', 'chairman', { days: 15, reason: 'check', applicantReason: 'why' }),
      ev('message_failed', 'system', { messageId: 'm-1', template: 'extension_notice', deadline: 'extension_notice' }),
      ev('record_notice', 'car', { deadline: 'extension_notice', channel: 'phone', reference: 'call 1' }),
      ev('submit_answer', 'unit', { text: 'a', citations: ['law'], language: 'ru' }),
      ev('return_answer', 'supervisor', { comment: 'c' }),
      ev('approve_answer', 'supervisor'),
      ev('note_proposal', 'supervisor', { comment: 'noted' }),
      ev('deadline_missed', 'system', { key: 'review' }, LATE),
      ...redirection,
    ],
  },
  {
    name: 'blog-question',
    mods: [blogQuestion, ...blogQuestionLegacy],
    schema: BlogQuestionContextSchema,
    starts: [{ input: { channel: 'blog', author: { name: 'A', contact: 'c' }, language: 'kk', text: 'q' }, occurredAt: AT, role: 'press_secretary' }],
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
      ev('deadline_missed', 'system', { key: 'unit_answer' }, LATE),
      ev('message_failed', 'system', { messageId: 'm-1', template: 'redirect_notice' }),
      ...redirection,
    ],
  },
];

/** The schema's complaints about a context, readable in a failure. */
const problems = (schema: TSchema, value: unknown) => [...Value.Errors(schema, value)].map((e) => `${e.instancePath} ${e.message}`);

/** The fields a context has, dotted (array entries under `[]`): what the traversal tells apart, so its loops end. */
const fields = (v: unknown, at = '', out = new Set<string>()): Set<string> => {
  if (Array.isArray(v)) for (const x of v) fields(x, `${at}[]`, out);
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) fields(x, `${at}.${k}`, out.add(`${at}.${k}`));
  return out;
};
const keyOf = (r: { state: string; context: Record<string, unknown> }) => JSON.stringify([r.state, [...fields(r.context)].sort()]);

describe.each(PROCEDURES)('the context schema of $name', ({ name, mods, schema, starts, events }) => {
  it('should be the one the OpenAPI document shows', () => {
    expect(CONTEXT_SCHEMAS[name as keyof typeof CONTEXT_SCHEMAS]).toBe(schema);
  });

  it('should accept the context of every state the sample events reach, and nothing extra', () => {
    let checked = 0;
    const seen = new Set<string>();
    for (const mod of mods) {
      for (const start of starts) {
        const paths = getShortestPaths(caseLogic(mod, start, keyOf), { events, serializeState: (s: { context: { key: string } }) => s.context.key, limit: 20_000 });
        for (const p of paths) {
          const context = p.state.context.result.context;
          expect(problems(schema, context), `${mod.version} ${p.state.context.result.state}`).toEqual([]);
          checked++;
          for (const f of fields(context)) seen.add(f);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    // Not vacuous: every field of the schema was met (`corrections`, the engine's, in the API test below).
    const unseen = Object.keys((schema as { properties: object }).properties).filter((k) => k !== 'corrections' && !seen.has(`.${k}`));
    expect(unseen).toEqual([]);
  });

  it('should refuse a misspelled field (the schema is closed)', () => {
    const [mod] = mods;
    const start = starts[0]!;
    const context = caseLogic(mod!, start).getInitialSnapshot(undefined as never, undefined).context.result.context;
    expect(Value.Check(schema, context)).toBe(true);
    expect(Value.Check(schema, { ...context, deadlinez: {} })).toBe(false);
  });
});

describe('the context of a case served by the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ now: '2025-03-19T05:00:00.000Z' });
  });
  afterAll(async () => t.close());

  it('should match its procedure\'s schema after a correction (the engine\'s `corrections`)', async () => {
    const created = await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    await advance(t, id, [
      ['car', { type: 'register', registrationNumber: 'ВХ-1O' }],
      ['car', { type: 'correct', seq: 2, field: 'registrationNumber', value: 'ВХ-10', reason: 'O for 0' }],
      ['supervisor', { type: 'assign', unit: 'Департамент экспорта' }],
    ]);
    const view = (await t.as('auditor').get(`/cases/${id}`)).json() as { context: Record<string, unknown> };
    expect(view.context.corrections).toHaveLength(1);
    expect(problems(FeedbackInquiryContextSchema, view.context)).toEqual([]);
  });
});
