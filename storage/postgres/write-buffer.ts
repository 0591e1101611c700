/**
 * A batch's appends of events and updates of cases, sent to PostgreSQL as one statement
 * each instead of one per command (issue 17: the batch's statements run one after the other
 * on its connection, so their count, not their size, is what a batch waits for).
 *
 * Contract (postgres-storage.ts keeps it): the buffer is flushed before every other
 * statement of the batch, before its savepoints, rollbacks to savepoints and COMMIT, and at
 * the latest in the next turn of the event loop, so the database executes the batch's
 * statements in the order they were called, and a caller waiting for a buffered write is
 * answered without anybody else having to send anything. A write's promise settles with
 * its flush: an append resolves, an update resolves true if the case had the expected seq
 * (false if not, as `updateIfSeq` does); a failed flush rejects every write in it.
 */
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { CASE_UPDATABLE } from '../mappers.js';
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
  #updates = new Map<string, { expectedSeq: number; row: CaseRow; done: Pending<boolean> }>();
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

  /** The case's new row if its seq is still `expectedSeq`: every updatable column is written (PostgreSQL keeps the update HOT for the unchanged ones). */
  updateCase(expectedSeq: number, row: CaseRow): Promise<boolean> {
    // One row per case in a statement: a second update of a case sends the first one before it.
    if (this.#updates.has(row.id)) this.flush();
    return new Promise<boolean>((resolve, reject) => {
      this.#updates.set(row.id, { expectedSeq, row, done: { resolve, reject } });
      this.#schedule();
    });
  }

  /** Sends what is buffered (updates of cases first, as each command wrote them: its case, then its event). */
  flush(): void {
    if (this.empty) return;
    const updates = [...this.#updates.values()];
    const events = this.#events;
    this.#updates = new Map();
    this.#events = [];
    if (updates.length > 0) {
      const json = JSON.stringify(updates.map((u) => ({ ...nulls(u.row), expected_seq: u.expectedSeq })));
      const set = sql.join(CASE_UPDATABLE.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`));
      const q = sql<{ id: string }>`update cases as c set ${set}
        from jsonb_populate_recordset(null::cases, ${json}::jsonb) as v
        join jsonb_to_recordset(${json}::jsonb) as x(id text, expected_seq bigint) on x.id = v.id
        where c.id = v.id and c.seq = x.expected_seq
        returning c.id`.compile(this.#builder);
      this.#send(q).then(
        (r) => {
          const done = new Set(r.rows.map((x) => x.id));
          for (const u of updates) u.done.resolve(done.has(u.row.id));
        },
        (e: unknown) => {
          for (const u of updates) u.done.reject(e);
        },
      );
    }
    if (events.length > 0) {
      const json = JSON.stringify(events.map((e) => nulls(e.row)));
      const columns = sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)));
      const q = sql`insert into events (${columns})
        select ${columns} from jsonb_populate_recordset(null::events, ${json}::jsonb)`.compile(this.#builder);
      this.#send(q).then(
        () => {
          for (const e of events) e.done.resolve();
        },
        (err: unknown) => {
          for (const e of events) e.done.reject(err);
        },
      );
    }
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

/** JSON has no `undefined`: an absent value is the column's NULL, as a bound parameter would be. */
function nulls<T extends object>(row: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === undefined ? null : v;
  return out;
}
