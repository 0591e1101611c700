import { defineConfig } from 'vitest/config';

/**
 * The second half of `npm run test:postgres`: the tests that use PostgreSQL directly
 * (tests/postgres/: the adapter itself, the SQLite → PostgreSQL copy, several server
 * processes on one database, the server restarted under load). TEST_DATABASE_URL names the
 * server; tests that restart a server start their own (tests/helpers/pg-cluster.ts).
 */
export default defineConfig({
  test: {
    include: ['tests/postgres/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Suites spawn servers and clusters: one file at a time keeps them honest on 2 cores.
    fileParallelism: false,
  },
});
