// ESLint flat config (issue 11 §5: boundaries a linter keeps).
//
// The rule set is deliberately modest (eslint + typescript-eslint `recommended`, plus two
// cheap type-aware promise rules) so that the signal is the layer boundaries below.
// `npm run lint` runs in CI (.ci/run) and fails it on any error.
//
// Layers (folders at the repository root):
//   lib/        pure utilities, a leaf: imports nothing of the project
//   calendars/  business calendars: may use lib/, nothing from machines/engine/storage/server
//   machines/   XState procedures: only xstate, typebox(/*), its own files, lib/ and
//               `import type` from calendars/; no Node built-ins (machines stay pure)
//   storage/    the only layer that talks to a database driver (kysely, better-sqlite3, pg)
//   engine/     composes machines + storage
//   server/     HTTP; goes through the engine, never storage/ or a driver
// Import cycles are an error everywhere (import-x/no-cycle).
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const TS_FILES = ['**/*.ts'];

/** Database drivers and the query builder: only storage/ may import them. */
const DB_PACKAGES = ['kysely', 'better-sqlite3', 'pg'];
const dbPatterns = [
  {
    group: DB_PACKAGES.flatMap((p) => [p, `${p}/*`]),
    message:
      'Only storage/ talks to the database (kysely, better-sqlite3, pg); go through the storage port.',
  },
];

/**
 * `@typescript-eslint/no-restricted-imports` for one folder. In a flat config a later block's
 * rule options replace an earlier block's, so every block lists all the restrictions that
 * apply to its files (the driver restriction plus the folder's own).
 */
const restrictImports = (...patterns) => [
  'error',
  { patterns: patterns.flat() },
];

/** Paths the `import-x/no-restricted-paths` zones refer to (relative to this file's folder). */
const zones = [
  // lib/ is a leaf: nothing of the project (packages are fine).
  {
    target: './lib',
    from: '.',
    except: ['./lib', './node_modules'],
    message: 'lib/ is a leaf of pure utilities: it imports nothing of the project.',
  },
  // calendars/ sits below machines and engine.
  {
    target: './calendars',
    from: ['./machines', './engine', './storage', './server', './inspector', './cli', './bench', './tests'],
    message: 'calendars/ imports nothing from machines/, engine/, storage/ or server/.',
  },
  // machines/: its own files, lib/, and calendars/ (types only: see no-restricted-imports below).
  {
    target: './machines',
    from: '.',
    except: ['./machines', './lib', './calendars', './node_modules'],
    message: 'machines/ imports only xstate, typebox, its own files, lib/ and calendars/ types.',
  },
  // server/ goes through the engine.
  {
    target: './server',
    from: './storage',
    message: 'server/ never imports storage/: go through the engine.',
  },
];

export default defineConfig(
  {
    ignores: ['node_modules/**', 'data/**', 'docs/**', '.ci/**'],
  },
  {
    // A stale `eslint-disable` fails CI: each one must still suppress something.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: TS_FILES,
    languageOptions: {
      parserOptions: {
        // Type information from the TypeScript project service (tsconfig.json). Only the two
        // promise rules below use it: cheap, and a dropped promise in a durable engine is a bug.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Resolves the NodeNext `.js` specifiers to the `.ts` sources (and tsconfig paths), so
      // no-cycle / no-restricted-paths see real files.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      // Without these, import-x does not parse `.ts` dependencies and no-cycle sees no edges.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      // The XState glue (machines/common/parent.ts, machines/redirection/parent.ts, the
      // runtime) types actor internals with `any` on purpose; typescript-eslint's
      // `recommended` makes it an error. Warn, so new `any`s stay visible without failing CI.
      '@typescript-eslint/no-explicit-any': 'warn',
      // `_`-prefixed names are intentionally unused (tsc's noUnusedLocals already covers locals).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',

      // Boundaries.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-restricted-imports': restrictImports(dbPatterns),
    },
  },

  // machines/: packages limited to xstate and typebox (and typebox/*); calendars/ as types only.
  {
    files: ['machines/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-nodejs-modules': ['error'],
      '@typescript-eslint/no-restricted-imports': restrictImports(dbPatterns, [
        {
          // Any bare specifier (package or built-in) other than xstate, typebox, typebox/*.
          regex: '^(?!\\.|xstate$|typebox$|typebox/)',
          message: 'machines/ imports only xstate and typebox (and typebox/*) among packages.',
        },
        {
          group: ['**/calendars', '**/calendars/**'],
          allowTypeImports: true,
          message: 'machines/ may use calendars/ only through `import type` (the runtime injects the calendar).',
        },
      ]),
    },
  },

  // server/: no storage/ (no-restricted-paths above) and no driver (dbPatterns, as everywhere).

  // storage/ owns the drivers.
  {
    files: ['storage/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },

  // Exceptions to "only storage/ imports a driver", each with its reason:
  // - tests/storage/**: the storage layer's own tests set up and inspect the database
  //   underneath the repositories.
  // - tests/helpers/sqlite-file.ts: the database file as another process or an insider sees
  //   it (a lock held from outside, tampering, a full or read-only disk); every other test
  //   goes through it, so the driver appears in one test helper.
  // - bench/naive-server.ts, bench/peer.bench.ts: the baselines the engine is measured
  //   against (a naive Fastify + better-sqlite3 server, bpmn-engine + SQLite); they must not
  //   go through our storage layer or the comparison means nothing; bench/naive-pg-server.ts
  //   is the same baseline on PostgreSQL.
  // - tests/helpers/pg-*.ts, tests/helpers/postgres-*.ts, tests/postgres/**: PostgreSQL's
  //   databases created, dropped and inspected around the tests (as tests/storage does).
  {
    files: [
      'tests/storage/**/*.ts',
      'tests/helpers/sqlite-file.ts',
      'tests/helpers/pg-*.ts',
      'tests/helpers/postgres-*.ts',
      'tests/postgres/**/*.ts',
      'bench/naive-server.ts',
      'bench/naive-pg-server.ts',
      'bench/peer.bench.ts',
    ],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },

  // This file and any other plain JS: no type information.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },

  // The staff pages' browser script: browser globals, no modules.
  {
    files: ['server/pages/assets/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', window: 'readonly', globalThis: 'readonly' } },
  },
);
