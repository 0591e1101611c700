import type { CaseReadRecord, CaseReadRepository } from '../port.js';
import { insertRows, type QuerySession } from '../session.js';

export function caseReadRepository(s: QuerySession): CaseReadRepository {
  return {
    async insertMany(records) {
      await insertRows(
        s,
        'case_reads',
        records.map((r) => ({ case_id: r.caseId, actor: r.actor, role: r.role, route: r.route, read_at: r.readAt })),
      );
    },
    async list(caseId) {
      let q = s.builder.selectFrom('case_reads').select(['case_id', 'actor', 'role', 'route', 'read_at']);
      if (caseId !== undefined) q = q.where('case_id', '=', caseId);
      const rows = (await s.execute(q.orderBy('id').compile())).rows;
      return rows.map((r): CaseReadRecord => ({ caseId: r.case_id, actor: r.actor, role: r.role, route: r.route, readAt: r.read_at }));
    },
    async pageAll(afterId, limit) {
      const q = s.builder.selectFrom('case_reads').select(['id', 'case_id', 'actor', 'role', 'route', 'read_at']).where('id', '>', afterId).orderBy('id').limit(limit);
      return (await s.execute(q.compile())).rows.map((r) => ({ id: r.id, caseId: r.case_id, actor: r.actor, role: r.role, route: r.route, readAt: r.read_at }));
    },
  };
}
