/**
 * Calendar endpoints: a day explained, a year's counts, a deadline or lead time.
 * Read-only and public to any authenticated caller.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BusinessCalendar } from '../../calendars/types.js';
import { ApiError } from '../errors.js';
import { errorResponses, IsoDateSchema } from '../schemas/common.js';
import {
  DayResponseSchema,
  DeadlineQuerySchema,
  DeadlineResponseSchema,
  YearResponseSchema,
} from '../schemas/calendar.js';

const CalendarParam = Type.String({ pattern: '^[a-z][a-z0-9-]*$', description: 'Calendar id', examples: ['kz'] });

export const calendarRoutes: FastifyPluginAsyncTypebox<{ calendars: Record<string, BusinessCalendar> }> = async (app, opts) => {
  const calendarOf = (id: string): BusinessCalendar => {
    // Own keys only: 'constructor' or '__proto__' must be 404, not Object.prototype's members.
    const cal = Object.hasOwn(opts.calendars, id) ? opts.calendars[id] : undefined;
    if (!cal) throw new ApiError('not_found', `No calendar '${id}'; known: ${Object.keys(opts.calendars).join(', ')}.`);
    return cal;
  };

  app.get(
    '/calendars/:calendarId/days/:date',
    {
      schema: {
        tags: ['calendar'],
        operationId: 'getCalendarDay',
        summary: 'Is a day working, and if not, why',
        security: [],
        description: 'The reason names the holiday, the carry-over or the transfer order, with its source.',
        params: Type.Object({ calendarId: CalendarParam, date: IsoDateSchema }),
        response: { 200: DayResponseSchema, ...errorResponses('invalid_request', 'not_found', 'calendar_year_unknown') },
      },
    },
    async (request) => {
      const cal = calendarOf(request.params.calendarId);
      const day = cal.day(request.params.date);
      return { ...day, calendar: cal.stamp([Number(request.params.date.slice(0, 4))]) };
    },
  );

  app.get(
    '/calendars/:calendarId/years/:year',
    {
      schema: {
        tags: ['calendar'],
        operationId: 'getCalendarYear',
        summary: 'Working days per month and the days off of a year',
        security: [],
        params: Type.Object({ calendarId: CalendarParam, year: Type.String({ pattern: '^\\d{4}$' }) }),
        response: { 200: YearResponseSchema, ...errorResponses('invalid_request', 'not_found', 'calendar_year_unknown') },
      },
    },
    async (request) => calendarOf(request.params.calendarId).year(Number(request.params.year)),
  );

  app.get(
    '/calendars/:calendarId/deadline',
    {
      schema: {
        tags: ['calendar'],
        operationId: 'getCalendarDeadline',
        summary: 'A deadline N days after an instant, or the N-th working day before a date',
        security: [],
        description:
          '`from` + `amount` + `unit`: counting starts the day after the day of `from` (in Asia/Almaty); with ' +
          '`unit=calendar` a last day that is not working moves to the next working day. `dueAt` is the exclusive ' +
          'end: the start of the day after `lastDay`. `before` + `amount` + `unit=working`: the latest on-time day ' +
          'for "not less than N working days before P" (P not counted).',
        params: Type.Object({ calendarId: CalendarParam }),
        querystring: DeadlineQuerySchema,
        response: { 200: DeadlineResponseSchema, ...errorResponses('invalid_request', 'not_found', 'calendar_year_unknown') },
      },
    },
    async (request) => {
      const cal = calendarOf(request.params.calendarId);
      const { from, before, amount, unit } = request.query;
      if ((from === undefined) === (before === undefined)) {
        throw new ApiError('invalid_request', 'Give exactly one of `from` (count forward) or `before` (lead time).');
      }
      if (before !== undefined) {
        if (unit !== 'working') {
          throw new ApiError('invalid_request', 'A lead time (`before`) is counted in working days: use unit=working.');
        }
        return cal.workingDayBefore(before, amount);
      }
      return cal.deadline(from!, amount, unit);
    },
  );
};
