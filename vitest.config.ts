import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Type tests (`*.types.test.ts`) are checked by `npm run typecheck`, not run; the
    // reliability suite (tests/reliability) runs with `npm run test:reliability`, the browser
    // tests (tests/e2e) with `npm run test:e2e`, the PostgreSQL tests (tests/postgres) with `npm run test:postgres`.
    exclude: ['tests/**/*.types.test.ts', 'tests/reliability/**', 'tests/e2e/**', 'tests/postgres/**', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
