/**
 * Fuzz every route in-process (app.inject): ≥ 10,000 fast-check requests — GET and POST on
 * every path, valid and invalid tokens, random path params, queries, bodies and headers
 * (If-Match, Idempotency-Key, X-Acting-Role, Content-Type). No answer is ≥ 500, every error
 * has the `{error: {code, message}}` shape, and a refused (4xx) request leaves the database
 * unchanged: a fingerprint of every table is read through a separate read-only connection.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procedures } from '../../machines/index.js';
import { HUMAN_ROLES } from '../../server/auth.js';
import { buildTestApp, token, type TestApp } from '../helpers/app.js';
import { openSqliteFile, type SqliteFile, type SqliteStatement } from '../helpers/sqlite-file.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

let t: TestApp;
let ro: SqliteFile;
let fingerprintStmt: SqliteStatement;
const pool: string[] = [];

/** Everything a request could write: cases (seq, head hash, state) and the row count and last rowid of every table. */
function fingerprint(): string {
  return JSON.stringify(fingerprintStmt.get());
}

const feedback = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' };

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z', intakeRateLimit: 100_000 });
  for (let i = 0; i < 5; i++) {
    const r = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: feedback });
    pool.push(r.json().id);
  }
  const seeds = [
    await t.as('initiator').post('/cases', { procedure: 'publication', input: { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2025-04-15' } }),
    await t.as('press_secretary').post('/cases', { procedure: 'blog-question', input: { channel: 'blog', author: { name: 'X' }, language: 'ru', text: 'Q' } }),
  ];
  for (const r of seeds) {
    expect(r.statusCode, r.body).toBe(201);
    pool.push(r.json().id);
  }
  await t.as('car').post(`/cases/${pool[0]}/events`, { type: 'register', registrationNumber: 'R-1' });
  ro = openSqliteFile(t.databasePath, { readonly: true });
  // Every table, the search index's (FTS5, migration 000800) included: a refused request writes none.
  // Tables WITHOUT ROWID (some of FTS5's shadow tables) are fingerprinted by their count alone.
  const tables = (ro.prepare("select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string; sql: string }[]).map(
    (r) => ({ name: r.name, rowid: !/without\s+rowid/i.test(r.sql) }),
  );
  expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(['cases', 'events', 'outbox', 'timers', 'idempotency_keys', 'cases_search']));
  fingerprintStmt = ro.prepare(
    `select (select group_concat(id || ':' || seq || ':' || head_hash || ':' || state, ',') from (select * from cases order by id)) as cases, ` +
      tables.map((n) => `(select count(*) || '/' || ${n.rowid ? 'coalesce(max(rowid), 0)' : "''"} from "${n.name}") as "${n.name}"`).join(', '),
  );
});
afterAll(async () => {
  ro?.close();
  await t?.close();
});

const ROLES = [...HUMAN_ROLES, 'system', 'nobody', ''];
const PROCEDURES = [...Object.keys(procedures), 'nope', ''];
const EVENT_TYPES = [...new Set(Object.values(procedures).flatMap((m) => Object.keys(m.eventRoles))), 'teleport', ''];

const weird = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('..', '%00', '%', '%zz', '/', '💥', 'a'.repeat(600), ' ', '-1', '0', '1e9', 'null', '__proto__', 'constructor'),
);
const instant = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2025-03-06T04:00:00Z', '2025-03-06T09:00:00+05:00', '2025-03-06T09:00:00', '2025-02-30T10:00:00Z', 'yesterday'),
  weird,
);
const date = fc.oneof(fc.constantFrom('2025-03-06', '2025-03-22', '2024-02-29', '2031-01-15', '2025-13-01', '1999-01-01'), weird);
const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), weird, instant);
/** Absent 3 times in 4 (an optional field), otherwise `a`. */
const optional = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
/** A valid value 4 times in 5, otherwise something else. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown> = anything) =>
  fc.oneof({ weight: 4, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: other });

const createInput = fc.oneof(
  fc.record(
    {
      applicant: mostly(fc.record({ name: mostly(fc.constant('Айгерим'), weird), email: mostly(fc.constant('a@example.kz'), weird) })),
      language: mostly(fc.constantFrom('ru', 'kk', 'en'), weird),
      kind: mostly(fc.constantFrom('question', 'proposal'), weird),
      text: mostly(fc.constant('Q'), weird),
      receivedAt: optional(instant),
    },
    { requiredKeys: ['applicant', 'language', 'kind', 'text', 'receivedAt'] },
  ),
  fc.record(
    {
      title: mostly(fc.constant('T'), weird),
      kind: fc.constantFrom('regular', 'urgent', 'x'),
      channels: mostly(fc.constant(['site'])),
      plannedFor: mostly(fc.constantFrom('2025-04-15', '2025-03-20'), date),
      announcementPublishedAt: optional(instant),
    },
    { requiredKeys: ['title', 'kind', 'channels', 'announcementPublishedAt'] },
  ),
  fc.record(
    {
      channel: mostly(fc.constantFrom('blog', 'e-otinish'), weird),
      author: mostly(fc.record({ name: mostly(fc.constant('X'), weird) })),
      language: mostly(fc.constantFrom('ru', 'kk', 'en'), weird),
      text: mostly(fc.constant('Q'), weird),
    },
    { requiredKeys: ['channel', 'author', 'language', 'text'] },
  ),
  anything,
);
const createBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ procedure: fc.constantFrom(...PROCEDURES), input: createInput, occurredAt: optional(instant) }) },
  { weight: 1, arbitrary: fc.record({ procedure: fc.constantFrom(...PROCEDURES), input: createInput, occurredAt: instant, extra: anything }, { requiredKeys: [] }) },
);
/** Payloads the feedback-inquiry machine accepts (in some state, from some role). */
const VALID_EVENTS: Record<string, unknown>[] = [
  { type: 'register', registrationNumber: 'R-2' },
  { type: 'assign', unit: 'Unit' },
  { type: 'extend', days: 5, reason: 'why' },
  { type: 'submit_answer', text: 'answer', citations: ['Law'], language: 'ru' },
  { type: 'return_answer', comment: 'redo' },
  { type: 'approve_answer' },
  { type: 'note_proposal' },
  { type: 'comment', text: 'note' },
];
const randomEvent = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...EVENT_TYPES), weird),
    text: fc.oneof(fc.constant('text'), anything),
    registrationNumber: fc.oneof(fc.constant('R-2'), anything),
    unit: fc.oneof(fc.constant('Unit'), anything),
    days: fc.oneof(fc.integer({ min: -5, max: 40 }), anything),
    reason: fc.oneof(fc.constant('why'), anything),
    citations: fc.oneof(fc.constant(['Law']), anything),
    language: fc.oneof(fc.constantFrom('ru', 'kk', 'en'), anything),
    comment: fc.oneof(fc.constant('c'), anything),
    key: fc.oneof(fc.constantFrom('review', 'extension_notice'), anything),
    messageId: anything,
    occurredAt: instant,
  },
  { requiredKeys: [] },
);
const eventBody = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...VALID_EVENTS), optional(instant)).map(([e, occurredAt]) => ({ ...e, occurredAt })) },
  { weight: 1, arbitrary: randomEvent },
);
const intakeBody = fc.record(
  {
    name: mostly(fc.constant('A'), weird),
    email: mostly(fc.constant('a@example.kz'), weird),
    language: mostly(fc.constantFrom('ru', 'kk', 'en'), weird),
    kind: mostly(fc.constantFrom('question', 'proposal'), weird),
    text: mostly(fc.constant('Q'), weird),
    admin: optional(anything),
  },
  { requiredKeys: ['name', 'email', 'language', 'kind', 'text', 'admin'] },
);

