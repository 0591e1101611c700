import { defineConfig } from 'vitest/config';

/** `npm run test:reliability`: crash soak, fuzz, clock jumps, SMTP outage, disk full (slow; not in `npm test`). */
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Suites spawn servers and hammer SQLite: one file at a time keeps timings honest on 2 cores.
    fileParallelism: false,
  },
});
