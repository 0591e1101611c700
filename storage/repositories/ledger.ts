/** The transparency log's tables (migration 001300; engine/ledger/). */
import type { LedgerAppend, LedgerCheckpointRecord, LedgerEntryRecord, LedgerRepository } from '../port.js';
import type { LedgerEntryRow } from '../schema.js';
import { sql, type CompiledQuery } from 'kysely';
import { affected, template, type QuerySession } from '../session.js';

const HEAD = template<Record<string, never>, { size: number; root_hash: string; frontier: string; updated_at: string }>((db) =>
  db.selectFrom('ledger_head').select(['size', 'root_hash', 'frontier', 'updated_at']).where('id', '=', 1),
);
const ADVANCE = template<{ from: number; size: number; root_hash: string; frontier: string; updated_at: string }>((db, p) =>
  db.updateTable('ledger_head').set({ size: p.size, root_hash: p.root_hash, frontier: p.frontier, updated_at: p.updated_at }).where('id', '=', 1).where('size', '=', p.from),
);
/** Rows per INSERT of a batch's entries (a group commit's batch is at most 256 units). */
const ENTRIES_PER_INSERT = 256;
/**
 * The multi-row INSERT of `n` entries, compiled once per `n` (its shape is its row count);
 * each run passes its values in row order, the columns of each row in this order (what
 * the compiled statement's placeholders are: tests/ledger/log.test.ts reads the rows back).
 * Per dialect too: a process that opens both (the db copy, its tests) must not run SQLite's
 * `?` placeholders on PostgreSQL.
 */
const insertStatements = new Map<string, Omit<CompiledQuery, 'parameters'>>();
function insertOf(s: QuerySession, n: number): Omit<CompiledQuery, 'parameters'> {
  const builder = s.builder;
  const key = `${s.dialect}:${n}`;
  let q = insertStatements.get(key);
  if (!q) {
    const row = { position: 0, kind: '', case_id: '', ref: '', entry: '', leaf_hash: '' };
    const c = builder.insertInto('ledger_entries').values(Array.from({ length: n }, () => row)).compile();
    if (c.parameters.length !== n * 6) throw new Error('the entries INSERT has an unexpected shape');
    q = { sql: c.sql, query: c.query, queryId: c.queryId };
    insertStatements.set(key, q);
  }
  return q;
}

const INSERT_TREE_HEAD = template<{ size: number; root_hash: string; at: string }>((db, p) =>
  db.insertInto('ledger_tree_heads').values({ size: p.size, root_hash: p.root_hash, at: p.at }),
);

/** One statement per chunk of a batch's entries (a statement per entry cost a third of the log's time on the commit path). */
async function insertEntries(s: QuerySession, records: readonly LedgerEntryRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += ENTRIES_PER_INSERT) {
    const chunk = records.slice(i, i + ENTRIES_PER_INSERT);
    const parameters: unknown[] = [];
    for (const e of chunk) parameters.push(e.position, e.kind, e.caseId, e.ref, e.entry, e.leafHash);
    await s.execute({ ...insertOf(s, chunk.length), parameters });
  }
}

/**
 * PostgreSQL: the whole append as ONE statement (data-modifying CTEs: the entries, the nodes
 * and the tree head inserted, the head advanced), each table's rows bound as one JSON array
 * whatever their count, so the statement has one shape and is prepared once per connection.
 * The sub-statements see the same snapshot and all run; the head's UPDATE is the statement's
 * own result, so its row count says whether the head was still at `from`. A failure of any
 * part (a duplicate position, the append-only tripwires) fails the whole statement.
 */
async function appendPostgres(s: QuerySession, p: LedgerAppend): Promise<boolean> {
  const entries = JSON.stringify(p.entries.map((e) => ({ position: e.position, kind: e.kind, case_id: e.caseId, ref: e.ref, entry: e.entry, leaf_hash: e.leafHash })));
  const nodes = JSON.stringify(p.nodes.map((n) => ({ level: n.level, idx: n.index, hash: n.hash })));
  const q = sql`with e as (
      insert into ledger_entries (position, kind, case_id, ref, entry, leaf_hash)
      select position, kind, case_id, ref, entry, leaf_hash
      from json_to_recordset(${entries}::json) as r(position bigint, kind text, case_id text, ref text, entry text, leaf_hash text)
    ), n as (
      insert into ledger_nodes (level, idx, hash)
      select level, idx, hash from json_to_recordset(${nodes}::json) as r(level integer, idx bigint, hash text)
    ), t as (
      insert into ledger_tree_heads (size, root_hash, at) values (${p.next.size}, ${p.next.rootHash}, ${p.next.updatedAt})
    )
    update ledger_head set size = ${p.next.size}, root_hash = ${p.next.rootHash}, frontier = ${p.next.frontierJson}, updated_at = ${p.next.updatedAt}
    where id = 1 and size = ${p.from}`.compile(s.builder);
  return affected(await s.execute(q)) === 1;
}

