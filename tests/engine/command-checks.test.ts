/** engine/command-checks.ts: actor, schema and occurredAt checks before the machine sees a command. */
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { CalendarError } from '../../calendars/errors.js';
import { callMachine, checkActor, checkObject, checkSchema, normalizeInstant, resolveOccurredAt } from '../../engine/command-checks.js';
import { EngineError } from '../../engine/errors.js';
import type { Actor, StepResult } from '../../machines/contract.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function engineError(fn: () => unknown): EngineError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

describe('command checks', () => {
  describe('normalizeInstant', () => {
    it('should normalise an instant with an offset or Z to UTC ISO', () => {
      expect(normalizeInstant('2025-03-06T10:00:00+05:00', 'occurredAt')).toBe('2025-03-06T05:00:00.000Z');
      expect(normalizeInstant('2025-03-06T01:30:00-03:30', 'occurredAt')).toBe('2025-03-06T05:00:00.000Z');
      expect(normalizeInstant('2025-03-06T05:00:00.123Z', 'occurredAt')).toBe('2025-03-06T05:00:00.123Z');
      expect(normalizeInstant('2025-03-06T10:00+05:00', 'occurredAt')).toBe('2025-03-06T05:00:00.000Z');
      expect(normalizeInstant('2025-03-01T02:00:00+05:00', 'occurredAt')).toBe('2025-02-28T21:00:00.000Z');
    });

    it('should refuse an instant without an offset as invalid_request naming the field', () => {
      const e = engineError(() => normalizeInstant('2025-03-06T10:00:00', 'input/receivedAt'));
      expect(e.code).toBe('invalid_request');
      expect(e.status).toBe(400);
      expect(e.message).toMatch(/^input\/receivedAt must be an ISO-8601 instant with an offset or Z/);
      expect(e.details).toEqual({ field: 'input/receivedAt' });
    });

    it('should refuse a date alone, a non-string and a malformed offset', () => {
      for (const v of ['2025-03-06', 42, null, undefined, '2025-03-06T10:00:00+5:00', '2025-03-06 10:00:00Z', '']) {
        const e = engineError(() => normalizeInstant(v, 'occurredAt'));
        expect(e.code).toBe('invalid_request');
        expect(e.details).toEqual({ field: 'occurredAt' });
      }
    });

    it('should refuse a well-shaped but impossible instant', () => {
      const e = engineError(() => normalizeInstant('2025-13-45T10:00:00Z', 'occurredAt'));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toBe('occurredAt is not a valid instant: 2025-13-45T10:00:00Z');
    });
  });

  describe('resolveOccurredAt', () => {
    const recordedAt = '2025-03-06T05:00:00.000Z';
    const lower = '2025-03-05T05:00:00.000Z';

    it('should accept a given instant between the lower bound and the server time, normalised', () => {
      expect(resolveOccurredAt('2025-03-06T09:00:00+05:00', recordedAt, lower)).toBe('2025-03-06T04:00:00.000Z');
      expect(resolveOccurredAt('2025-03-06T10:00:00+05:00', recordedAt, lower)).toBe(recordedAt);
      expect(resolveOccurredAt(lower, recordedAt, lower)).toBe(lower);
      expect(resolveOccurredAt('2000-01-01T00:00:00Z', recordedAt, null)).toBe('2000-01-01T00:00:00.000Z');
    });

    it('should refuse an instant later than the server time', () => {
      const e = engineError(() => resolveOccurredAt('2025-03-06T10:00:01+05:00', recordedAt, lower));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toBe(`occurredAt 2025-03-06T10:00:01+05:00 is later than the server time ${recordedAt}`);
      expect(e.details).toEqual({ field: 'occurredAt' });
    });

    it('should refuse an instant earlier than the lower bound with details.notBefore', () => {
      const e = engineError(() => resolveOccurredAt('2025-03-05T04:59:59.999Z', recordedAt, lower));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toContain('earlier than the previous staff event');
      expect(e.details).toEqual({ field: 'occurredAt', notBefore: lower });
    });

    it('should refuse a given instant without an offset', () => {
      expect(engineError(() => resolveOccurredAt('2025-03-06T04:00:00', recordedAt, lower)).details).toEqual({ field: 'occurredAt' });
    });

    it('should default to the server time, or to the lower bound when the clock went back', () => {
      expect(resolveOccurredAt(undefined, recordedAt, null)).toBe(recordedAt);
      expect(resolveOccurredAt(undefined, recordedAt, lower)).toBe(recordedAt);
      expect(resolveOccurredAt(undefined, recordedAt, recordedAt)).toBe(recordedAt);
      const ahead = '2025-03-06T05:00:00.001Z';
      expect(resolveOccurredAt(undefined, recordedAt, ahead)).toBe(ahead);
    });
  });

  describe('checkSchema', () => {
    const Input = Type.Object(
      {
        applicant: Type.Object({ name: Type.String({ minLength: 1 }), email: Type.String({ minLength: 3 }) }, { additionalProperties: false }),
        language: Type.Union([Type.Literal('en'), Type.Literal('ru'), Type.Literal('kk')]),
      },
      { additionalProperties: false },
    );

    it('should accept a valid value', () => {
      expect(() => checkSchema(Input, { applicant: { name: 'A', email: 'a@b.kz' }, language: 'en' }, 'input')).not.toThrow();
    });

    it('should name the exact path of the failure in the message and list the errors in details', () => {
      const e = engineError(() => checkSchema(Input, { applicant: { name: 'A', email: 42 }, language: 'en' }, 'input'));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toMatch(/^input\/applicant\/email: /);
      const errors = e.details.errors as { path: string; message: string }[];
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0]!.path).toBe('/applicant/email');
      expect(e.message).toBe(`input/applicant/email: ${errors[0]!.message}`);
    });

    it('should say which required properties are missing and which additional ones are not allowed', () => {
      const missing = engineError(() => checkSchema(Input, { applicant: { email: 'a@b.kz' }, language: 'en' }, 'input'));
      expect(missing.message).toBe('input/applicant: must have required properties name');
      const extra = engineError(() => checkSchema(Input, { applicant: { name: 'A', email: 'a@b.kz', phone: '1' }, language: 'en' }, 'payload'));
      expect(extra.message).toBe('payload/applicant: unknown field "phone"');
      expect((extra.details.errors as { message: string }[]).some((x) => x.message === 'schema is false')).toBe(false);
    });

    it('should name the root without a path when the value itself is wrong', () => {
      const e = engineError(() => checkSchema(Input, 'text', 'input'));
      expect(e.message).toMatch(/^input: /);
      expect((e.details.errors as { path: string }[])[0]!.path).toBe('/');
    });

    it('should list several errors, at most 10, each with its own path', () => {
      // TypeBox's Value.Errors itself stops at 8 by default; the module caps the list at 10.
      const Many = Type.Object(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, Type.Number()])));
      const bad = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, 'x']));
      const e = engineError(() => checkSchema(Many, bad, 'input'));
      const errors = e.details.errors as { path: string; message: string }[];
      expect(errors.length).toBeGreaterThan(1);
      expect(errors.length).toBeLessThanOrEqual(10);
      expect(errors.map((x) => x.path)).toEqual(errors.map((_, i) => `/f${i}`));
      expect(errors.every((x) => x.message === 'must be number')).toBe(true);
    });

    it('should give the same answer on a second check with the cached validator', () => {
      const bad = { applicant: { name: '', email: 'a@b.kz' }, language: 'en' };
      const first = engineError(() => checkSchema(Input, bad, 'input'));
      const second = engineError(() => checkSchema(Input, bad, 'input'));
      expect(second.message).toBe(first.message);
      expect(first.message).toMatch(/^input\/applicant\/name: /);
      expect(() => checkSchema(Input, { applicant: { name: 'B', email: 'b@c.kz' }, language: 'kk' }, 'input')).not.toThrow();
    });
  });

  describe('checkActor', () => {
    it('should accept a named actor with a known role', () => {
      expect(() => checkActor({ name: 'Dana', role: 'car' })).not.toThrow();
      expect(() => checkActor({ name: 'engine', role: 'system' })).not.toThrow();
    });

    it('should refuse a missing actor, an empty or non-string name and an unknown role', () => {
      const bad = [null, undefined, { name: '', role: 'car' }, { name: 7, role: 'car' }, { name: 'Dana', role: 'janitor' }, { name: 'Dana' }];
      for (const a of bad) {
        const e = engineError(() => checkActor(a as unknown as Actor));
        expect(e.code).toBe('invalid_request');
        expect(e.message).toBe('the actor must have a name and a known role');
      }
    });
  });

  describe('checkObject', () => {
    it('should accept an object and refuse null, arrays and scalars naming what', () => {
      expect(() => checkObject({}, 'payload')).not.toThrow();
      for (const v of [null, [], 'x', 1, undefined]) {
        const e = engineError(() => checkObject(v, 'payload'));
        expect(e.code).toBe('invalid_request');
        expect(e.message).toBe('payload must be an object');
      }
    });
  });

  describe('callMachine', () => {
    const result: StepResult = { ok: false, code: 'event_not_allowed', message: 'no', allowed: [] };

    it('should return what the machine returns', () => {
      expect(callMachine(() => result)).toBe(result);
    });

    it('should map calendar_year_unknown to the EngineError of that code, keeping message and details', () => {
      const cause = new CalendarError('calendar_year_unknown', 'The calendar has no data for 2031', { year: 2031, firstYear: 2024, lastYear: 2026 });
      const e = engineError(() =>
        callMachine(() => {
          throw cause;
        }),
      );
      expect(e.code).toBe('calendar_year_unknown');
      expect(e.status).toBe(422);
      expect(e.message).toBe('The calendar has no data for 2031');
      expect(e.details).toEqual({ year: 2031, firstYear: 2024, lastYear: 2026 });
    });

    it('should map a plain thrown {code: calendar_year_unknown} too', () => {
      const e = engineError(() =>
        callMachine(() => {
          throw { code: 'calendar_year_unknown' };
        }),
      );
      expect(e.code).toBe('calendar_year_unknown');
      expect(e.message).toBe('calendar year unknown');
      expect(e.details).toEqual({});
    });

    it('should map invalid_date, invalid_instant and invalid_amount to invalid_request', () => {
      for (const code of ['invalid_date', 'invalid_instant', 'invalid_amount'] as const) {
        const e = engineError(() =>
          callMachine(() => {
            throw new CalendarError(code, `bad ${code}`);
          }),
        );
        expect(e.code).toBe('invalid_request');
        expect(e.message).toBe(`bad ${code}`);
      }
      const plain = engineError(() =>
        callMachine(() => {
          throw { code: 'invalid_date' };
        }),
      );
      expect(plain).toMatchObject({ code: 'invalid_request', message: 'invalid_date' });
    });

    it('should let other errors pass through unchanged', () => {
      const bug = new TypeError('x is undefined');
      expect(
        thrown(() =>
          callMachine(() => {
            throw bug;
          }),
        ),
      ).toBe(bug);
      const other = new CalendarError('calendar_not_found', 'no such calendar');
      expect(
        thrown(() =>
          callMachine(() => {
            throw other;
          }),
        ),
      ).toBe(other);
      const engine = new EngineError('forbidden', 'no');
      expect(
        thrown(() =>
          callMachine(() => {
            throw engine;
          }),
        ),
      ).toBe(engine);
      expect(
        thrown(() =>
          callMachine(() => {
            throw null;
          }),
        ),
      ).toBeNull();
    });
  });
});
