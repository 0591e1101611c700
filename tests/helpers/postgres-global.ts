/**
 * `npm run test:postgres`'s global setup: a fresh database on the server of
 * TEST_DATABASE_URL for this run (created with the C.UTF-8 locale the engine needs,
 * dropped at the end), handed to the test files as `pgTestUrl`.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgTestUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('npm run test:postgres needs TEST_DATABASE_URL (postgres://user@127.0.0.1:5432/postgres: a server where that user may create databases)');
  const name = `qaz_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template template0 encoding 'UTF8' locale 'C.UTF-8'`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  project.provide('pgTestUrl', url.toString());
  process.env.PG_TEST_URL = url.toString();
  return async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(`drop database if exists ${name} with (force)`);
    } finally {
      await c.end();
    }
  };
}
