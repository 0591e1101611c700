import { sql, type Kysely } from 'kysely';
import { ledgerRowsOf } from '../ledger-rows.js';
import { ledgerToRow } from '../mappers.js';
import type { QuerySession } from '../session.js';
import { dialectOf, insertRows } from '../session.js';
import type { DeadlineLedgerRecord } from '../port.js';

/**
 * The deadline ledger (issue 15 §2, the on-time report). Frozen: never edit, add a new file.
 *
 * - `deadline_ledger`: one row per (case, deadline key, turn): every deadline a case's
 *   context holds (`deadlines`, and the past turns of P4's `rework` in `deadlineHistory`),
 *   with its procedure, the case's unit, from, last day, due instant, status, open, closedAt,
 *   the lateness of a late close (shortfall amount and unit), the extensions applied (P3
 *   `extend`) and the calendar version. A projection of the context (storage/ledger-rows.ts),
 *   kept in step by the runner in the same unit of work as the case
 *   (engine/deadline-ledger.ts); this migration derives it for the cases already stored.
 * - `deadline_ledger_report` (last_day, procedure, key, unit, open, status, due_at,
 *   extensions, extension_days, lateness_amount, lateness_unit): the report selects a range
 *   of last days and counts per group from the index alone (it covers both of the report's
 *   queries), whatever the number of cases. PostgreSQL: the same index (or a
 *   BRIN on last_day for very large tables).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deadline_ledger')
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('procedure', 'text', (c) => c.notNull())
    .addColumn('unit', 'text')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('from_at', 'text', (c) => c.notNull())
    .addColumn('last_day', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('open', 'integer', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('lateness_amount', 'integer')
    .addColumn('lateness_unit', 'text')
    .addColumn('extensions', 'integer', (c) => c.notNull())
    .addColumn('extension_days', 'integer', (c) => c.notNull())
    .addColumn('calendar_version', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deadline_ledger_pk', ['case_id', 'key', 'turn'])
    .execute();
  await db.schema
    .createIndex('deadline_ledger_report')
    .on('deadline_ledger')
    .columns(['last_day', 'procedure', 'key', 'unit', 'open', 'status', 'due_at', 'extensions', 'extension_days', 'lateness_amount', 'lateness_unit'])
    .execute();
  await backfillDeadlineLedger({ builder: db, dialect: dialectOf(db), execute: (q) => db.executeQuery(q) });
}

type Chunk = { k: number | string; id: string; procedure: string; unit: string | null; context: string };

/** Cases read per round of the backfill (bounds its memory on a large database). */
const CHUNK = 1000;

/**
 * Derives the ledger rows of every stored case from its context and inserts them (the
 * ledger must be empty). Returns the number of rows. Used by `up` and by the repository's
 * `rebuild` (tests compare it with what the runner's sync wrote).
 */
export async function backfillDeadlineLedger(s: QuerySession): Promise<number> {
  let after: number | string = s.dialect === 'sqlite' ? 0 : '';
  let total = 0;
  for (;;) {
    // SQLite walks its rowids (the insertion order); PostgreSQL, which has none, the ids.
    const q =
      s.dialect === 'sqlite'
        ? sql<Chunk>`select rowid as k, id, procedure, unit, context from cases where rowid > ${after} order by rowid limit ${CHUNK}`.compile(s.builder)
        : sql<Chunk>`select id as k, id, procedure, unit, context from cases where id > ${after} order by id limit ${CHUNK}`.compile(s.builder);
    const { rows } = await s.execute(q);
    if (rows.length === 0) return total;
    const ledger: DeadlineLedgerRecord[] = [];
    for (const r of rows) {
      ledger.push(...ledgerRowsOf({ id: r.id, procedure: r.procedure, unit: r.unit, context: JSON.parse(r.context) as Record<string, unknown> }));
    }
    await insertRows(s, 'deadline_ledger', ledger.map(ledgerToRow));
    total += ledger.length;
    after = rows[rows.length - 1]!.k;
  }
}