/** A path: a template with a case id (from the pool or random) and other params. */
const path = fc
  .record({
    pick: fc.nat(),
    own: fc.boolean(),
    rawId: weird,
    procedure: fc.oneof(fc.constantFrom(...PROCEDURES), weird),
    calendar: fc.oneof(fc.constantFrom('kz', 'ru', 'KZ'), weird),
    date,
    year: fc.oneof(fc.constantFrom('2025', '2026', '2031', '0', '99999'), weird),
    template: fc.constantFrom(
      '/cases',
      '/cases',
      '/cases/{id}/events',
      '/cases/{id}/events',
      '/cases/{id}/events',
      '/cases/{id}/events',
      '/intake/feedback',
      '/health',
      '/docs/json',
      '/machines',
      '/machines/{p}',
      '/machines/{p}/diagram',
      '/calendars/{c}/days/{d}',
      '/calendars/{c}/years/{y}',
      '/calendars/{c}/deadline',
      '/cases',
      '/cases/{id}',
      '/cases/{id}/events',
      '/cases/{id}/history',
      '/cases/{id}/messages',
      '/cases/{id}/replay',
      '/cases/{id}/verify',
      '/intake/feedback',
      '/nowhere/{id}',
    ),
  })
  .map((r) => ({
    template: r.template,
    // Resolved when the request runs: the pool grows as the fuzz creates cases.
    url: () =>
      r.template
        .replace('{id}', r.own ? pool[r.pick % pool.length]! : encodeURIComponent(r.rawId))
        .replace('{p}', encodeURIComponent(r.procedure))
        .replace('{c}', encodeURIComponent(r.calendar))
        .replace('{d}', encodeURIComponent(r.date))
        .replace('{y}', encodeURIComponent(r.year)),
  }));

