/**
 * The register of the site's mandatory content and its compliance (Правила п. 9, issue 18
 * §3; engine/site-content.ts has the rules). No personal data: every authenticated role
 * reads it; the press secretary (who coordinates the site, п. 8) and the site
 * administrator change an entry, against the revision they saw (`If-Match`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import type { SiteContentEntry, SiteContentRegister } from '../../engine/site-content.js';
import type { Role } from '../../machines/contract.js';
import { SITE_CONTENT_KIND_KEYS } from '../../machines/site-content-review/site-content.kinds.js';
import { ApiError } from '../errors.js';
import { actingRole, userOf } from '../plugins/authenticate.js';
import { errorResponses, InstantSchema, IsoDateSchema, LiteralUnion } from '../schemas/common.js';

/** Who changes the register: the press secretary coordinates the site (п. 8), the administrator places its pages. */
export const SITE_CONTENT_EDITORS: readonly Role[] = ['press_secretary', 'administrator'];

const CSV_TYPE = 'text/csv; charset=utf-8';
const Nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
const Kind = LiteralUnion(SITE_CONTENT_KIND_KEYS, { description: 'The kind of information of п. 9 (sub-items 1–7)' });
const Review = {
  caseId: Type.String({ description: 'The `site-content-review` case' }),
  period: Type.String({ description: 'Its review period, e.g. 2026-Q4' }),
  state: Type.String({ description: 'Its state' }),
};

export const SiteContentEntrySchema = Type.Object(
  {
    kind: Kind,
    item: Type.String({ description: 'The sub-item of п. 9, e.g. `п. 9, пп. 4`' }),
    title: Type.Object({ ru: Type.String({ description: 'The Rules\' words' }), en: Type.String({ description: 'An English gloss' }) }),
    url: Nullable('The page of the site carrying the kind; null: none named'),
    unit: Nullable('The responsible unit; null: none named (no review is opened for the kind)'),
    note: Nullable('Why the entry last changed'),
    revision: Type.Integer({ minimum: 0, description: 'The current revision (0: never set); send it as `If-Match` to change the entry' }),
    changedAt: Type.Union([InstantSchema, Type.Null()], { description: 'When the current revision was written' }),
    changedBy: Nullable('Who wrote it (user name)'),
    lastReview: Type.Optional(
      Type.Object({
        ...Review,
        result: LiteralUnion(['present', 'missing'] as const, { description: 'What the unit found' }),
        at: { ...InstantSchema, description: 'When the unit gave it: the date the kind was last reviewed' },
        url: Type.Optional(Type.String({ description: 'The page confirmed' })),
        note: Type.Optional(Type.String({ description: 'What is missing' })),
      }, { description: 'The latest closed review' }),
    ),
    openReview: Type.Optional(
      Type.Object(
        {
          ...Review,
          dueAt: Type.Union([InstantSchema, Type.Null()], { description: 'The review\'s deadline: the instant it is missed' }),
          lastDay: Type.Union([IsoDateSchema, Type.Null()], { description: 'Its last day (the calendar\'s zone)' }),
        },
        { description: 'The review open now' },
      ),
    ),
    compliance: Type.Object({
      status: LiteralUnion(['present', 'missing', 'stale'] as const, { description: 'present: confirmed in this period or the one before; missing: no page, or reported missing; stale: not confirmed recently' }),
      reason: LiteralUnion(['confirmed', 'no_page', 'reported_missing', 'never_reviewed', 'review_due'] as const, { description: 'Why' }),
    }),
  },
  { description: 'One kind of the site\'s mandatory content: its register entry, reviews and compliance' },
);

const RegisterSchema = Type.Object(
  {
    now: InstantSchema,
    reviewPeriod: LiteralUnion(['quarterly', 'monthly', 'off'] as const, { description: 'SITE_REVIEW_PERIOD' }),
    period: Nullable('The review period now (null: the review is off)'),
    freshSince: { ...InstantSchema, description: 'A confirmation at or after this instant counts as present (the start of the previous period)' },
    counts: Type.Object({ present: Type.Integer(), missing: Type.Integer(), stale: Type.Integer() }),
    kinds: Type.Array(SiteContentEntrySchema, { description: 'The seven kinds, in the order of п. 9' }),
  },
  { description: 'The register of the site\'s mandatory content (п. 9)' },
);

const RevisionSchema = Type.Object(
  {
  kind: Kind,
  revision: Type.Integer({ minimum: 1 }),
  url: Nullable('The page named'),
  unit: Nullable('The responsible unit named'),
  note: Nullable('Why it changed'),
  changedAt: InstantSchema,
  changedBy: Type.String({ description: 'User name' }),
  role: Type.String({ description: 'The role it was written in' }),
  },
  { description: 'One revision of a register entry' },
);

const KindParams = Type.Object({ kind: Type.String({ description: 'The kind of information (`GET /site-content` lists them)', examples: ['procurement'] }) });

/** `If-Match: "<revision>"` (quotes optional), required. */
function expectedRevision(raw: string | string[] | undefined): number {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') {
    throw new ApiError('invalid_request', 'If-Match is required: send the revision you saw in quotes, e.g. "0" for an entry never set (GET /site-content/{kind} gives it as ETag).');
  }
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value.trim());
  if (!m) throw new ApiError('invalid_request', `If-Match must be the entry's revision in quotes, e.g. "3"; got ${value.slice(0, 40)}.`);
  return Number(m[1]);
}

