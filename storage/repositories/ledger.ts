/** The transparency log's tables (migration 001300; engine/ledger/). */
import type { LedgerCheckpointRecord, LedgerEntryRecord, LedgerRepository } from '../port.js';
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
const insertEntries = new Map<string, Omit<CompiledQuery, 'parameters'>>();
function insertOf(s: QuerySession, n: number): Omit<CompiledQuery, 'parameters'> {
  const builder = s.builder;
  const key = `${s.dialect}:${n}`;
  let q = insertEntries.get(key);
  if (!q) {
    const row = { position: 0, kind: '', case_id: '', ref: '', entry: '', leaf_hash: '' };
    const c = builder.insertInto('ledger_entries').values(Array.from({ length: n }, () => row)).compile();
    if (c.parameters.length !== n * 6) throw new Error('the entries INSERT has an unexpected shape');
    q = { sql: c.sql, query: c.query, queryId: c.queryId };
    insertEntries.set(key, q);
  }
  return q;
}

const INSERT_TREE_HEAD = template<{ size: number; root_hash: string; at: string }>((db, p) =>
  db.insertInto('ledger_tree_heads').values({ size: p.size, root_hash: p.root_hash, at: p.at }),
);

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
    async advanceHead(from, next) {
      const r = await s.execute(ADVANCE.bind(s.builder, { from, size: next.size, root_hash: next.rootHash, frontier: next.frontierJson, updated_at: next.updatedAt }));
      return affected(r) === 1;
    },
    async insertEntries(records) {
      // One statement per batch (a statement per entry cost a third of the log's time on the commit path).
      for (let i = 0; i < records.length; i += ENTRIES_PER_INSERT) {
        const chunk = records.slice(i, i + ENTRIES_PER_INSERT);
        const parameters: unknown[] = [];
        for (const e of chunk) parameters.push(e.position, e.kind, e.caseId, e.ref, e.entry, e.leafHash);
        await s.execute({ ...insertOf(s, chunk.length), parameters });
      }
    },
    async insertNodes(records) {
      if (records.length === 0) return;
      await s.execute(s.builder.insertInto('ledger_nodes').values(records.map((n) => ({ level: n.level, idx: n.index, hash: n.hash }))).compile());
    },
    async insertTreeHead(size, rootHash, at) {
      await s.execute(INSERT_TREE_HEAD.bind(s.builder, { size, root_hash: rootHash, at }));
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
