/**
 * The on-time report (issue 15 §2): `GET /reports/deadlines` as JSON, CSV or XLSX.
 * Counts per period, procedure, deadline key and responsible unit, from the deadline
 * ledger (engine/reports.ts states the definition; docs/reports.md for readers). No case,
 * no name, no text: every authenticated staff role reads it, as it reads the dashboard's
 * counts (`GET /stats`), and the auditor.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import ExcelJS from 'exceljs';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { MAX_REPORT_DAYS, REPORT_COLUMNS, REPORT_PERIODS, reportCsv, type DeadlineReport } from '../../engine/reports.js';
import { errorResponses, InstantSchema, IsoDateSchema, LiteralUnion } from '../schemas/common.js';

const CSV_TYPE = 'text/csv; charset=utf-8';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FORMATS = ['json', 'csv', 'xlsx'] as const;
type Format = (typeof FORMATS)[number];

const Count = Type.Integer({ minimum: 0 });
const cells = {
  opened: { ...Count, description: 'Deadlines whose last day is in the period (= closedOnTime + closedLate + open)' },
  closedOnTime: { ...Count, description: 'Closed before their due instant (status met)' },
  closedLate: { ...Count, description: 'Closed at or after their due instant (status met_late)' },
  lateMedian: Type.Union([Type.Number(), Type.Null()], { description: 'Median lateness of the closed-late ones, in `latenessUnit` days; null: none closed late, or mixed units' }),
  lateWorst: Type.Union([Type.Integer(), Type.Null()], { description: 'The largest lateness of the closed-late ones, in `latenessUnit` days' }),
  latenessUnit: Type.Union([LiteralUnion(['working', 'calendar', 'mixed']), Type.Null()], { description: 'The days lateness is counted in (the deadline\'s reading); mixed: working and calendar days meet (no median then)' }),
  open: { ...Count, description: 'Not closed yet' },
  overdue: { ...Count, description: 'Open and due at or before `now` (≤ open)' },
  extended: { ...Count, description: 'Deadlines extended at least once (P3 `extend`; ≤ opened, ≤ extensions)' },
  extensions: { ...Count, description: 'Extension decisions applied to these deadlines' },
  extensionDays: { ...Count, description: 'Days added by those extensions' },
};
const Cells = Type.Object(cells);

const DeadlineReportSchema = Type.Object(
  {
    now: { ...InstantSchema, description: 'The instant `overdue` is judged at' },
    zone: Type.String({ description: 'The calendar\'s zone last days are in, e.g. Asia/Almaty' }),
    from: { ...IsoDateSchema, description: 'First last day counted' },
    to: { ...IsoDateSchema, description: 'Last last day counted (inclusive)' },
    groupBy: LiteralUnion(REPORT_PERIODS, { description: 'The period' }),
    periods: Type.Array(
      Type.Object({
        period: Type.String({ description: '`2025-03`, `2025-Q1` or `2025`' }),
        start: { ...IsoDateSchema, description: 'The period\'s first day inside the range' },
        end: { ...IsoDateSchema, description: 'The period\'s last day inside the range' },
        ...cells,
      }),
      { description: 'Every period of the range in order, with its totals (the sums of its groups; empty periods too)' },
    ),
    groups: Type.Array(
      Type.Object({
        period: Type.String({ description: 'The period its deadlines\' last days fall in' }),
        procedure: Type.String({ description: 'The procedure id' }),
        key: Type.String({ description: 'The deadline key, e.g. review' }),
        unit: Type.Union([Type.String(), Type.Null()], { description: 'The case\'s responsible unit; null: none (yet)' }),
        ...cells,
      }),
      { description: 'One row per (period, procedure, key, unit) with any deadline' },
    ),
    total: { ...Cells, description: 'The whole range (the sums of the groups)' },
  },
  { description: 'The on-time report' },
);

const QuerySchema = Type.Object({
  from: Type.Optional(Type.String({ description: 'First last day counted, YYYY-MM-DD (default: 1 January of the current year)', examples: ['2025-01-01'] })),
  to: Type.Optional(Type.String({ description: `Last last day counted, inclusive, YYYY-MM-DD (default: 31 December of \`from\`'s year); at most ${MAX_REPORT_DAYS} days after \`from\``, examples: ['2025-12-31'] })),
  groupBy: Type.Optional(LiteralUnion(REPORT_PERIODS, { description: 'month (default), quarter or year' })),
  format: Type.Optional(LiteralUnion(FORMATS, { description: 'json (default), csv or xlsx; without it the Accept header decides (text/csv, the XLSX type)' })),
});

/** `format=`, else the Accept header, else JSON. */
function formatOf(format: Format | undefined, accept: string | undefined): Format {
  if (format) return format;
  const a = accept ?? '';
  if (a.includes(XLSX_TYPE)) return 'xlsx';
  if (a.includes('text/csv')) return 'csv';
  return 'json';
}

