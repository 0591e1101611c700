/**
 * How the repositories run SQL: every query is written once with Kysely's builder and run
 * as a `CompiledQuery` through a `QuerySession`, which an adapter provides (storage/sqlite/).
 * One code path per query whatever the dialect or the kind of session (a batch's
 * transaction or a read outside it).
 *
 * The per-command queries are `template`s: built and compiled once per dialect, then bound
 * to new values. Building and compiling a Kysely query costs more than running these small
 * statements on SQLite (about 8 µs against 1–2 µs, measured on this project's machine), and
 * the few statements of every command are most of the engine's storage time.
 */
import { PostgresAdapter, type CompiledQuery, type Compilable, type Insertable, type Kysely, type RootOperationNode } from 'kysely';
import type { Database } from './schema.js';

/** The SQL dialects the repositories are written for. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * The dialect of a Kysely instance (a migration's `db`, a session's builder). Migrations
 * and the few dialect-specific queries branch on it; everything else is one text.
 */
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** The rows of a select, or the count a write changed. */
export interface QueryResult<R> {
  rows: R[];
  numAffectedRows?: bigint;
}

/** Runs compiled queries in one connection context (a batch's transaction, or reads outside one). */
export interface QuerySession {
  /** Builds queries for this session's dialect; never executes anything itself. */
  readonly builder: Kysely<Database>;
  /** The builder's dialect (`dialectOf(builder)`), for the queries that differ. */
  readonly dialect: Dialect;
  execute<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** A named placeholder in a template, replaced by the bound value at each run. */
class Slot {
  constructor(readonly name: string) {}
}

interface Compiled {
  sql: string;
  query: RootOperationNode;
  queryId: CompiledQuery['queryId'];
  /** Per parameter: the name of the argument it takes, or a constant the builder put in. */
  slots: ({ arg: string } | { value: unknown })[];
}

/** The arguments of a template, as placeholders while it is built. */
export type Placeholders<A> = { readonly [K in keyof A]: A[K] };

/**
 * A query written once (`build` receives placeholders in place of its arguments), compiled
 * once per builder (dialect), and bound to new arguments for each run.
 *
 * `build` must use each argument only as a value (a parameter of the compiled query), never
 * to choose the query's shape: the shape is fixed when it is first compiled.
 *
 * @example
 * const FIND = template<{ id: string }, CaseRow>((db, p) => db.selectFrom('cases').selectAll().where('id', '=', p.id));
 * const { rows } = await session.execute(FIND.bind(session.builder, { id }));
 */
export function template<A extends Record<string, unknown>, R = unknown>(build: (db: Kysely<Database>, p: Placeholders<A>) => Compilable<unknown>) {
  const compiled = new WeakMap<object, Compiled>();
  const placeholders = new Proxy({} as Placeholders<A>, {
    get: (_target, name) => new Slot(String(name)),
  });
  const compile = (db: Kysely<Database>): Compiled => {
    const q = build(db, placeholders).compile();
    return {
      sql: q.sql,
      query: q.query,
      queryId: q.queryId,
      slots: q.parameters.map((v) => (v instanceof Slot ? { arg: v.name } : { value: v })),
    };
  };
  return {
    bind(db: Kysely<Database>, args: A): CompiledQuery<R> {
      let c = compiled.get(db);
      if (!c) {
        c = compile(db);
        compiled.set(db, c);
      }
      const parameters = c.slots.map((s) => {
        if ('value' in s) return s.value;
        const v = args[s.arg];
        if (v === undefined) throw new Error(`template argument ${s.arg} is missing`);
        return v;
      });
      return { sql: c.sql, query: c.query, queryId: c.queryId, parameters };
    },
  };
}

/**
 * Every column of a row type, checked complete by the compiler (a `Record` of all keys), for
 * templates that name each column: placeholders are a proxy, so `{...p}` has no keys.
 */
export function columnsOf<Row>(all: Record<keyof Row & string, true>): (keyof Row & string)[] {
  return Object.keys(all) as (keyof Row & string)[];
}

/** `{column: placeholder}` for each of `columns`: the values of an insert template. */
export function slotsFor<Row>(p: Placeholders<Row>, columns: readonly (keyof Row & string)[]): Row {
  return Object.fromEntries(columns.map((c) => [c, p[c]])) as Row;
}

/** The count a write changed (0 when the driver did not say). */
export function affected(r: QueryResult<unknown>): number {
  return Number(r.numAffectedRows ?? 0);
}

/** The most bound parameters one statement may carry (SQLite's limit; PostgreSQL allows more). */
const MAX_PARAMETERS = 32_766;

/**
 * Bulk loads: `rows` in multi-row INSERTs, as many rows per statement as the parameter limit
 * allows for rows of this width (at most 500, which is where larger statements stop paying).
 */
export async function insertRows<T extends keyof Database & string>(
  s: QuerySession,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const perStatement = Math.max(1, Math.min(500, Math.floor(MAX_PARAMETERS / Object.keys(first).length)));
  for (let i = 0; i < rows.length; i += perStatement) {
    // The table's row type is known only generically here; Kysely checks the columns per call site.
    await s.execute(s.builder.insertInto(table).values(rows.slice(i, i + perStatement) as never).compile());
  }
}
