/**
 * The engine's real server for the HTTP bench: buildApp + createEngine on DATABASE with
 * SQLITE_SYNCHRONOUS (or on DATABASE_URL, PostgreSQL, with DATABASE_POOL_SIZE, as the
 * product's config reads them: bench/postgres.bench.ts), users with known tokens
 * (`bench-<role>`), CASES pre-created P3 cases (0: a further process on a database another
 * one filled), listening on 127.0.0.1 at a random port. Reports {port, caseIds} over IPC.
 * GROUP_COMMIT=0: one transaction per command (the group-commit comparison's baseline).
 * The transparency log is on, as in every real engine; LEDGER_KEY_FILE (and
 * LEDGER_CHECKPOINTS) sign checkpoints as the production server does. LEDGER=off is the
 * ledger bench's baseline only (bench/ledger.bench.ts: what the log costs).
 */
import { readFileSync } from 'node:fs';
import { loadKzCalendar } from '../../calendars/index.js';
import { createEngine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { HUMAN_ROLES, sha256Hex, UserDirectory } from '../../server/auth.js';
import { question } from '../lib/dataset.js';
import { serve } from './child.js';

const kz = loadKzCalendar();
const engine = await createEngine({
  databasePath: process.env.DATABASE_URL || process.env.DATABASE!,
  ...(process.env.DATABASE_POOL_SIZE ? { poolSize: Number(process.env.DATABASE_POOL_SIZE) } : {}),
  ...(process.env.GROUP_COMMIT === '0' ? { groupCommit: false } : {}),
  synchronous: process.env.SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL',
  // BACKGROUND_CHECKPOINTS=0: SQLite's automatic checkpoint inside the commits (for comparison).
  ...(process.env.BACKGROUND_CHECKPOINTS === '0' ? { backgroundCheckpoints: false } : {}),
  calendar: kz,
  procedures,
  ...(process.env.LEDGER === 'off'
    ? { ledger: { enabled: false } }
    : process.env.LEDGER_KEY_FILE
      ? { ledger: { keyPem: readFileSync(process.env.LEDGER_KEY_FILE, 'utf8'), ...(process.env.LEDGER_CHECKPOINTS ? { checkpointsDir: process.env.LEDGER_CHECKPOINTS } : {}) } }
      : {}),
});
const users = new UserDirectory({
  users: HUMAN_ROLES.map((role) => ({ name: `${role}-user`, roles: [role], tokenSha256: sha256Hex(`bench-${role}`) })) as ConstructorParameters<
    typeof UserDirectory
  >[0]['users'],
});
// No per-user write limit (WRITE_RATE_LIMIT, default 600/min): the bench's five users send thousands a second.
const app = await buildApp({ calendars: { kz }, engine, users, logger: false, writeRateLimit: 0 });
await engine.start();
const n = Number(process.env.CASES ?? 1000);
const caseIds: string[] = [];
for (let i = 0; i < n; i += 200) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(200, n - i) }, () => engine.createCase('feedback-inquiry', question, { actor: { name: 'car-user', role: 'car' } })),
  );
  caseIds.push(...batch.map((r) => r.view.id));
}
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
serve({ port: typeof address === 'object' && address ? address.port : 0, caseIds }, async () => {
  await app.close();
  await engine.close();
});