const fileName = (r: DeadlineReport, ext: string) => `deadlines-${r.from}-${r.to}-${r.groupBy}.${ext}`;

/** The workbook: one sheet of groups (the CSV's columns), one of period totals. */
async function reportXlsx(r: DeadlineReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.created = new Date(r.now);
  const groups = wb.addWorksheet('groups');
  groups.columns = REPORT_COLUMNS.map((c) => ({ header: c, key: c, width: Math.max(10, c.length + 2) }));
  for (const g of r.groups) groups.addRow(Object.fromEntries(REPORT_COLUMNS.map((c) => [c, g[c]])));
  groups.getRow(1).font = { bold: true };
  groups.views = [{ state: 'frozen', ySplit: 1 }];
  const periods = wb.addWorksheet('periods');
  const cols = ['period', 'start', 'end', ...REPORT_COLUMNS.slice(4)] as const;
  periods.columns = cols.map((c) => ({ header: c, key: c, width: Math.max(10, c.length + 2) }));
  for (const p of r.periods) periods.addRow(Object.fromEntries(cols.map((c) => [c, p[c as keyof typeof p]])));
  periods.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const reportRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, opts) => {
  app.get(
    '/reports/deadlines',
    {
      schema: {
        tags: ['cases'],
        operationId: 'getDeadlineReport',
        summary: 'The on-time report: deadlines opened, closed on time and late, open and overdue, extended, per period, procedure, key and unit',
        description:
          'A deadline (one turn of one key of one case) belongs to the period its last day falls in (the calendar\'s zone), ' +
          'like a due target in an SLA report: it stays in that period from opening to closing. `from`/`to` select deadlines by last day ' +
          '(inclusive; a period cut by the range counts its days inside). Identities in every row and total: ' +
          '`opened = closedOnTime + closedLate + open`, `overdue ≤ open`, `extended ≤ opened`. Lateness is the deadline\'s ' +
          'shortfall in its own days (`latenessUnit`). Counts only (no personal data): every authenticated role. ' +
          '`format=csv` (or `Accept: text/csv`) and `format=xlsx` give the groups as a download. Errors: 400 `invalid_request` ' +
          'with `details.field` and `details.reason`: `invalid_date`, `range_inverted` (to < from), `range_too_large` ' +
          `(more than ${MAX_REPORT_DAYS} days), \`invalid_period\`.`,
        security: [{ bearer: [] }],
        querystring: QuerySchema,
        produces: ['application/json', 'text/csv', XLSX_TYPE],
        response: {
          200: {
            description: 'The report (JSON), or its groups as CSV or XLSX (Content-Disposition: attachment)',
            content: {
              'application/json': { schema: DeadlineReportSchema },
              'text/csv': { schema: Type.String({ description: 'RFC 4180, a header row; the columns of `groups`' }) },
              [XLSX_TYPE]: { schema: Type.String({ format: 'binary', description: 'Sheets `groups` and `periods`' }) },
            },
          },
          ...errorResponses('invalid_request', 'unauthorized', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      const { format, ...q } = request.query;
      const report = await opts.engine.deadlineReport(q);
      const as = formatOf(format, request.headers.accept);
      if (as === 'csv') {
        return reply.type(CSV_TYPE).header('content-disposition', `attachment; filename="${fileName(report, 'csv')}"`).send(reportCsv(report));
      }
      if (as === 'xlsx') {
        return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${fileName(report, 'xlsx')}"`).send((await reportXlsx(report)) as unknown as string); // bytes: the type provider knows only the JSON and CSV bodies
      }
      return reply.type('application/json; charset=utf-8').send(report);
    },
  );
};
