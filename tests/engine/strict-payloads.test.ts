/**
 * Issue 12 §4 "Strict payloads" at the engine, for a caller that is not the HTTP API:
 * unknown fields, deep nesting and impossible instants are refused by the engine's own
 * checks, before anything is hashed or stored. And `strict()` (machines/common/strict.ts),
 * which `defineProcedure` applies to every module's schemas.
 */
import { Type } from 'typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { SimulatedClock } from '../../engine/clock.js';
import { checkSchema, nearest } from '../../engine/command-checks.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { InstantSchema, isRealDate, isRealInstant } from '../../machines/common/events.js';
import { DEFAULT_BOUNDS, strict } from '../../machines/common/strict.js';
import type { Actor } from '../../machines/contract.js';
import { defineProcedure } from '../../machines/runtime.js';
import { feedbackInquiry, procedures } from '../../machines/index.js';
import { engineRejection, tmpDir } from './fixtures/helpers.js';

const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const question = { applicant: { name: 'Айгерим', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' };

let engine: Engine;
let cleanup: () => void;
beforeEach(async () => {
  const tmp = tmpDir('strict-');
  cleanup = tmp.cleanup;
  engine = await createEngine({
    databasePath: `${tmp.dir}/e.db`,
    calendar: loadKzCalendar(),
    procedures,
    clock: new SimulatedClock('2026-03-10T05:00:00.000Z'),
  });
});
afterEach(async () => {
  await engine.close();
  cleanup();
});

describe('the engine refuses, whoever calls it', () => {
  it('should refuse an unknown payload field with the nearest known one, and store nothing', async () => {
    const c = await engine.createCase('feedback-inquiry', { ...question, kind: 'proposal' }, { actor: car });
    await engine.applyEvent(c.view.id, { type: 'register', payload: { registrationNumber: 'R-1' } }, { actor: car });
    const e = await engineRejection(engine.applyEvent(c.view.id, { type: 'note_proposal', payload: { coment: 'учесть' } }, { actor: supervisor }));
    expect(e.code).toBe('invalid_request');
    expect(e.message).toBe('note_proposal: unknown field "coment"; did you mean "comment"?');
    expect(await engine.history(c.view.id)).toHaveLength(2);
  });

  it('should refuse a payload nested 5,000 deep before hashing it for the idempotency key (no stack overflow)', async () => {
    const c = await engine.createCase('feedback-inquiry', question, { actor: car });
    let deep: unknown = [];
    for (let i = 0; i < 5000; i++) deep = [deep];
    for (const idempotencyKey of [undefined, 'k-1']) {
      const e = await engineRejection(engine.applyEvent(c.view.id, { type: 'comment', payload: { text: 'x', extra: deep } }, { actor: car, idempotencyKey }));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toMatch(/^the payload is nested deeper than 32 levels/);
      const i = await engineRejection(engine.createCase('feedback-inquiry', { ...question, text: deep }, { actor: car, idempotencyKey }));
      expect(i.message).toMatch(/^input is nested deeper than 32 levels/);
    }
    expect(await engine.history(c.view.id)).toHaveLength(1);
  });

  it('should refuse occurredAt 2026-02-30 instead of storing 2 March', async () => {
    const c = await engine.createCase('feedback-inquiry', question, { actor: car, occurredAt: '2026-02-27T10:00:00Z', backdatingReason: 'received by post' });
    const e = await engineRejection(
      engine.applyEvent(c.view.id, { type: 'register', payload: { registrationNumber: 'R-1' }, occurredAt: '2026-02-30T10:00:00Z' }, { actor: car }),
    );
    expect(e.code).toBe('invalid_request');
    expect(e.message).toBe('occurredAt is not a valid instant: 2026-02-30T10:00:00Z');
    expect(await engine.history(c.view.id)).toHaveLength(1);
  });
});

describe('the checks', () => {
  it('should tell real instants and days from impossible ones', () => {
    for (const v of ['2024-02-29T10:00:00Z', '2026-03-01T23:59:59.123456789+05:00', '2026-03-01T10:00-03:30']) expect(isRealInstant(v)).toBe(true);
    for (const v of ['2026-02-29T10:00:00Z', '2026-02-30T10:00:00Z', '2026-04-31T10:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T10:60:00Z', '2026-03-01T10:00:60Z', '2026-03-01T10:00:00+24:00', '2026-13-01T10:00:00Z', '2026-03-01T10:00:00']) {
      expect(isRealInstant(v)).toBe(false);
    }
    expect(isRealDate('2024-02-29')).toBe(true);
    expect(isRealDate('2100-02-29')).toBe(false);
    expect(isRealDate('2026-00-10')).toBe(false);
  });

  it('should suggest a near field name only when it is close', () => {
    expect(nearest('emial', ['name', 'email'])).toBe('email');
    expect(nearest('coment', ['comment'])).toBe('comment');
    expect(nearest('recordedAt', ['text'])).toBeUndefined();
    expect(nearest('ab', ['xy'])).toBeUndefined();
  });

  it('should collapse a union of literals into one error listing its values, also inside arrays', () => {
    const schema = strict(Type.Object({ channels: Type.Array(Type.Union([Type.Literal('site'), Type.Literal('telegram')])) }));
    try {
      checkSchema(schema, { channels: ['site', 'tv'] }, 'input');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe('input/channels/1: must be one of "site", "telegram"');
    }
  });
});

describe('strict()', () => {
  const Payload = Type.Object({
    text: Type.String(),
    code: Type.String({ maxLength: 10 }),
    tags: Type.Array(Type.Object({ name: Type.String() })),
    open: Type.Object({}, { additionalProperties: true }),
    kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    at: Type.Optional(InstantSchema),
  });

  it('should close every object and bound strings and arrays that set no bound, without changing the schema given', () => {
    const before = JSON.stringify(Payload);
    const s = strict(Payload) as any;
    expect(JSON.stringify(Payload)).toBe(before);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.text.maxLength).toBe(DEFAULT_BOUNDS.maxLength);
    expect(s.properties.code.maxLength).toBe(10);
    expect(s.properties.tags.maxItems).toBe(DEFAULT_BOUNDS.maxItems);
    expect(s.properties.tags.items.additionalProperties).toBe(false);
    expect(s.properties.open.additionalProperties).toBe(true);
    expect(s.properties.kind.anyOf[0].maxLength).toBeUndefined();
  });

  it('should keep TypeBox refinements and optionality (a real instant stays checked)', () => {
    const s = strict(Payload);
    const ok = { text: 't', code: 'c', tags: [], open: { any: 1 }, kind: 'a' };
    expect(() => checkSchema(s, ok, 'p')).not.toThrow();
    expect(() => checkSchema(s, { ...ok, at: '2026-02-30T10:00:00Z' }, 'p')).toThrow(/p\/at: "2026-02-30T10:00:00Z" is not a real instant/);
    expect(() => checkSchema(s, { ...ok, tags: [{ name: 'n', x: 1 }] }, 'p')).toThrow('p/tags/0: unknown field "x"');
  });

  it('should be applied by defineProcedure, so an event added to a procedure later is strict too', () => {
    const m = defineProcedure({
      ...{ id: 'feedback-inquiry' as const, version: '0', title: 't', createRoles: [], deadlinePolicies: {}, validators: {} },
      inputSchema: Type.Object({ a: Type.String() }),
      eventSchemas: { later_event: Type.Object({ b: Type.String() }) },
      eventRoles: { later_event: ['car'] },
      build: () => feedbackInquiry.machine({ calendar: loadKzCalendar() }) as never,
    });
    expect((m.inputSchema as any).additionalProperties).toBe(false);
    expect((m.eventSchemas.later_event as any).additionalProperties).toBe(false);
    expect(() => checkSchema(m.eventSchemas.later_event, { b: 'x', c: 1 }, 'later_event')).toThrow('later_event: unknown field "c"');
  });
});