/** The compliance report as CSV (RFC 4180; a header row; one row per kind). */
export function complianceCsv(r: SiteContentRegister): string {
  const cols = ['kind', 'item', 'status', 'reason', 'url', 'unit', 'revision', 'lastReviewedAt', 'lastResult', 'openReviewPeriod', 'openReviewDueAt'] as const;
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"` : s;
  };
  const row = (e: SiteContentEntry) => [
    e.kind, e.item, e.compliance.status, e.compliance.reason, e.url, e.unit, e.revision, e.lastReview?.at, e.lastReview?.result, e.openReview?.period, e.openReview?.dueAt,
  ];
  return [cols.join(','), ...r.kinds.map((e) => row(e).map(cell).join(','))].join('\r\n') + '\r\n';
}

export const siteContentRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, opts) => {
  const { siteContent } = opts.engine;

  app.get(
    '/site-content',
    {
      schema: {
        tags: ['site-content'],
        operationId: 'getSiteContent',
        summary: 'The register of the site\'s mandatory content (п. 9): each kind\'s page, unit, reviews and compliance',
        description:
          'The seven kinds of information п. 9 requires, in its order. Compliance is computed now: `missing` (no page named, ' +
          'or the latest review reported it missing), `present` (the latest review confirmed the page at or after `freshSince`), ' +
          '`stale` (otherwise). The reviews are the `site-content-review` cases the engine opens each period (SITE_REVIEW_PERIOD). ' +
          'No personal data: every authenticated role.',
        security: [{ bearer: [] }],
        response: { 200: RegisterSchema, ...errorResponses('unauthorized', 'rate_limited', 'storage_unavailable') },
      },
    },
    async () => siteContent.register(),
  );

  app.get(
    '/site-content/report',
    {
      schema: {
        tags: ['site-content'],
        operationId: 'getSiteContentReport',
        summary: 'The compliance report of the site\'s mandatory content, as CSV or JSON',
        description: 'One row per kind: status, reason, page, unit, revision, last review and the open one. `format=json` gives `GET /site-content`\'s body.',
        security: [{ bearer: [] }],
        querystring: Type.Object({ format: Type.Optional(LiteralUnion(['csv', 'json'] as const, { description: 'csv (default) or json' })) }),
        produces: ['text/csv', 'application/json'],
        response: {
          200: {
            description: 'The report',
            content: {
              'text/csv': { schema: Type.String({ description: 'RFC 4180, a header row: kind, item, status, reason, url, unit, revision, lastReviewedAt, lastResult, openReviewPeriod, openReviewDueAt' }) },
              'application/json': { schema: RegisterSchema },
            },
          },
          ...errorResponses('invalid_request', 'unauthorized', 'storage_unavailable'),
        },
      },
    },
    async (request, reply) => {
      const register = await siteContent.register();
      if (request.query.format === 'json') return reply.type('application/json; charset=utf-8').send(register);
      const day = register.now.slice(0, 10);
      return reply.type(CSV_TYPE).header('content-disposition', `attachment; filename="site-content-${day}.csv"`).send(complianceCsv(register));
    },
  );

  app.get(
    '/site-content/:kind',
    {
      schema: {
        tags: ['site-content'],
        operationId: 'getSiteContentEntry',
        summary: 'One kind\'s register entry with every revision of it (ETag: the current revision)',
        security: [{ bearer: [] }],
        params: KindParams,
        response: {
          200: Type.Object(
            { entry: SiteContentEntrySchema, revisions: Type.Array(RevisionSchema, { description: 'Oldest first' }) },
            { description: 'The entry now and its revisions' },
          ),
          ...errorResponses('unauthorized', 'not_found', 'storage_unavailable'),
        },
      },
    },
    async (request, reply) => {
      const revisions = await siteContent.history(request.params.kind);
      const entry = (await siteContent.register()).kinds.find((k) => k.kind === request.params.kind)!;
      return reply.header('etag', `"${entry.revision}"`).send({ entry, revisions: revisions as never });
    },
  );

  app.put(
    '/site-content/:kind',
    {
      schema: {
        tags: ['site-content'],
        operationId: 'putSiteContentEntry',
        summary: 'Change one kind\'s page and responsible unit (a new revision; the old ones stay)',
        description:
          'Roles: press_secretary, administrator. `If-Match: "<revision>"` is required (the revision you saw; `"0"` for an entry ' +
          'never set): another revision meanwhile is 409 `version_conflict` with `details.revision`, and nothing is written. ' +
          '`url` must be an absolute http(s) address; `unit` one of the configured units (UNITS_FILE). Sending what the entry ' +
          'already says, without a note, writes nothing and answers the current revision.',
        security: [{ bearer: [] }],
        params: KindParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The revision you saw, e.g. "3"' })) }),
        body: Type.Object(
          {
            url: Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], { description: 'The page of the site; null: none' }),
            unit: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], { description: 'The responsible unit; null: none' }),
            note: Type.Optional(Type.String({ maxLength: 2000, description: 'Why it changes' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: { ...RevisionSchema, description: 'The current revision (the new one, or the unchanged one)' },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'not_found',
            'version_conflict',
            'payload_too_large',
            'unsupported_media_type',
            'rate_limited',
            'storage_unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const role = actingRole(request, SITE_CONTENT_EDITORS);
      if (!SITE_CONTENT_EDITORS.includes(role)) {
        throw new ApiError('forbidden', `Only ${SITE_CONTENT_EDITORS.join(' or ')} change the register; you act as ${role}.`, { roles: [...SITE_CONTENT_EDITORS] });
      }
      const expected = expectedRevision(request.headers['if-match']);
      const { url, unit, note } = request.body;
      const saved = await siteContent.update(request.params.kind, { url, unit, note }, { name: user.name, role }, expected);
      return reply.header('etag', `"${saved.revision}"`).send(saved as never);
    },
  );
};