function entryFromRow(r: LedgerEntryRow): LedgerEntryRecord {
  return { position: r.position, kind: r.kind, caseId: r.case_id, ref: r.ref, entry: r.entry, leafHash: r.leaf_hash };
}

export function ledgerRepository(s: QuerySession): LedgerRepository {
  return {
    async head() {
      const row = (await s.execute(HEAD.bind(s.builder, {}))).rows[0];
      if (!row) throw new Error('the log has no head row (migration 001300 not applied?)');
      return { size: row.size, rootHash: row.root_hash, frontierJson: row.frontier, updatedAt: row.updated_at };
    },
    async append(p) {
      if (s.dialect === 'postgres') return appendPostgres(s, p);
      await insertEntries(s, p.entries);
      if (p.nodes.length > 0) {
        await s.execute(s.builder.insertInto('ledger_nodes').values(p.nodes.map((n) => ({ level: n.level, idx: n.index, hash: n.hash }))).compile());
      }
      await s.execute(INSERT_TREE_HEAD.bind(s.builder, { size: p.next.size, root_hash: p.next.rootHash, at: p.next.updatedAt }));
      const r = await s.execute(ADVANCE.bind(s.builder, { from: p.from, size: p.next.size, root_hash: p.next.rootHash, frontier: p.next.frontierJson, updated_at: p.next.updatedAt }));
      return affected(r) === 1;
    },
    async entries(from, limit) {
      const q = s.builder.selectFrom('ledger_entries').selectAll().where('position', '>=', from).orderBy('position').limit(limit);
      return (await s.execute(q.compile())).rows.map(entryFromRow);
    },
    async casesBetween(start, end) {
      const q = s.builder
        .selectFrom('ledger_entries')
        .select('case_id')
        .distinct()
        .where('position', '>=', start)
        .where('position', '<', end)
        .where('case_id', 'is not', null);
      return (await s.execute(q.compile())).rows.map((r) => r.case_id!);
    },
    async entriesOfCase(caseId) {
      // Its events' entries by their positions (the events' primary key), the others by the partial index.
      const events = s.builder
        .selectFrom('events')
        .innerJoin('ledger_entries', 'ledger_entries.position', 'events.log_position')
        .selectAll('ledger_entries')
        .where('events.case_id', '=', caseId);
      const others = s.builder
        .selectFrom('ledger_entries')
        .selectAll()
        .where('case_id', '=', caseId)
        .where(sql<boolean>`kind NOT IN ('event', 'read')`);
      const rows = [...(await s.execute(events.compile())).rows, ...(await s.execute(others.compile())).rows];
      return rows.sort((a, b) => a.position - b.position).map(entryFromRow);
    },
    async leafHashes(start, end) {
      if (end <= start) return [];
      const q = s.builder.selectFrom('ledger_entries').select('leaf_hash').where('position', '>=', start).where('position', '<', end).orderBy('position');
      return (await s.execute(q.compile())).rows.map((r) => r.leaf_hash);
    },
    async nodes(level, start, end) {
      if (end <= start) return [];
      const q = s.builder.selectFrom('ledger_nodes').select('hash').where('level', '=', level).where('idx', '>=', start).where('idx', '<', end).orderBy('idx');
      return (await s.execute(q.compile())).rows.map((r) => r.hash);
    },
    async treeHead(size) {
      const q = s.builder.selectFrom('ledger_tree_heads').select('root_hash').where('size', '=', size);
      return (await s.execute(q.compile())).rows[0]?.root_hash;
    },
    async treeHeads(afterSize, limit) {
      const q = s.builder.selectFrom('ledger_tree_heads').select(['size', 'root_hash']).where('size', '>', afterSize).orderBy('size').limit(limit);
      return (await s.execute(q.compile())).rows.map((r) => ({ size: r.size, rootHash: r.root_hash }));
    },
    async insertCheckpoint(c: LedgerCheckpointRecord) {
      const q = s.builder.insertInto('ledger_checkpoints').values({ size: c.size, root_hash: c.rootHash, signed_at: c.signedAt, note: c.note }).returning('id');
      return (await s.execute(q.compile())).rows[0]!.id;
    },
    async checkpoints(afterId, limit) {
      const q = s.builder.selectFrom('ledger_checkpoints').selectAll().where('id', '>', afterId).orderBy('id').limit(limit);
      return (await s.execute(q.compile())).rows.map((r) => ({ id: r.id, size: r.size, rootHash: r.root_hash, signedAt: r.signed_at, note: r.note }));
    },
    async latestCheckpoint() {
      const q = s.builder.selectFrom('ledger_checkpoints').selectAll().orderBy('id', 'desc').limit(1);
      const r = (await s.execute(q.compile())).rows[0];
      return r ? { id: r.id, size: r.size, rootHash: r.root_hash, signedAt: r.signed_at, note: r.note } : undefined;
    },
  };
}
