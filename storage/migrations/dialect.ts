/**
 * What the migrations spell differently on PostgreSQL (issue 17). The SQLite statements of
 * every migration are exactly what they were before PostgreSQL was added (a SQLite
 * database migrated earlier is the same as one migrated now); a PostgreSQL database gets
 * the same tables, columns, keys and indexes in its own syntax where SQLite's does not
 * parse there: auto-increment ids, 64-bit positions, generated columns, triggers, search.
 */
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import { dialectOf } from '../session.js';

export const isPostgres = (db: Kysely<any>): boolean => dialectOf(db) === 'postgres';

/**
 * An `id` primary key that numbers new rows: SQLite's `integer primary key autoincrement`;
 * PostgreSQL's `bigserial` (read back as a JS number: storage/postgres/ parses int8).
 */
export function autoIncrementId(db: Kysely<any>) {
  return <T extends string>(t: CreateTableBuilder<T, any>) =>
    isPostgres(db) ? t.addColumn('id', 'bigserial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** A column of log positions and sizes: 64-bit on PostgreSQL (its `integer` stops at 2^31); SQLite's integer is 64-bit already. */
export function positionType(db: Kysely<any>): 'integer' | 'bigint' {
  return isPostgres(db) ? 'bigint' : 'integer';
}

/**
 * PostgreSQL's refusal of a statement by a trigger: one function raising the trigger's
 * argument as the error (SQLite writes `RAISE(ABORT, …)` inline in each trigger).
 */
export async function createRefusalFunction(db: Kysely<any>): Promise<void> {
  await sql`create or replace function refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception '%', tg_argv[0] using errcode = 'restrict_violation';
    end
  $$`.execute(db);
}
