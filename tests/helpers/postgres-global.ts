/**
 * `npm run test:postgres`'s global setup, on the server of TEST_DATABASE_URL:
 * - a template database for this run, created with the C.UTF-8 locale the engine needs and
 *   migrated once (storage/postgres/), from which every storage a test opens gets its own
 *   database in a fraction of the time the migrations take (tests/helpers/postgres-setup.ts);
 * - at the end, every database of the run dropped (their names start with the run's prefix).
 * The run's prefix and the server URL reach the test files as `pgTestPrefix` and `pgTestUrl`.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PostgresStorage } from '../../storage/postgres/postgres-storage.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server URL (TEST_DATABASE_URL); undefined outside the PostgreSQL run. */
    pgTestUrl: string;
    /** The run's prefix: its template is `<prefix>_tmpl`, its databases `<prefix>_…`. */
    pgTestPrefix: string;
  }
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('npm run test:postgres needs TEST_DATABASE_URL (postgres://user@127.0.0.1:5432/postgres: a server where that user may create databases)');
  const prefix = `qaz_run_${process.pid}_${Date.now().toString(36)}`;
  const template = `${prefix}_tmpl`;
  await admin(base, (c) => c.query(`create database ${template} template template0 encoding 'UTF8' locale 'C.UTF-8'`));
  const url = new URL(base);
  url.pathname = `/${template}`;
  const migrated = await PostgresStorage.open({ url: url.toString() });
  await migrated.close();
  project.provide('pgTestUrl', base);
  project.provide('pgTestPrefix', prefix);
  return async () => {
    await admin(base, async (c) => {
      const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${prefix}%`]);
      for (const r of rows) await c.query(`drop database if exists ${r.datname} with (force)`);
    });
  };
}
