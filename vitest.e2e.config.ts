import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: the browser tests (tests/e2e, Debian's chromium through playwright-core;
 * CHROMIUM_PATH overrides /usr/bin/chromium). Not in `npm test`, so the README's test command
 * needs no browser; `.ci/run` installs chromium and runs both.
 */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    exclude: ['node_modules/**'],
    // A browser start, page loads and axe runs: seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file starts its own server and chromium: two at a time on two cores.
    maxWorkers: 2,
  },
});
