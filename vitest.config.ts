import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Type tests (`*.types.test.ts`) are checked by `npm run typecheck`, not run.
    exclude: ['tests/**/*.types.test.ts', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
