/**
 * `npm run test:postgres`: every storage the tests open runs on PostgreSQL. `openStorage`
 * (which the engine, the audit store and the tests call) maps the SQLite location it is
 * given to a schema of the run's database (tests/helpers/postgres-global.ts):
 * - `:memory:` to a new schema each time (a fresh database, as SQLite's in-memory one is);
 * - a file path to a schema named after the path, so that reopening the same file
 *   (restarts, read-only audit stores) opens the same data.
 * Nothing else of the tests changes: they run the same assertions on the other dialect.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { inject, vi } from 'vitest';
import type * as StorageIndex from '../../storage/index.js';

let counter = 0;

/** The schema of a SQLite location (see the file's comment). */
export function schemaFor(path: string): string {
  if (path === ':memory:') return `m_${process.pid}_${++counter}`;
  return `f_${createHash('sha256').update(resolve(path)).digest('hex').slice(0, 24)}`;
}

/** The run's database URL with `search_path` set to `schema` (and `public`, where pg_trgm lives). */
export function urlForSchema(schema: string): string {
  const url = new URL(inject('pgTestUrl'));
  url.searchParams.set('options', `-c search_path=${schema},public`);
  return url.toString();
}

let admin: pg.Pool | undefined;
async function ensureSchema(schema: string): Promise<void> {
  admin ??= new pg.Pool({ connectionString: inject('pgTestUrl'), max: 2 });
  await admin.query(`create schema if not exists ${schema}`);
}

vi.mock('../../storage/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof StorageIndex>();
  const openStorage: typeof real.openStorage = async (options) => {
    if (real.isPostgresUrl(options.path)) return real.openStorage(options);
    const schema = schemaFor(options.path);
    await ensureSchema(schema);
    // Small pools: many engines are open at once in a test file.
    return real.openStorage({ ...options, path: urlForSchema(schema), poolSize: options.poolSize ?? 4 });
  };
  return { ...real, openStorage };
});
