/**
 * A batch's appends of events and updates of cases, sent to PostgreSQL as one statement
 * for all instead of two per command (issue 17: the batch's statements run one after the other
 * on its connection, so their count, not their size, is what a batch waits for).
 *
 * Contract (postgres-storage.ts keeps it): the buffer is flushed before every other
 * statement of the batch, before its savepoints, rollbacks to savepoints and COMMIT, and at
 * the latest in the next turn of the event loop, so the database executes the batch's
 * statements in the order they were called, and a caller waiting for a buffered write is
 * answered without anybody else having to send anything. A write's promise settles with
 * its flush: an append resolves, an update resolves true if the case had the expected seq
 * (false if not, as `updateIfSeq` does); a failed flush rejects every write in it. A flush
 * is one statement, whatever it holds (see `flush`).
 */
import { sql, type CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import { CASE_UPDATABLE, type CaseUpdatableColumn } from '../mappers.js';
import { derivedSet } from './derived.js';
import type { CaseRow, Database, EventRow } from '../schema.js';
import { columnsOf, type QueryResult } from '../session.js';

/** Every column of `events` (columnsOf refuses a list that misses one). */
const EVENT_COLUMNS = columnsOf<EventRow>({
  case_id: true,
  seq: true,
  type: true,
  payload: true,
  role: true,
  actor: true,
  occurred_at: true,
  recorded_at: true,
  prev_hash: true,
  hash: true,
  backdating_reason: true,
  calendar_version: true,
  log_position: true,
});

/** Sends one statement in the batch's turn (and not through the buffer). */
export type Send = <R>(query: CompiledQuery<R>) => Promise<QueryResult<R>>;

interface Pending<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

export class WriteBuffer {
  readonly #builder: Kysely<Database>;
  readonly #send: Send;
  #events: { row: EventRow; done: Pending<void> }[] = [];
  #updates = new Map<string, { expectedSeq: number; id: string; row: Record<string, unknown>; done: Pending<boolean> }>();
  #scheduled = false;

  constructor(builder: Kysely<Database>, send: Send) {
    this.#builder = builder;
    this.#send = send;
  }

  get empty(): boolean {
    return this.#events.length === 0 && this.#updates.size === 0;
  }

  appendEvent(row: EventRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#events.push({ row, done: { resolve, reject } });
      this.#schedule();
    });
  }

  /**
   * The case's new row if its seq is still `expectedSeq`. Every updatable column is written
   * (PostgreSQL keeps the update HOT for the unchanged ones), but with `before` (the row at
   * `expectedSeq`, as the caller read it in this batch) the large columns that did not change
   * (`KEPT`: the snapshot and the context, most of a row's bytes) are not sent: the
   * statement keeps the stored value, which is the same, since the row is updated only if
   * its seq is still `expectedSeq`.
   */
  updateCase(expectedSeq: number, row: CaseRow, before?: CaseRow): Promise<boolean> {
    // One row per case in a statement: a second update of a case sends the first one before it.
    if (this.#updates.has(row.id)) this.flush();
    // The key and the columns the statement sets, nothing else (the creation fields never change).
    const sent: Record<string, unknown> = { id: row.id };
    for (const c of CASE_UPDATABLE) sent[c] = before && KEPT_SET.has(c) && row[c] === before[c] ? null : (row[c] ?? null);
    return new Promise<boolean>((resolve, reject) => {
      this.#updates.set(row.id, { expectedSeq, row: sent, id: row.id, done: { resolve, reject } });
      this.#schedule();
    });
  }

  /**
   * Sends what is buffered as ONE statement: the updates of the cases and the appends of the
   * events as data-modifying CTEs of one query (one round trip, where two statements took
   * two), each table's rows bound once as a JSON array (`json`, not `jsonb`: read once, it
   * needs no binary form). The parts see the same snapshot and both run: an append does not depend on the update of its case (a command appends only
   * after reading its case current in this batch), and a failure of either fails both.
   */
  flush(): void {
    if (this.empty) return;
    const updates = [...this.#updates.values()];
    const events = this.#events;
    this.#updates = new Map();
    this.#events = [];
    const update =
      updates.length > 0
        ? sql`update cases as c set ${sql.join(CASE_UPDATABLE.map((col) => sql`${sql.ref(col)} = ${valueOf(col)}`))}, ${derivedSet('c', sql`v.status`, valueOf('context'))}
          from json_populate_recordset(null::cases, ${JSON.stringify(updates.map((u) => u.row))}::json) as v
          join unnest(${updates.map((u) => u.id)}::text[], ${updates.map((u) => u.expectedSeq)}::bigint[]) as x(id, expected_seq) on x.id = v.id
          where c.id = v.id and c.seq = x.expected_seq
          returning c.id`
        : undefined;
    const columns = sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)));
    const insert =
      events.length > 0
        ? sql`insert into events (${columns})
          select ${columns} from json_populate_recordset(null::events, ${JSON.stringify(events.map((e) => nulls(e.row)))}::json)`
        : undefined;
    const q = (update && insert ? sql<{ id: string }>`with u as (${update}), i as (${insert}) select id from u` : (update ?? insert)!).compile(this.#builder) as CompiledQuery<{ id: string }>;
    this.#send(q).then(
      (r) => {
        const done = new Set(update ? r.rows.map((x) => x.id) : []);
        for (const u of updates) u.done.resolve(done.has(u.id));
        for (const e of events) e.done.resolve();
      },
      (e: unknown) => {
        for (const u of updates) u.done.reject(e);
        for (const ev of events) ev.done.reject(e);
      },
    );
  }

  /** Rejects what is buffered (the batch is over without it). */
  discard(reason: Error): void {
    for (const u of this.#updates.values()) u.done.reject(reason);
    for (const e of this.#events) e.done.reject(reason);
    this.#updates = new Map();
    this.#events = [];
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }
}

/**
 * The columns an update leaves out when they did not change (sent as null: both are NOT
 * NULL, so null can only mean "kept").
 */
const KEPT = ['snapshot', 'context'] as const satisfies readonly CaseUpdatableColumn[];
const KEPT_SET: ReadonlySet<string> = new Set(KEPT);

/** A column's new value in the update: the row's, or for a `KEPT` one sent as null, the stored one. */
function valueOf(col: CaseUpdatableColumn): RawBuilder<unknown> {
  return KEPT_SET.has(col) ? sql`coalesce(v.${sql.ref(col)}, c.${sql.ref(col)})` : sql`v.${sql.ref(col)}`;
}

/** JSON has no `undefined`: an absent value is the column's NULL, as a bound parameter would be. */
function nulls<T extends object>(row: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === undefined ? null : v;
  return out;
}
