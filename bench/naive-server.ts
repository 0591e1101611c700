/**
 * The naive baseline of the HTTP bench: Fastify + better-sqlite3, no engine. Per request
 * ONE synchronous=FULL transaction: read the case, append the event, rewrite its ~1.5 KB
 * snapshot. Same auth (bearer token → sha-256 lookup) and body as the engine's route.
 * Run as a child process by bench/http.bench.ts (DATABASE, CASES); reports {port, caseIds}.
 */
import { randomUUID } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import Fastify from 'fastify';
import { bearerToken, sha256Hex } from '../server/auth.js';
import { NAIVE_TABLES, naiveSnapshot, naiveUsers } from './lib/workload.js';
import { serve } from './servers/child.js';

const db = new SqliteDatabase(process.env.DATABASE!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.exec(NAIVE_TABLES);

const getCase = db.prepare<[string], { id: string; seq: number; state: string; snapshot: string }>('select id, seq, state, snapshot from cases where id = ?');
const insertEvent = db.prepare('insert into events (case_id, seq, type, payload, actor, role, recorded_at) values (?, ?, ?, ?, ?, ?, ?)');
const updateCase = db.prepare('update cases set seq = ?, snapshot = ?, updated_at = ? where id = ?');
const insertCase = db.prepare('insert into cases (id, seq, state, snapshot, updated_at) values (?, 1, ?, ?, ?)');

const advance = db
  .transaction((id: string, type: string, payload: Record<string, unknown>, user: { name: string; role: string }) => {
    const row = getCase.get(id);
    if (!row) return undefined;
    const seq = row.seq + 1;
    const now = new Date().toISOString();
    const snap = JSON.parse(row.snapshot) as Record<string, unknown>;
    insertEvent.run(id, seq, type, JSON.stringify(payload), user.name, user.role, now);
    updateCase.run(seq, naiveSnapshot(id, seq, { type, payload, at: now, by: user.name, prevState: snap.state }), now, id);
    return { id, seq, state: row.state, updatedAt: now };
  })
  .immediate;

const n = Number(process.env.CASES ?? 1000);
const caseIds = Array.from({ length: n }, () => randomUUID());
db.transaction(() => {
  for (const id of caseIds) insertCase.run(id, 'received', naiveSnapshot(id, 1, null), new Date().toISOString());
})();

const app = Fastify({ logger: false });
app.post<{ Params: { id: string }; Body: { type: string } & Record<string, unknown> }>('/cases/:id/events', async (request, reply) => {
  const token = bearerToken(request.headers.authorization);
  const user = token ? naiveUsers.get(sha256Hex(token)) : undefined;
  if (!user) return reply.status(401).send({ error: 'unauthorized' });
  const { type, ...payload } = request.body;
  if (typeof type !== 'string') return reply.status(400).send({ error: 'invalid_request' });
  const view = advance(request.params.id, type, payload, user);
  if (!view) return reply.status(404).send({ error: 'not_found' });
  return view;
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
serve({ port: typeof address === 'object' && address ? address.port : 0, caseIds }, async () => {
  await app.close();
  db.close();
});
