/**
 * Issue 17 §2: several processes on one PostgreSQL database. Each "process" here is a
 * separate `createEngine` (its own pool, its own live-case cache, its own workers, its own
 * LISTEN connection) on ONE fresh database; they share a SimulatedClock, so a deadline falls
 * due for all of them at once. The last test runs two real server processes.
 *
 * What must hold across processes as within one: the per-case chain, If-Match and
 * idempotency keys; each due timer fires once and each message is sent once whichever
 * process runs it; the live-case cache never serves a case another process changed; an
 * observer (the live inspector) and the timer worker hear of the other processes' commits;
 * the transparency log has one position sequence without gaps and verifies.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../engine/audit.js';
import { SimulatedClock } from '../../engine/clock.js';
import type { CommitObservation } from '../../engine/commands.js';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine.js';
import { EngineError } from '../../engine/errors.js';
import { verifyLedger } from '../../engine/ledger/index.js';
import type { MailTransport } from '../../engine/outbox-worker.js';
import { car, chairman, inquiry, unit } from '../engine/fixtures/helpers.js';
import { fakeCalendar, makeFakeProcedure } from '../engine/fixtures/fake-procedure.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database.js';
import { car as notifyCar, directory, question, reminderPolicy } from '../engine/notifications/helpers.js';
import { loadKzCalendar } from '../../calendars/index.js';
import { procedures } from '../../machines/index.js';
import { callAs, freePort, startServer, type Server } from '../helpers/server-process.js';
import { record } from '../inspect/helpers.js';
import { sha256Hex } from '../../server/auth.js';
import { generatePrivateKeyPem } from '../../lib/signed-note.js';

type Sent = Parameters<MailTransport['sendMail']>[0];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const START = '2025-03-06T05:00:00.000Z';

interface Node {
  engine: Engine;
  sent: Sent[];
}

describe('several engines on one PostgreSQL database', () => {
  let db: TestDatabase;
  let clock: SimulatedClock;
  let nodes: Node[] = [];

  async function node(extra: Partial<EngineOptions> = {}): Promise<Node> {
    const sent: Sent[] = [];
    const transport: MailTransport = {
      sendMail(m) {
        sent.push(m);
        return Promise.resolve({ response: '250 OK' });
      },
    };
    const engine = await createEngine({ databasePath: db.url, poolSize: 3, clock, calendar: fakeCalendar, procedures: [makeFakeProcedure()], transport, ...extra });
    const n = { engine, sent };
    nodes.push(n);
    return n;
  }

  /** Every engine settled, twice over (a commit of one wakes another through the database). */
  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      for (const n of nodes) await n.engine.idle();
      await sleep(50);
    }
  }

  beforeEach(async () => {
    db = await createTestDatabase();
    clock = new SimulatedClock(START);
  });
  afterEach(async () => {
    for (const n of nodes) await n.engine.close();
    nodes = [];
    await db.drop();
  });

  it('should start three engines at once on an empty database (one migration, one calendar install, one log)', async () => {
    const three = await Promise.all([node(), node(), node()]);
    await Promise.all(three.map((n) => n.engine.start()));
    const installs = await Promise.all(three.map((n) => n.engine.storage.read.calendarVersions.list()));
    expect(installs[0]!.length).toBeLessThanOrEqual(1);
    expect(installs.map((l) => l.length)).toEqual(installs.map(() => installs[0]!.length));
    const id = (await three[2]!.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    expect((await three[0]!.engine.getCase(id)).seq).toBe(1);
  });

  it('should let two engines take turns on one case, each seeing the other’s commits (the live cache never stale)', async () => {
    const a = await node();
    const b = await node();
    const id = (await a.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    let seq = 1;
    // Both keep the case live between their turns: a stale entry would step the old snapshot.
    for (let i = 0; i < 12; i++) {
      const e = i % 2 === 0 ? b.engine : a.engine;
      const event = i % 3 === 2 ? { type: 'extend', payload: { days: 1 } } : { type: 'comment', payload: { text: `turn ${i}` } };
      const r = await e.applyEvent(id, event, { actor: i % 3 === 2 ? chairman : car, expectedSeq: seq });
      expect(r.view.seq).toBe(seq + 1);
      seq = r.view.seq;
    }
    const r = await b.engine.applyEvent(id, { type: 'reply', payload: { text: 'The answer.' } }, { actor: unit, expectedSeq: seq });
    expect(r.view.state).toBe('answered');
    const viewA = await a.engine.getCase(id);
    expect(viewA).toMatchObject({ seq: seq + 1, state: 'answered', status: 'done' });
    // Four extensions of one day each, seen by whichever engine stepped the next one.
    expect(viewA.deadlines.find((d) => d.key === 'reply')).toMatchObject({ amount: 6, open: false });
    const history = await a.engine.history(id);
    expect(history.map((h) => h.seq)).toEqual(Array.from({ length: seq + 1 }, (_, i) => i + 1));
    expect(await a.engine.verify(id)).toMatchObject({ ok: true, problems: [] });
    expect(await b.engine.verify(id)).toMatchObject({ ok: true, problems: [] });
    // A closed case refuses, through either engine.
    for (const e of [a.engine, b.engine]) {
      await expect(e.applyEvent(id, { type: 'extend', payload: { days: 1 } }, { actor: chairman })).rejects.toMatchObject({ code: 'event_not_allowed' });
    }
  });

  it('should let exactly one of two engines win the same If-Match, and apply one Idempotency-Key once', async () => {
    const a = await node();
    const b = await node();
    const id = (await a.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    for (let round = 0; round < 5; round++) {
      const seq = (await a.engine.getCase(id)).seq;
      const results = await Promise.allSettled(
        [a, b].map((n, i) => n.engine.applyEvent(id, { type: 'comment', payload: { text: `${round}/${i}` } }, { actor: car, expectedSeq: seq })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(EngineError);
      expect((lost[0]!.reason as EngineError).code).toBe('version_conflict');
    }
    expect((await b.engine.getCase(id)).seq).toBe(6);

    for (let round = 0; round < 5; round++) {
      const key = `key-${round}`;
      const answers = await Promise.all(
        [a, b].map((n) => n.engine.applyEvent(id, { type: 'comment', payload: { text: 'once' } }, { actor: car, idempotencyKey: key })),
      );
      // One application; both get its answer (the second one replayed), as in one process.
      expect(answers.map((r) => r.view.seq)).toEqual([answers[0]!.view.seq, answers[0]!.view.seq]);
      expect(answers.filter((r) => r.replayed)).toHaveLength(1);
      // The same key with another request: refused by either engine.
      await expect(b.engine.applyEvent(id, { type: 'comment', payload: { text: 'other' } }, { actor: car, idempotencyKey: key })).rejects.toMatchObject({
        code: 'idempotency_key_reused',
      });
    }
    const history = await a.engine.history(id);
    expect(history).toHaveLength(11);
    expect(history.filter((h) => h.type === 'comment' && h.payload.text === 'once')).toHaveLength(5);
    expect(await a.engine.verify(id)).toMatchObject({ ok: true });
  });

  it('should fire every due timer once and send every message once with three engines’ workers running', async () => {
    const three = [await node(), await node(), await node()];
    for (const n of three) await n.engine.start();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const n = three[i % 3]!;
      const id = (await n.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
      ids.push(id);
      // A third of them extended through another engine: a `notice` deadline and its mail too.
      if (i % 3 === 0) await three[(i + 1) % 3]!.engine.applyEvent(id, { type: 'extend', payload: { days: 1 } }, { actor: chairman });
    }
    await settle();
    // Past every deadline (reply: 2 or 3 days; notice: 1 day), a step at a time.
    for (let h = 0; h < 4 * 24; h += 6) {
      clock.advance(6 * 3600_000);
      await settle();
    }
    await settle();
    for (const id of ids) {
      const history = await three[0]!.engine.history(id);
      const missed = history.filter((e) => e.type === 'deadline_missed').map((e) => String(e.payload.key));
      // The notice mail was delivered (message_delivered closes `notice`) before it fell due? Either way: at most once per key.
      expect(new Set(missed).size).toBe(missed.length);
      expect(missed).toContain('reply');
      const timers = await three[0]!.engine.storage.read.timers.listForCase(id);
      expect(timers.every((t) => t.status !== 'scheduled')).toBe(true);
    }
    const all = three.flatMap((n) => n.sent);
    const perMessage = new Map<string, number>();
    for (const m of all) perMessage.set(m.messageId, (perMessage.get(m.messageId) ?? 0) + 1);
    expect([...perMessage.values()].every((c) => c === 1)).toBe(true);
    // 12 acknowledgements + 4 extension notices, each once.
    expect(all).toHaveLength(16);
    const stored = (await Promise.all(ids.map((id) => three[0]!.engine.messages(id)))).flat();
    expect(stored.map((m) => m.status)).toEqual(stored.map(() => 'sent'));
    expect(stored.map((m) => m.attempts)).toEqual(stored.map(() => 1));
    // Each engine's count of the deadlines it fired adds up to the events stored: none twice.
    const fired = three.map((n) => n.engine.timers.fired);
    const stored_missed = (await Promise.all(ids.map((id) => three[0]!.engine.history(id)))).flat().filter((e) => e.type === 'deadline_missed');
    expect(fired.reduce((x, y) => x + y, 0)).toBe(stored_missed.length);
  });

  it('should show engine B’s observer a commit made through engine A, as A’s own observer sees it', async () => {
    const a = await node();
    const b = await node();
    const seenByA: CommitObservation[] = [];
    const seenByB: CommitObservation[] = [];
    a.engine.observe((o) => seenByA.push(o));
    b.engine.observe((o) => seenByB.push(o));
    const id = (await a.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    await a.engine.applyEvent(id, { type: 'extend', payload: { days: 2 } }, { actor: chairman });
    await a.engine.applyEvent(id, { type: 'reply', payload: { text: 'The answer.' } }, { actor: unit });
    await until('B observing A’s three commits', () => seenByB.length === 3);
    expect(seenByB.map((o) => [o.seq, o.event.type, o.state, o.status])).toEqual([
      [1, 'created', 'open', 'active'],
      [2, 'extend', 'open', 'active'],
      [3, 'reply', 'answered', 'done'],
    ]);
    expect(JSON.parse(JSON.stringify(seenByB))).toEqual(JSON.parse(JSON.stringify(seenByA)));
    // And the other way round, B's commit reaches A.
    const id2 = (await b.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    await until('A observing B’s creation', () => seenByA.some((o) => o.caseId === id2));
    expect(seenByA.filter((o) => o.caseId === id2)).toEqual(seenByB.filter((o) => o.caseId === id2));
  });

  it('should wake engine B’s timer worker for a timer A scheduled earlier than anything B knew', async () => {
    const a = await node(); // A's workers never run: only B can fire the deadline
    const b = await node();
    await b.engine.start();
    const late = (await b.engine.createCase('test-procedure', inquiry(30), { actor: car })).view.id;
    await settle();
    // B sleeps until its own deadline, in 30 days; A's case is due in 2.
    const early = (await a.engine.createCase('test-procedure', inquiry(2), { actor: car })).view.id;
    const due = '2025-03-08T05:00:00.000Z';
    clock.set(due);
    await until('B firing A’s deadline', async () => {
      await b.engine.idle();
      return (await b.engine.history(early)).some((e) => e.type === 'deadline_missed');
    });
    expect(b.engine.timers.fired).toBe(1);
    expect((await a.engine.history(late)).map((e) => e.type)).toEqual(['created']);
    // B's mail worker heard of A's queued acknowledgement too.
    await until('B sending A’s acknowledgement', () => b.sent.some((m) => m.headers?.['X-Case-Id'] === early));
  });

  it('should wake engine B’s reminder worker for a staff reminder a step of A scheduled', async () => {
    const withPolicy = { calendar: loadKzCalendar(), procedures, notificationPolicy: reminderPolicy, staffDirectory: directory };
    const a = await node(withPolicy); // A's workers never run: only B can send the reminder
    const b = await node(withPolicy);
    await b.engine.start();
    await settle();
    // The question's review term ends on 2025-03-26; its first reminder is 1 working day
    // before, 09:00 Almaty (tests/engine/notifications/reminders.test.ts).
    const id = (await a.engine.createCase('feedback-inquiry', question, { actor: notifyCar })).view.id;
    await settle();
    clock.set('2025-03-25T04:00:00.000Z');
    await until('B queuing the reminder A’s step scheduled', async () => {
      await b.engine.idle();
      return (await b.engine.history(id)).some((e) => e.type === 'reminder_queued');
    });
  });

  it('should keep one log without gaps that verifies after concurrent commands through three engines', async () => {
    const keyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dir = mkdtempSync(join(tmpdir(), 'pg-ledger-'));
    try {
      const three = [await node({ ledger: { keyPem, checkpointsDir: dir } }), await node({ ledger: { keyPem } }), await node({ ledger: { keyPem } })];
      for (const n of three) await n.engine.start();
      const ids = await Promise.all(
        Array.from({ length: 9 }, async (_, i) => (await three[i % 3]!.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id),
      );
      await Promise.all(
        ids.flatMap((id, i) =>
          three.map(async (n, j) => {
            for (let k = 0; k < 4; k++) {
              await n.engine.applyEvent(id, { type: 'comment', payload: { text: `${i}.${j}.${k}` } }, { actor: car });
            }
          }),
        ),
      );
      await settle();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const entries = (await c.query<{ n: number; lo: number; hi: number }>('select count(*)::int as n, min(position)::int as lo, max(position)::int as hi from ledger_entries')).rows[0]!;
        const head = (await c.query<{ size: number }>('select size::int as size from ledger_head where id = 1')).rows[0]!;
        expect(entries).toEqual({ n: head.size, lo: 0, hi: head.size - 1 });
        const events = (await c.query<{ n: number; logged: number; distinct: number }>(
          'select count(*)::int as n, count(log_position)::int as logged, count(distinct log_position)::int as distinct from events',
        )).rows[0]!;
        expect(events.n).toBe(9 * (1 + 3 * 4));
        expect(events).toEqual({ n: events.n, logged: events.n, distinct: events.n });
      } finally {
        await c.end();
      }
      const checkpoint = await three[1]!.engine.ledger.signCheckpoint();
      const store = await openAuditStore({ databasePath: db.url, calendar: fakeCalendar, procedures: [makeFakeProcedure()] });
      try {
        const r = await verifyLedger({
          read: store.storage.read,
          registry: store.registry,
          deps: store.calendars,
          checkpoints: [{ source: 'latest', note: checkpoint.note }],
          publicKey: createPublicKey(keyPem),
        });
        expect(r.problems).toEqual([]);
        expect(r).toMatchObject({ ok: true, cases: 9, checkpoints: [{ ok: true, size: checkpoint.size }] });
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Two real server processes (`server/main.ts`) on one database, the second with the live
 * inspector on: commands alternate between them, race on one If-Match and one
 * Idempotency-Key, and the inspector of the second shows a case created through the first.
 */
describe('two server processes on one PostgreSQL database', () => {
  const TOKEN = 'two-processes-car';
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  const servers: Server[] = [];

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await s.exited;
      }
    }
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function server(env: Record<string, string>): Promise<string> {
    const started = await startServer(env);
    servers.push(started);
    return started.base;
  }

  const call = callAs(TOKEN);

  it('should share one case between two servers, one If-Match winner, one application per key, and one inspector for both', async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pg-two-'));
    const authFile = join(dir, 'users.json');
    writeFileSync(authFile, JSON.stringify({ users: [{ name: 'car-person', roles: ['car'], tokenSha256: sha256Hex(TOKEN) }] }));
    const ledgerKey = join(dir, 'ledger.pem');
    writeFileSync(ledgerKey, generatePrivateKeyPem());
    const env = { DATABASE_URL: db.url, DATABASE_POOL_SIZE: '3', AUTH_FILE: authFile, LEDGER_KEY_FILE: ledgerKey };
    const inspectPort = await freePort();
    const [one, two] = [await server(env), await server({ ...env, INSPECT: '1', INSPECT_PORT: String(inspectPort) })];
    const inspector = await record(`ws://127.0.0.1:${inspectPort}`);
    try {
      const created = await call(one, 'POST', '/cases', {
        procedure: 'feedback-inquiry',
        input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      // The second process's inspector shows the case the first one created.
      await inspector.until((m) => m.some((x) => x.sessionId === id && x.event?.type === 'created'), 10_000);

      let seq = 1;
      for (let i = 0; i < 6; i++) {
        const r = await call(i % 2 === 0 ? two : one, 'POST', `/cases/${id}/events`, { type: 'comment', text: `turn ${i}` }, { 'if-match': `"${seq}"` });
        expect(r.status).toBe(200);
        expect(r.body.seq).toBe(seq + 1);
        seq++;
      }
      const race = await Promise.all([one, two].map((b, i) => call(b, 'POST', `/cases/${id}/events`, { type: 'comment', text: `race ${i}` }, { 'if-match': `"${seq}"` })));
      expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(race.find((r) => r.status === 409)!.body).toMatchObject({ error: { code: 'version_conflict' } });
      seq++;
      const once = await Promise.all([one, two].map((b) => call(b, 'POST', `/cases/${id}/events`, { type: 'comment', text: 'once' }, { 'idempotency-key': 'two-processes-1' })));
      expect(once.map((r) => r.status)).toEqual([200, 200]);
      expect(once[0]!.body).toEqual(once[1]!.body);
      seq++;

      const history = await call(two, 'GET', `/cases/${id}/history`);
      expect((history.body.events as { seq: number }[]).map((e) => e.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
      const verify = await call(one, 'GET', `/cases/${id}/verify`);
      expect(verify.body).toMatchObject({ ok: true });
      // Every event reached the second process's inspector, whichever process committed it.
      await inspector.until((m) => new Set(m.filter((x) => x.sessionId === id && x.type === '@xstate.event').map((x) => x.event?.seq)).size >= seq, 10_000);
    } finally {
      await inspector.close();
    }
  });
});
