import { sql, type Kysely } from 'kysely';
import { autoIncrementId, createRefusalFunction, isPostgres, positionType } from './dialect.js';

/**
 * The transparency log (issue 16; engine/ledger/, docs/audit.md). Frozen: never edit, add a new file.
 *
 * - `ledger_entries`: one row per log entry, its `position` the leaf index of an RFC 9162
 *   Merkle tree over every entry (0, 1, 2, … without gaps). `entry` is the canonical JSON the
 *   leaf hash is computed from (engine/ledger/entries.ts: an event by its chain hash, a
 *   message by the sha-256 of its content, …: no personal data). A case's entries are found
 *   again (verify) through `events.log_position` for its events, and through the partial
 *   index `ledger_entries_case` for the rest (messages, attempts): an index over every entry
 *   by case cost a random page write per command, about 6% of the throughput.
 * - `events.log_position`: the position of the event's entry, written with the event (the
 *   batch knows the positions it is handing out: engine/ledger/entries.ts). Not hashed: it
 *   is where the event is in the log, and the log's entry says what the event was.
 * - `ledger_head`: ONE row (id 1): the tree's size, root and right edge after the last
 *   commit. Positions come from it and from nothing else: every transaction that appends
 *   reads and advances it (on SQLite under the database's write lock; on PostgreSQL it is
 *   the row every appending transaction locks), so several server processes sharing one
 *   database take their positions from the same counter, in commit order.
 * - `ledger_tree_heads`: the size and root after each commit batch that appended.
 * - `ledger_nodes`: the roots of the complete aligned subtrees of 2^8 and 2^16 leaves, so
 *   that a proof reads at most a few hundred hashes per level instead of every leaf.
 * - `ledger_checkpoints`: the signed checkpoints (C2SP signed notes) this database issued.
 *   The copies that count are the ones published outside it (LEDGER_CHECKPOINTS).
 *
 * Tripwires: triggers refuse UPDATE and DELETE on the history (`events`, `delivery_attempts`,
 * `case_reads`), on every log table, and DELETE on `cases` and `outbox`; `ledger_head` may
 * only grow. They stop a careless statement or an honest bug, not someone who edits the
 * file (who can drop them): the signed checkpoints kept outside are what detects that.
 */
