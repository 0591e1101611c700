import { defineConfig } from 'vitest/config';

/** Files about SQLite itself, each for the reason given. */
const SQLITE_ONLY: string[] = [
  // SQLite's query plans, WAL checkpoints, pragmas and file-level migrations.
  'tests/storage/list-plans.test.ts',
  'tests/storage/checkpointer.test.ts',
  'tests/storage/storage.test.ts',
  'tests/storage/session.test.ts',
  // Copies of the SQLite file tampered with the driver (tests/postgres/tampering.test.ts on PostgreSQL).
  'tests/ledger/tampering.test.ts',
  // Child processes on the SQLite file (tests/postgres/soak.test.ts kills processes on PostgreSQL).
  'tests/engine/crash.test.ts',
  'tests/audit/cli-out.test.ts',
];

/**
 * `npm run test:postgres`: the engine, HTTP, storage, ledger and audit suites again, every
 * storage on PostgreSQL (TEST_DATABASE_URL; tests/helpers/postgres-setup.ts maps each
 * SQLite location to a schema of a fresh database). The files below that test SQLite
 * itself (its files, pragmas, plans, WAL checkpoints, tripwires dropped from the file) are
 * not run here; tests/storage/postgres.test.ts tests PostgreSQL's own.
 */
export default defineConfig({
  test: {
    include: ['tests/engine/**/*.test.ts', 'tests/server/**/*.test.ts', 'tests/storage/**/*.test.ts', 'tests/ledger/**/*.test.ts', 'tests/audit/**/*.test.ts'],
    exclude: [
      'tests/**/*.types.test.ts',
      'node_modules/**',
      ...SQLITE_ONLY,
    ],
    globalSetup: ['tests/helpers/postgres-global.ts'],
    setupFiles: ['tests/helpers/postgres-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
