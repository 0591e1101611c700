/**
 * The naive baseline of the PostgreSQL bench (issue 17 §7): Fastify + `pg` directly, no
 * engine, a pool of 10 connections. Per request ONE transaction: read the case
 * `FOR UPDATE`, insert the event, rewrite its ~1.5 KB snapshot, COMMIT (synchronous_commit
 * as the server has it: on by default, so each COMMIT waits for its WAL flush; PostgreSQL
 * groups the flushes of concurrent commits by itself). The same tables, snapshot, auth
 * (bearer token → sha-256 lookup) and body as bench/naive-server.ts, its SQLite twin, so
 * the same load generator drives both. Statements are named (prepared once per connection),
 * as the SQLite twin prepares its own.
 * Run as a child process by bench/postgres.bench.ts (DATABASE_URL, CASES); reports {port, caseIds}.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { bearerToken, sha256Hex } from '../server/auth.js';
import { NAIVE_TABLES, naiveSnapshot, naiveUsers } from './lib/workload.js';
import { serve } from './servers/child.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 10 });
pool.on('error', () => {});
await pool.query(NAIVE_TABLES);

const GET_CASE = { name: 'get_case', text: 'select id, seq, state, snapshot from cases where id = $1 for update' };
const INSERT_EVENT = { name: 'insert_event', text: 'insert into events (case_id, seq, type, payload, actor, role, recorded_at) values ($1, $2, $3, $4, $5, $6, $7)' };
const UPDATE_CASE = { name: 'update_case', text: 'update cases set seq = $1, snapshot = $2, updated_at = $3 where id = $4' };

async function advance(id: string, type: string, payload: Record<string, unknown>, user: { name: string; role: string }) {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    const row = (await client.query<{ id: string; seq: number; state: string; snapshot: string }>({ ...GET_CASE, values: [id] })).rows[0];
    if (!row) {
      await client.query('rollback');
      return undefined;
    }
    const seq = row.seq + 1;
    const now = new Date().toISOString();
    const snap = JSON.parse(row.snapshot) as Record<string, unknown>;
    await client.query({ ...INSERT_EVENT, values: [id, seq, type, JSON.stringify(payload), user.name, user.role, now] });
    await client.query({ ...UPDATE_CASE, values: [seq, naiveSnapshot(id, seq, { type, payload, at: now, by: user.name, prevState: snap.state }), now, id] });
    await client.query('commit');
    return { id, seq, state: row.state, updatedAt: now };
  } catch (e) {
    broken = true;
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    client.release(broken ? true : undefined);
  }
}

const n = Number(process.env.CASES ?? 1000);
const caseIds = Array.from({ length: n }, () => randomUUID());
{
  const client = await pool.connect();
  try {
    await client.query('begin');
    const now = new Date().toISOString();
    for (const id of caseIds) await client.query('insert into cases (id, seq, state, snapshot, updated_at) values ($1, 1, $2, $3, $4)', [id, 'received', naiveSnapshot(id, 1, null), now]);
    await client.query('commit');
  } finally {
    client.release();
  }
}

const app = Fastify({ logger: false });
app.post<{ Params: { id: string }; Body: { type: string } & Record<string, unknown> }>('/cases/:id/events', async (request, reply) => {
  const token = bearerToken(request.headers.authorization);
  const user = token ? naiveUsers.get(sha256Hex(token)) : undefined;
  if (!user) return reply.status(401).send({ error: 'unauthorized' });
  const { type, ...payload } = request.body;
  if (typeof type !== 'string') return reply.status(400).send({ error: 'invalid_request' });
  const view = await advance(request.params.id, type, payload, user);
  if (!view) return reply.status(404).send({ error: 'not_found' });
  return view;
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
serve({ port: typeof address === 'object' && address ? address.port : 0, caseIds }, async () => {
  await app.close();
  await pool.end();
});
