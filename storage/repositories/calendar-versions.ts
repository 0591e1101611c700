/** Installed business-calendar versions (migration 001200; engine/calendar-versions.ts). */
import type { CalendarVersionRecord, CalendarVersionRepository } from '../port.js';
import type { CalendarVersionRow } from '../schema.js';
import type { QuerySession } from '../session.js';

function fromRow(r: CalendarVersionRow): CalendarVersionRecord {
  return {
    id: r.id,
    installNo: r.install_no,
    calendarId: r.calendar_id,
    version: r.version,
    dataJson: r.data,
    source: r.source,
    installedAt: r.installed_at,
  };
}

/** A read-only reader may open a database older than the table: it then has no versions. */
function missingTable(e: unknown): boolean {
  return e instanceof Error && /no such table: calendar_versions/.test(e.message);
}

export function calendarVersionRepository(s: QuerySession): CalendarVersionRepository {
  return {
    async list() {
      try {
        return (await s.execute(s.builder.selectFrom('calendar_versions').selectAll().orderBy('install_no').compile())).rows.map(fromRow);
      } catch (e) {
        if (missingTable(e)) return [];
        throw e;
      }
    },
    async latestInstallNo() {
      try {
        const q = s.builder.selectFrom('calendar_versions').select((eb) => eb.fn.max('install_no').as('n'));
        const row = (await s.execute(q.compile())).rows[0];
        return Number(row?.n ?? 0);
      } catch (e) {
        if (missingTable(e)) return 0;
        throw e;
      }
    },
    async insert(r) {
      await s.execute(
        s.builder
          .insertInto('calendar_versions')
          .values({
            id: r.id,
            install_no: r.installNo,
            calendar_id: r.calendarId,
            version: r.version,
            data: r.dataJson,
            source: r.source,
            installed_at: r.installedAt,
          })
          .compile(),
      );
    },
  };
}
