import type { CaseReadRecord, CaseReadRepository } from '../port.js';
import type { QuerySession } from '../session.js';

/** Rows per multi-row insert (6 parameters each; SQLite allows 32,766 per statement). */
const ROWS_PER_INSERT = 500;

export function caseReadRepository(s: QuerySession): CaseReadRepository {
  return {
    async insertMany(records) {
      for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
        const rows = records.slice(i, i + ROWS_PER_INSERT).map((r) => ({
          case_id: r.caseId,
          actor: r.actor,
          role: r.role,
          route: r.route,
          read_at: r.readAt,
        }));
        await s.execute(s.builder.insertInto('case_reads').values(rows).compile());
      }
    },
    async list(caseId) {
      let q = s.builder.selectFrom('case_reads').select(['case_id', 'actor', 'role', 'route', 'read_at']);
      if (caseId !== undefined) q = q.where('case_id', '=', caseId);
      const rows = (await s.execute(q.orderBy('id').compile())).rows;
      return rows.map((r): CaseReadRecord => ({ caseId: r.case_id, actor: r.actor, role: r.role, route: r.route, readAt: r.read_at }));
    },
  };
}
