/**
 * Databases on the PostgreSQL server of TEST_DATABASE_URL, for the tests that use
 * PostgreSQL directly (tests/postgres/: copies, several processes, restarts): each gets a
 * fresh database with the C.UTF-8 locale the engine needs, dropped by `drop()`.
 */
import pg from 'pg';

export interface TestDatabase {
  /** The new database's URL. */
  url: string;
  /** Drops it (with the connections still open to it). */
  drop(): Promise<void>;
}

/** The server URL the PostgreSQL tests use; throws naming the variable when it is not set. */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('this test needs TEST_DATABASE_URL: a PostgreSQL server where that user may create databases (npm run test:postgres)');
  return url;
}

let n = 0;

/** A fresh database on the server of `serverUrl` (default TEST_DATABASE_URL). */
export async function createTestDatabase(serverUrl = testServerUrl(), prefix = 'qaz_t'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${++n}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name} template template0 encoding 'UTF8' locale 'C.UTF-8'`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