const query = fc.dictionary(
  fc.constantFrom('procedure', 'state', 'status', 'overdue', 'dueBefore', 'mine', 'limit', 'after', 'seq', 'from', 'before', 'amount', 'unit', 'x'),
  fc.oneof(fc.constantFrom('true', 'false', 'active', 'done', '1', '3', '0', '-1', '500', 'calendar', 'working', 'feedback-inquiry', 'received'), date, instant, weird),
  { maxKeys: 4 },
);

const absent = fc.constant(undefined);
const headers = fc.record({
  authorization: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...HUMAN_ROLES).map((r) => `Bearer ${token(r)}`) },
    fc.constant('Bearer token-two-hats'),
    fc.constantFrom('Bearer nope', 'Bearer', 'Basic Zm9vOmJhcg==', 'bearer token-of-car', '', 'Bearer token-of-car extra'),
    weird.map((w) => `Bearer ${w.replace(/[^\x21-\x7e]/g, '')}`),
    absent,
  ),
  'content-type': fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', ''),
  ),
  'if-match': fc.oneof(
    { weight: 10, arbitrary: absent },
    { weight: 2, arbitrary: fc.nat({ max: 12 }).map((n) => `"${n}"`) },
    fc.nat({ max: 12 }).map(String),
    fc.constantFrom('W/"2"', '*', 'yesterday', '"-1"', '"99999999999999"'),
    weird,
  ),
  'idempotency-key': fc.oneof(
    { weight: 8, arbitrary: absent },
    fc.constantFrom('k1', 'k2', 'k3', 'k4', ''),
    fc.string({ minLength: 1, maxLength: 30 }),
    { weight: 4, arbitrary: fc.uuid() },
    fc.constant('k'.repeat(300)),
  ),
  'x-acting-role': fc.oneof({ weight: 6, arbitrary: absent }, fc.constantFrom(...ROLES)),
});

