/**
 * The dashboard's counts: per procedure and responsible unit, the cases open now, those
 * overdue now, and those closed this month (in the calendar's zone) on time or late.
 * Counts only: no case, no name, no text, so every authenticated role reads them (the read
 * matrix has nothing to redact). Served by storage aggregates over indexes (migration
 * 000800): no case is loaded into memory, whatever the number of cases.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { errorResponses, InstantSchema } from '../schemas/common.js';

const Count = Type.Integer({ minimum: 0 });

export const StatsSchema = Type.Object(
  {
    now: { ...InstantSchema, description: 'The instant the counts are for' },
    zone: Type.String({ description: 'The calendar\'s zone the month is counted in, e.g. Asia/Almaty' }),
    monthStart: { ...InstantSchema, description: 'The start of the month counted (its first day, 00:00 in the calendar\'s zone)' },
    rows: Type.Array(
      Type.Object({
        procedure: Type.String({ description: 'The procedure id' }),
        unit: Type.Union([Type.String(), Type.Null()], { description: 'The responsible unit; null: none (yet)' }),
        open: { ...Count, description: 'Open cases' },
        overdue: { ...Count, description: 'Open cases with a deadline past due now' },
        closedOnTime: { ...Count, description: 'Closed this month, every deadline met in time' },
        closedLate: { ...Count, description: 'Closed this month with a deadline met late or missed' },
      }),
    ),
  },
  { description: 'Counts per procedure and unit' },
);

export const statsRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, opts) => {
  app.get(
    '/stats',
    {
      schema: {
        tags: ['cases'],
        operationId: 'getCaseStats',
        summary: 'Counts per procedure and unit: open, overdue, closed this month on time and late',
        description: 'Counts only (no personal data): open to every authenticated role. Rows with every count 0 are left out.',
        security: [{ bearer: [] }],
        response: { 200: StatsSchema, ...errorResponses('unauthorized', 'rate_limited', 'calendar_year_unknown') },
      },
    },
    async () => {
      const stats = await opts.engine.caseStats();
      return { ...stats, zone: opts.engine.deps.calendar.zone, rows: stats.rows.filter((r) => r.open + r.closedOnTime + r.closedLate > 0) };
    },
  );
};
