/**
 * Live cases (engine/live-cases.ts): a case's restored machine kept between commands must
 * give exactly what restoring the stored snapshot for every command gives. Two engines, one
 * with live cases and one without, take the same random walks (events chosen among the
 * allowed ones, payloads generated from the event schemas, refusals included, the clock
 * moving so deadlines fire); every answer and every stored state must be the same.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { EngineError } from '../../engine/errors.js';
import { LiveCases } from '../../engine/live-cases.js';
import type { MachineSession, Role } from '../../machines/contract.js';
import { procedures } from '../../machines/index.js';
import { kz } from '../helpers/app.js';
import { onConnection, dropTripwires, itSqlite } from '../helpers/sqlite-file.js';

const START = '2025-03-03T04:00:00.000Z';

const inputs: Record<string, [Role, Record<string, unknown>]> = {
  publication: ['initiator', { title: 'T', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-03-20' }],
  'feedback-inquiry': ['car', { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' }],
  'blog-question': ['press_secretary', { channel: 'blog', author: { name: 'B' }, language: 'ru', text: 'Q' }],
  appearance: ['press_secretary', { outlet: 'Khabar', format: 'tv', topic: 'T', place: 'Astana', scheduledAt: '2025-04-24T15:00:00+05:00' }],
};

/** The walk's choices: fast-check's numbers in [0, 1), the same for both engines (and shrinkable). */
function choices(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]! / 10_000;
}

type JsonSchema = {
  type?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
};

/** A value for `schema`: mostly valid, sometimes a date far off, so guards refuse some. */
function sample(schema: JsonSchema, rnd: () => number, now: Date): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.anyOf) return sample(schema.anyOf[Math.floor(rnd() * schema.anyOf.length)]!, rnd, now);
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(k) || rnd() < 0.5) out[k] = sample(s, rnd, now);
      }
      return out;
    }
    case 'array': {
      const n = (schema.minItems ?? 0) + Math.floor(rnd() * ((schema.maxItems ?? 2) - (schema.minItems ?? 0) + 1));
      return [...new Set(Array.from({ length: n }, () => JSON.stringify(sample(schema.items ?? {}, rnd, now))))].map((x) => JSON.parse(x));
    }
    case 'integer':
      return (schema.minimum ?? 0) + Math.floor(rnd() * ((schema.maximum ?? 10) - (schema.minimum ?? 0) + 1));
    case 'string':
      if (schema.pattern?.includes('\\d{4}-\\d{2}-\\d{2}')) {
        return new Date(now.getTime() + Math.floor((rnd() * 40 - 5) * 86_400_000)).toISOString().slice(0, 10);
      }
      return `text ${Math.floor(rnd() * 1000)}`;
    default:
      return {};
  }
}

interface Outcome {
  status: number | string;
  state?: string;
  seq?: number;
}

async function walk(engine: Engine, clock: SimulatedClock, procedure: string, values: number[], steps: number): Promise<Outcome[]> {
  const rnd = choices(values);
  const [creator, input] = inputs[procedure]!;
  const created = await engine.createCase(procedure, input, { actor: { name: `${creator}-user`, role: creator } });
  const id = created.view.id;
  const module = procedures[procedure as keyof typeof procedures]!;
  const outcomes: Outcome[] = [];
  for (let i = 0; i < steps; i++) {
    if (rnd() < 0.3) {
      clock.advance(Math.floor(rnd() * 5 * 86_400_000));
      await engine.idle();
    }
    const view = await engine.getCase(id);
    if (view.status === 'done') break;
    const human = view.allowedEvents.filter((a) => a.roles.some((r) => r !== 'system'));
    // Now and then an event the state does not take, to check refusals leave the session as it was.
    const type = rnd() < 0.15 ? Object.keys(module.eventRoles)[Math.floor(rnd() * Object.keys(module.eventRoles).length)]! : human[Math.floor(rnd() * human.length)]?.type;
    if (!type) break;
    const roles = (module.eventRoles[type] ?? []).filter((r) => r !== 'system');
    if (roles.length === 0) continue;
    const role = roles[Math.floor(rnd() * roles.length)]!;
    const payload = sample(module.eventSchemas[type] as JsonSchema, rnd, clock.now()) as Record<string, unknown>;
    try {
      const r = await engine.applyEvent(id, { type, payload }, { actor: { name: `${role}-user`, role } });
      outcomes.push({ status: r.status, state: r.view.state, seq: r.view.seq });
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      outcomes.push({ status: e.code });
    }
    // A command can schedule a deadline already due (a P5 term counted from receipt): its
    // timer fires at once, in the background. Both engines let it happen before going on.
    await engine.idle();
  }
  return outcomes;
}

