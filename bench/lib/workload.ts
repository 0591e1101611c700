/**
 * The HTTP benches' one workload (bench/http.bench.ts, bench/postgres.bench.ts) and what
 * the naive baseline servers (bench/naive-server.ts on SQLite, bench/naive-pg-server.ts on
 * PostgreSQL) hold per case: written once, so every server in every part is measured on
 * the same requests and the same ~1.5 KB snapshot.
 */
import type autocannon from 'autocannon';

/** autocannon's request list (bench/lib/autocannon.d.ts). */
type Requests = NonNullable<Parameters<typeof autocannon>[0]['requests']>;
import { HUMAN_ROLES, sha256Hex } from '../../server/auth.js';

/** The 5 staff roles the requests rotate through (the bench users' tokens are `bench-<role>`). */
const ROLES = ['car', 'supervisor', 'unit', 'chairman', 'press_secretary'];

/**
 * autocannon's requests: `POST /cases/{id}/events` `comment` with a bearer token, rotating
 * the roles over `caseIds`; `start` offsets the sequence (one load generator per port).
 */
export function commentRequests(caseIds: readonly string[], start = 0): Requests {
  let i = start;
  return [
    {
      method: 'POST',
      setupRequest: (req) => {
        const k = i++;
        return {
          ...req,
          path: `/cases/${caseIds[(k * 7919) % caseIds.length]}/events`,
          headers: { authorization: `Bearer bench-${ROLES[k % ROLES.length]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'comment', text: `Комментарий ${k}: уточнение по делу, см. приложение.` }),
        };
      },
    },
  ];
}

/** The naive servers' users, by the sha-256 of their token. */
export const naiveUsers = new Map(HUMAN_ROLES.map((role) => [sha256Hex(`bench-${role}`), { name: `${role}-user`, role }]));

/** The naive servers' two tables (the same SQL parses on SQLite and PostgreSQL). */
export const NAIVE_TABLES = `
  create table if not exists cases (id text primary key, seq integer not null, state text not null, snapshot text not null, updated_at text not null);
  create table if not exists events (case_id text not null references cases(id), seq integer not null, type text not null, payload text not null,
    actor text not null, role text not null, recorded_at text not null, primary key (case_id, seq));
`;

/** A snapshot of about 1.5 KB, like the engine's snapshot + context of a P3 case. */
export function naiveSnapshot(id: string, seq: number, last: unknown): string {
  return JSON.stringify({
    id,
    seq,
    state: 'received',
    applicant: { name: 'Айгерим Сапарова', email: 'aigerim@example.kz' },
    language: 'ru',
    kind: 'question',
    text: 'Как получить меру государственной поддержки экспортёрам обрабатывающей промышленности?',
    deadlines: {
      review: { key: 'review', rule: 'п. 38, 39', amount: 15, unit: 'calendar_days', reading: 'calendar', dueAt: '2026-12-11T19:00:00.000Z', lastDay: '2026-12-11', status: 'pending', open: true },
    },
    last,
    padding: 'x'.repeat(900),
  });
}