const CREATORS: Record<string, (typeof HUMAN_ROLES)[number]> = { 'feedback-inquiry': 'car', publication: 'initiator', 'blog-question': 'press_secretary' };
const POSTS = ['/cases', '/cases/{id}/events', '/intake/feedback'];
const request = fc
  .record({
    natural: fc.nat(9),
    otherMethod: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
    path,
    query,
    headers,
    bodies: fc.record({
      create: createBody.map((b) => JSON.stringify(b)),
      event: eventBody.map((b) => JSON.stringify(b)),
      intake: intakeBody.map((b) => JSON.stringify(b)),
      other: fc.oneof(
        anything.map((b) => JSON.stringify(b)),
        createBody.map((b) => JSON.stringify(b)),
        eventBody.map((b) => JSON.stringify(b)),
        fc.constantFrom('', '{', '[]', 'null', '{"type":'),
        fc.constant(undefined),
      ),
    }),
  })
  .map((r) => {
    // Mostly the route's own method and body, sometimes anything.
    const method = r.natural < 8 ? (POSTS.includes(r.path.template) ? 'POST' : 'GET') : r.otherMethod;
    const own =
      r.path.template === '/cases' && method === 'POST'
        ? r.bodies.create
        : r.path.template === '/cases/{id}/events'
          ? r.bodies.event
          : r.path.template === '/intake/feedback'
            ? r.bodies.intake
            : r.bodies.other;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers[k] = v;
    // Half of the creations come from the role that may create that procedure, so that
    // writes succeed and the database grows while the fuzz runs.
    if (r.path.template === '/cases' && method === 'POST' && r.natural % 2 === 0) {
      const procedure = (JSON.parse(own ?? 'null') as { procedure?: unknown } | null)?.procedure;
      const creator = typeof procedure === 'string' && Object.hasOwn(CREATORS, procedure) ? CREATORS[procedure] : undefined;
      if (creator) headers.authorization = `Bearer ${token(creator)}`;
    }
    return { method, path: r.path, query: r.path.template.startsWith('/cases') && method === 'POST' ? {} : r.query, headers, body: r.natural % 5 === 4 ? r.bodies.other : own };
  });

/** Header values light-my-request can send (no control characters or non-ASCII). */
function cleanHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = v.replace(/[^\x20-\x7e]/g, '?');
  return out;
}

describe('fuzz every route', () => {
  it(`should answer ${RUNS} fuzzed requests without a 5xx and write nothing for a refused one`, async () => {
    const statuses = new Map<number, number>();
    let writes = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const url = r.path.url();
        const qs = new URLSearchParams(r.query).toString();
        // Work a previous write started after its answer (a past-due deadline firing) settles first.
        await t.engine.idle();
        const before = fingerprint();
        const res = await t.app.inject({
          method: r.method as 'GET',
          url: qs ? `${url}?${qs}` : url,
          headers: cleanHeaders(r.headers),
          ...(r.body === undefined || r.method === 'GET' ? {} : { payload: r.body }),
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const what = `${r.method} ${url}?${qs} ${JSON.stringify(r.headers)} ${String(r.body).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode >= 400) {
          const body = res.json() as { error?: { code?: unknown; message?: unknown } | string; code?: unknown };
          // Every refusal, the router's own included (app.ts passes `frameworkErrors`),
          // has our {error: {code, message}} shape.
          expect(typeof body.error, what).toBe('object');
          expect(typeof (body.error as { code?: unknown } | undefined)?.code, what).toBe('string');
          expect(typeof (body.error as { message?: unknown } | undefined)?.message, what).toBe('string');
          await t.engine.idle();
          expect(fingerprint(), what).toBe(before);
        } else if (r.method === 'POST' && res.statusCode < 300) {
          writes++;
          if (res.statusCode === 201 && url === '/cases') pool.push((res.json() as { id: string }).id);
        }
      }),
      { numRuns: RUNS },
    );
    const counts = Object.fromEntries([...statuses.entries()].sort((a, b) => a[0] - b[0]));
    const fiveHundreds = [...statuses.entries()].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    console.log(
      `[fuzz] requests=${RUNS} 5xx=${fiveHundreds} acceptedWrites=${writes} cases=${pool.length} statuses=${JSON.stringify(counts)}`,
    );
    expect(fiveHundreds).toBe(0);
    // The fuzz reached past validation: some requests succeeded, many were refused.
    expect(writes).toBeGreaterThan(RUNS / 200);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    for (const id of pool) expect((await t.engine.verify(id)).ok).toBe(true);
  });
});
