import { eventFromRow, eventToRow } from '../mappers.js';
import type { EventRepository } from '../port.js';
import type { EventRow } from '../schema.js';
import { columnsOf, slotsFor, template, type QuerySession } from '../session.js';

const EVENTROW_COLUMNS = columnsOf<EventRow>({ case_id: true, seq: true, type: true, payload: true, role: true, actor: true, occurred_at: true, recorded_at: true, prev_hash: true, hash: true, backdating_reason: true, calendar_version: true, log_position: true });
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
    async actedOn(actor, caseIds) {
      if (caseIds.length === 0) return new Set();
      // Served by the primary key (case_id, seq): a page's cases, their events filtered by actor.
      const q = s.builder.selectFrom('events').select('case_id').distinct().where('case_id', 'in', [...caseIds]).where('actor', '=', actor);
      return new Set((await s.execute(q.compile())).rows.map((r) => r.case_id));
    },
    async ofType(caseId, type) {
      // The primary key (case_id, seq) narrows it to the case; its events are few per case to filter.
      const q = s.builder.selectFrom('events').selectAll().where('case_id', '=', caseId).where('type', '=', type).orderBy('seq');
      return (await s.execute(q.compile())).rows.map(eventFromRow);
    },
    async pageAll(after, limit) {
      let q = s.builder.selectFrom('events').selectAll();
      if (after) q = q.where((eb) => eb.or([eb('case_id', '>', after.caseId), eb.and([eb('case_id', '=', after.caseId), eb('seq', '>', after.seq)])]));
      return (await s.execute(q.orderBy('case_id').orderBy('seq').limit(limit).compile())).rows.map(eventFromRow);
    },
    async setLogPosition(caseId, seq, position) {
      await s.execute(s.builder.updateTable('events').set({ log_position: position }).where('case_id', '=', caseId).where('seq', '=', seq).where('log_position', 'is', null).compile());
    },
    async page(caseId, after, limit, uptoSeq) {
      let q = s.builder.selectFrom('events').selectAll().where('case_id', '=', caseId).where('seq', '>', after);
      if (uptoSeq !== undefined) q = q.where('seq', '<=', uptoSeq);
      return (await s.execute(q.orderBy('seq').limit(limit).compile())).rows.map(eventFromRow);
    },
  };
}