const APPEND_ONLY = ['delivery_attempts', 'case_reads', 'ledger_entries', 'ledger_tree_heads', 'ledger_nodes', 'ledger_checkpoints'] as const;
const NEVER_DELETED = ['cases', 'outbox', 'ledger_head'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_entries')
    .addColumn('position', positionType(db), (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ledger_entries_case')
    .on('ledger_entries')
    .columns(['case_id', 'position'])
    .where(sql<boolean>`kind NOT IN ('event', 'read')`)
    .execute();
  await db.schema.alterTable('events').addColumn('log_position', positionType(db)).execute();
  await db.schema
    .createTable('ledger_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('size', positionType(db), (c) => c.notNull())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('frontier', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The empty tree: MTH({}) = SHA-256 of nothing.
  await db
    .insertInto('ledger_head')
    .values({ id: 1, size: 0, root_hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', frontier: '{"size":0,"hashes":[]}', updated_at: '1970-01-01T00:00:00.000Z' })
    .execute();
  await db.schema
    .createTable('ledger_tree_heads')
    .addColumn('size', positionType(db), (c) => c.primaryKey())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ledger_nodes')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', positionType(db), (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_nodes_pk', ['level', 'idx'])
    .execute();
  await db.schema
    .createTable('ledger_checkpoints')
    .$call(autoIncrementId(db))
    .addColumn('size', positionType(db), (c) => c.notNull())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_checkpoints_size').on('ledger_checkpoints').columns(['size', 'id']).execute();
  if (isPostgres(db)) {
    await tripwiresPostgres(db);
    return;
  }

  for (const table of APPEND_ONLY) {
    for (const verb of ['UPDATE', 'DELETE'] as const) {
      await sql
        .raw(
          `CREATE TRIGGER ${table}_no_${verb.toLowerCase()} BEFORE ${verb} ON ${table} ` +
            `BEGIN SELECT RAISE(ABORT, '${table} is append-only: a mistake is corrected by a later entry (migration 001300)'); END`,
        )
        .execute(db);
    }
  }
  // Events: never deleted; updated only to give an event of a database older than the log
  // its position once (the adoption, engine/ledger/log.ts), every other column unchanged.
  await sql
    .raw(
      `CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only: a mistake is corrected by a later entry (migration 001300)'); END`,
    )
    .execute(db);
  const same = ['case_id', 'seq', 'type', 'payload', 'role', 'actor', 'occurred_at', 'recorded_at', 'prev_hash', 'hash', 'backdating_reason', 'calendar_version'].map((c) => `NEW.${c} IS NOT OLD.${c}`);
  await sql
    .raw(
      `CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN OLD.log_position IS NOT NULL OR NEW.log_position IS NULL OR ${same.join(' OR ')} ` +
        `BEGIN SELECT RAISE(ABORT, 'events is append-only: a mistake is corrected by a later entry (migration 001300)'); END`,
    )
    .execute(db);
  for (const table of NEVER_DELETED) {
    await sql
      .raw(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, 'rows of ${table} are never deleted (migration 001300)'); END`)
      .execute(db);
  }
  await sql
    .raw(
      `CREATE TRIGGER ledger_head_only_grows BEFORE UPDATE ON ledger_head WHEN NEW.size < OLD.size OR NEW.id <> OLD.id ` +
        `BEGIN SELECT RAISE(ABORT, 'the log only grows (migration 001300)'); END`,
    )
    .execute(db);
}

/** The same tripwires on PostgreSQL: row triggers calling `refuse_change`, and TRUNCATE refused too. */
async function tripwiresPostgres(db: Kysely<any>): Promise<void> {
  await createRefusalFunction(db);
  const refuse = (name: string, when: string, table: string, message: string, condition?: string) =>
    sql
      .raw(
        `CREATE TRIGGER ${name} BEFORE ${when} ON ${table} FOR EACH ${when === 'TRUNCATE' ? 'STATEMENT' : 'ROW'} ` +
          `${condition ? `WHEN (${condition}) ` : ''}EXECUTE FUNCTION refuse_change('${message}')`,
      )
      .execute(db);
  const appendOnly = (table: string) => `${table} is append-only: a mistake is corrected by a later entry (migration 001300)`;
  for (const table of APPEND_ONLY) {
    for (const verb of ['UPDATE', 'DELETE', 'TRUNCATE'] as const) await refuse(`${table}_no_${verb.toLowerCase()}`, verb, table, appendOnly(table));
  }
  await refuse('events_no_delete', 'DELETE', 'events', appendOnly('events'));
  await refuse('events_no_truncate', 'TRUNCATE', 'events', appendOnly('events'));
  const same = ['case_id', 'seq', 'type', 'payload', 'role', 'actor', 'occurred_at', 'recorded_at', 'prev_hash', 'hash', 'backdating_reason', 'calendar_version'].map(
    (c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`,
  );
  await refuse('events_no_update', 'UPDATE', 'events', appendOnly('events'), `OLD.log_position IS NOT NULL OR NEW.log_position IS NULL OR ${same.join(' OR ')}`);
  for (const table of NEVER_DELETED) {
    await refuse(`${table}_no_delete`, 'DELETE', table, `rows of ${table} are never deleted (migration 001300)`);
    await refuse(`${table}_no_truncate`, 'TRUNCATE', table, `rows of ${table} are never deleted (migration 001300)`);
  }
  await refuse('ledger_head_only_grows', 'UPDATE', 'ledger_head', 'the log only grows (migration 001300)', 'NEW.size < OLD.size OR NEW.id <> OLD.id');
}
