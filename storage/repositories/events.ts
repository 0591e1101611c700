import { eventFromRow, eventToRow } from '../mappers.js';
import type { EventRepository } from '../port.js';
import type { EventRow } from '../schema.js';
import { columnsOf, slotsFor, template, type QuerySession } from '../session.js';

const EVENTROW_COLUMNS = columnsOf<EventRow>({ case_id: true, seq: true, type: true, payload: true, role: true, actor: true, occurred_at: true, recorded_at: true, prev_hash: true, hash: true, backdating_reason: true });
const APPEND = template<EventRow>((db, p) => db.insertInto('events').values(slotsFor(p, EVENTROW_COLUMNS)));

export function eventRepository(s: QuerySession): EventRepository {
  return {
    async append(record) {
      await s.execute(APPEND.bind(s.builder, eventToRow(record)));
    },
    async list(caseId, uptoSeq) {
      let q = s.builder.selectFrom('events').selectAll().where('case_id', '=', caseId);
      if (uptoSeq !== undefined) q = q.where('seq', '<=', uptoSeq);
      return (await s.execute(q.orderBy('seq').compile())).rows.map(eventFromRow);
    },
    async page(caseId, after, limit, uptoSeq) {
      let q = s.builder.selectFrom('events').selectAll().where('case_id', '=', caseId).where('seq', '>', after);
      if (uptoSeq !== undefined) q = q.where('seq', '<=', uptoSeq);
      return (await s.execute(q.orderBy('seq').limit(limit).compile())).rows.map(eventFromRow);
    },
  };
}
