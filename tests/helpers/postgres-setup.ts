/**
 * `npm run test:postgres`: every storage the tests open runs on PostgreSQL. `openStorage`
 * (which the engine, the audit store and the tests call) maps the SQLite location it is
 * given to a database of the run, created from the run's migrated template
 * (tests/helpers/postgres-global.ts; `CREATE DATABASE … TEMPLATE`, ~0.1 s against ~1 s for
 * the migrations):
 * - `:memory:` to a new database each time (a fresh one, as SQLite's in-memory database
 *   is), dropped when the storage is closed;
 * - a file path to a database named after the path, created at its first open, so that
 *   reopening the same file (restarts, read-only audit stores) opens the same data;
 *   dropped at the end of the run.
 * Nothing else of the tests changes: they run the same assertions on the other dialect.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { inject, vi } from 'vitest';
import type * as StorageIndex from '../../storage/index.js';

let counter = 0;

/** The database of a SQLite location (see the file's comment). */
function databaseFor(path: string): { name: string; temporary: boolean } {
  const prefix = inject('pgTestPrefix');
  if (path === ':memory:') return { name: `${prefix}_m${process.pid}_${++counter}`, temporary: true };
  return { name: `${prefix}_f${createHash('sha256').update(resolve(path)).digest('hex').slice(0, 20)}`, temporary: false };
}

function urlOf(database: string): string {
  const url = new URL(inject('pgTestUrl'));
  url.pathname = `/${database}`;
  return url.toString();
}

let admin: pg.Pool | undefined;
const adminPool = () => (admin ??= new pg.Pool({ connectionString: inject('pgTestUrl'), max: 2 }));
/** Creations in flight, so that two opens of one path in a test create it once. */
const creating = new Map<string, Promise<void>>();

async function ensureDatabase(name: string): Promise<void> {
  let p = creating.get(name);
  if (!p) {
    p = (async () => {
      const { rows } = await adminPool().query('select 1 from pg_database where datname = $1', [name]);
      if (rows.length === 0) await adminPool().query(`create database ${name} template ${inject('pgTestPrefix')}_tmpl strategy wal_log`);
    })();
    creating.set(name, p);
    p.catch(() => creating.delete(name));
  }
  await p;
}

vi.mock('../../storage/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof StorageIndex>();
  const openStorage: typeof real.openStorage = async (options) => {
    if (real.isPostgresUrl(options.path)) return real.openStorage(options);
    const db = databaseFor(options.path);
    await ensureDatabase(db.name);
    // Small pools: many engines are open at once in a test file.
    const storage = await real.openStorage({ ...options, path: urlOf(db.name), poolSize: options.poolSize ?? 4 });
    if (!db.temporary) return storage;
    const close = storage.close.bind(storage);
    return Object.assign(storage, {
      close: async () => {
        await close();
        creating.delete(db.name);
        await adminPool().query(`drop database if exists ${db.name} with (force)`);
      },
    });
  };
  return { ...real, openStorage };
});