/** Every case's stored machine state, in creation order (case ids differ between the engines). */
async function storedStates(engine: Engine) {
  const out = [];
  for (const id of await engine.storage.read.cases.ids()) {
    const row = (await engine.storage.read.cases.find(id))!;
    out.push({ procedure: row.procedure, seq: row.seq, state: row.state, status: row.status, snapshot: JSON.parse(row.snapshotJson), context: JSON.parse(row.contextJson) });
  }
  return out;
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function engineWith(liveCases: number): Promise<{ engine: Engine; clock: SimulatedClock }> {
  const clock = new SimulatedClock(START);
  const engine = await createEngine({ databasePath: ':memory:', calendar: kz, procedures, clock, liveCases });
  await engine.start();
  engines.push(engine);
  return { engine, clock };
}

describe('live cases', () => {
  it('should answer and store exactly what restoring the snapshot for every command does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(inputs)), fc.array(fc.nat({ max: 9_999 }), { minLength: 200, maxLength: 200 }), async (procedure, values) => {
        const live = await engineWith(1000);
        const restored = await engineWith(0);
        const a = await walk(live.engine, live.clock, procedure, values, 25);
        const b = await walk(restored.engine, restored.clock, procedure, values, 25);
        expect(a).toEqual(b);
        expect(await storedStates(live.engine)).toEqual(await storedStates(restored.engine));
        for (const id of await live.engine.storage.read.cases.ids()) expect((await live.engine.verify(id)).problems).toEqual([]);
        // The property is about the cache only if the cache was used.
        if (a.filter((o) => typeof o.status === 'number').length > 1) expect(live.engine.runner.live.taken).toBeGreaterThan(0);
        expect(restored.engine.runner.live.taken).toBe(0);
        for (const e of engines.splice(0)) await e.close();
      }),
      {
        numRuns: Number(process.env.LIVE_RUNS ?? 40),
        // Found by CI: a redirection whose forwarding term, counted from receipt, is already
        // due when it starts; its timer fires in the background (the walk waits for it).
        examples: [['blog-question', [3000,  0,  5000,  0,  0,  0,  0,  1500,  0,  0,  0,  0,  0,  0,  0,  0,  0,  3000,  0,  0,  0,  0,  3000,  1500,  0,  0,  0,  3000,  1500,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  1500,  6667,  0,  0,  3000,  1500,  6667,  0,  0,  3000,  1500,  0,  0,  0,  3000,  1500,  3334,  0,  0,  3000,  1500,  3334,  0,  0,  3000,  0,  0,  0,  0,  3000,  1500,  0,  0,  0,  0,  0,  0,  0,  0,  0,  3000,  0,  4286,  0,  3000,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  3000,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  1500,  0,  0,  0,  0,  0,  0,  1429,  0,  0,  0,  0,  0,  4286,  0,  3000,  1500,  0,  0,  0,  0,  7250,  1500,  3334,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0]]],
      },
    );
  }, 120_000);

  itSqlite('should not use an entry whose case was changed behind its back', async () => {
    const { engine } = await engineWith(1000);
    const { view } = await engine.createCase('feedback-inquiry', inputs['feedback-inquiry']![1], { actor: { name: 'car-user', role: 'car' } });
    await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'R-1' } }, { actor: { name: 'car', role: 'car' } });
    expect(engine.runner.live.size).toBe(1);
    // Another writer moves the case back to its creation (as a restored backup would).
    const first = await engineWith(0);
    const other = await first.engine.createCase('feedback-inquiry', inputs['feedback-inquiry']![1], { actor: { name: 'car-user', role: 'car' } });
    const otherRow = (await first.engine.storage.read.cases.find(other.view.id))!;
    onConnection(engine, (db) => {
      db.prepare('update cases set snapshot = ?, context = ?, state = ?, seq = 1, head_hash = ? where id = ?').run(otherRow.snapshotJson, otherRow.contextJson, otherRow.state, 'f'.repeat(64), view.id);
      dropTripwires(db);
      db.prepare('delete from events where case_id = ? and seq > 1').run(view.id);
    });
    const taken = engine.runner.live.taken;
    // The live session is at "registered" and would refuse `register`; the stored case takes it.
    const r = await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'R-2' } }, { actor: { name: 'car', role: 'car' } });
    expect(engine.runner.live.taken).toBe(taken + 1);
    expect(r.view.seq).toBe(2);
    expect(r.view.context).toMatchObject({ registrationNumber: 'R-2' });
  });
});

