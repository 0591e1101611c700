import type { SiteContentRevisionRecord, SiteContentRepository } from '../port.js';
import type { SiteContentRevisionRow } from '../schema.js';
import type { QuerySession } from '../session.js';

const COLUMNS = ['kind', 'revision', 'url', 'unit', 'note', 'changed_at', 'changed_by', 'role'] as const;

function fromRow(r: Pick<SiteContentRevisionRow, (typeof COLUMNS)[number]>): SiteContentRevisionRecord {
  return {
    kind: r.kind,
    revision: Number(r.revision),
    url: r.url,
    unit: r.unit,
    note: r.note,
    changedAt: r.changed_at,
    changedBy: r.changed_by,
    role: r.role,
  };
}

/** The register of the site's mandatory content: append-only revisions (migration 001700). */
export function siteContentRepository(s: QuerySession): SiteContentRepository {
  return {
    async current() {
      const q = s.builder
        .selectFrom('site_content_revisions as r')
        .select(COLUMNS.map((c) => `r.${c}` as const))
        .where(({ eb, selectFrom }) =>
          eb('r.revision', '=', selectFrom('site_content_revisions as m').select(({ fn }) => fn.max('m.revision').as('top')).whereRef('m.kind', '=', 'r.kind')),
        )
        .orderBy('r.kind');
      return (await s.execute(q.compile())).rows.map(fromRow);
    },
    async history(kind) {
      const q = s.builder.selectFrom('site_content_revisions').select(COLUMNS).where('kind', '=', kind).orderBy('revision');
      return (await s.execute(q.compile())).rows.map(fromRow);
    },
    async all() {
      const q = s.builder.selectFrom('site_content_revisions').select(COLUMNS).orderBy('kind').orderBy('revision');
      return (await s.execute(q.compile())).rows.map(fromRow);
    },
    async insert(r) {
      const q = s.builder.insertInto('site_content_revisions').values({
        kind: r.kind,
        revision: r.revision,
        url: r.url,
        unit: r.unit,
        note: r.note,
        changed_at: r.changedAt,
        changed_by: r.changedBy,
        role: r.role,
      });
      await s.execute(q.compile());
    },
  };
}