/**
 * The cache itself (engine/live-cases.ts `LiveCases`), without an engine: what it keeps,
 * what it drops and that every session it drops is closed exactly once (a session it
 * hands out is the caller's, and is never closed behind its back).
 */
describe('LiveCases (the cache)', () => {
  const row = (seq: number) => ({ seq }) as never;
  function sessions() {
    const closed: string[] = [];
    const session = (name: string): MachineSession => ({ step: () => ({ ok: false, code: 'event_not_allowed', message: '', allowed: [] }), close: () => closed.push(name) });
    return { closed, session };
  }

  it('should keep the latest state of a case, close what it drops, and hold no more than its capacity', () => {
    const { closed, session } = sessions();
    const cache = new LiveCases(2);
    cache.put('a', { row: row(2), session: session('a2') });
    cache.put('a', { row: row(1), session: session('a1') });
    expect(closed).toEqual(['a1']);
    cache.put('b', { row: row(1), session: session('b1') });
    cache.put('c', { row: row(1), session: session('c1') });
    expect(closed).toEqual(['a1', 'a2']);
    expect(cache.size).toBe(2);
    expect(cache.take('a')).toBeUndefined();
    expect(cache.take('b')?.row).toEqual(row(1));
    expect(cache.take('b')).toBeUndefined();
    const off = new LiveCases(0);
    off.put('x', { row: row(1), session: session('x1') });
    expect(off.size).toBe(0);
    expect(closed).toContain('x1');
  });

  it('should drop the least recently put case, not the first one put', () => {
    const { closed, session } = sessions();
    const cache = new LiveCases(2);
    const a = session('a');
    cache.put('a', { row: row(1), session: a });
    cache.put('b', { row: row(1), session: session('b') });
    // Case a advanced: put again (its own session, a later seq), so b is now the oldest.
    cache.put('a', { row: row(2), session: a });
    expect(closed).toEqual([]);
    cache.put('c', { row: row(1), session: session('c') });
    expect(closed).toEqual(['b']);
    expect(cache.take('b')).toBeUndefined();
    expect(cache.take('a')?.row).toEqual(row(2));
  });

  it('should replace an entry at the same seq and close the session it replaces', () => {
    const { closed, session } = sessions();
    const cache = new LiveCases(4);
    cache.put('a', { row: row(3), session: session('old') });
    cache.put('a', { row: row(3), session: session('new') });
    expect(closed).toEqual(['old']);
    expect(cache.size).toBe(1);
  });

  it('should hand out a taken session without closing it, and count only hits', () => {
    const { closed, session } = sessions();
    const cache = new LiveCases(2);
    cache.put('a', { row: row(1), session: session('a') });
    expect(cache.take('nope')).toBeUndefined();
    expect(cache.taken).toBe(0);
    expect(cache.take('a')).toBeDefined();
    expect(cache.taken).toBe(1);
    expect(cache.size).toBe(0);
    expect(closed).toEqual([]);
  });

  it('should close every session on clear', () => {
    const { closed, session } = sessions();
    const cache = new LiveCases(3);
    cache.put('a', { row: row(1), session: session('a') });
    cache.put('b', { row: row(1), session: session('b') });
    cache.clear();
    expect(closed.sort()).toEqual(['a', 'b']);
    expect(cache.size).toBe(0);
    expect(cache.take('a')).toBeUndefined();
  });

  it('should take a whole, non-negative capacity', () => {
    expect(new LiveCases(2.7).capacity).toBe(2);
    expect(new LiveCases(-5).capacity).toBe(0);
  });
});
