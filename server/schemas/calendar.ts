import { Type } from 'typebox';
import { DAY_KINDS, FACT_STATUSES } from '../../calendars/types.js';
import { InstantSchema, IsoDateSchema, LiteralUnion } from './common.js';

const Status = LiteralUnion(FACT_STATUSES);
const Kind = LiteralUnion(DAY_KINDS);

export const DayReasonSchema = Type.Object({
  kind: Kind,
  name: Type.String({ description: 'As in the sources (Russian/Kazakh)' }),
  nameEn: Type.String(),
  source: Type.String({ description: 'The act or publication the fact comes from' }),
  status: Status,
  relatedDate: Type.Optional(IsoDateSchema),
  act: Type.Optional(Type.String()),
});

export const CalendarStampSchema = Type.Object({
  id: Type.String(),
  version: Type.String({ description: 'Content hash of the calendar data used' }),
  statutoryOnly: Type.Boolean({ description: 'True when a year was computed from statute only' }),
  statutoryOnlyYears: Type.Array(Type.Integer()),
});

export const DayInfoSchema = Type.Object({
  date: IsoDateSchema,
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }),
  working: Type.Boolean(),
  kind: Kind,
  reason: Type.Optional(DayReasonSchema),
  also: Type.Optional(Type.Array(DayReasonSchema)),
  statutoryOnly: Type.Boolean(),
});

export const DayResponseSchema = Type.Object({ ...DayInfoSchema.properties, calendar: CalendarStampSchema });

export const YearResponseSchema = Type.Object({
  year: Type.Integer(),
  workingDays: Type.Integer(),
  months: Type.Array(Type.Integer(), { minItems: 12, maxItems: 12, description: 'Working days, January first' }),
  daysOff: Type.Array(DayInfoSchema, { description: 'Every day off that is not a plain Saturday/Sunday' }),
  workingWeekendDays: Type.Array(DayInfoSchema),
  dataStatus: Type.Union([Type.Literal('complete'), Type.Literal('statutory_only')]),
  note: Type.Optional(Type.String()),
  calendar: CalendarStampSchema,
});

export const DeadlineQuerySchema = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'Instant (with offset) or date to count forward from' })),
    before: Type.Optional(Type.String({ description: 'Date P for a lead time: the N-th working day before P' })),
    amount: Type.Integer({ minimum: 1, maximum: 3660 }),
    unit: Type.Union([Type.Literal('working'), Type.Literal('calendar')], {
      description: 'working days, or calendar days with the last day moved off a day off',
    }),
  },
  { additionalProperties: false },
);

export const DeadlineResponseSchema = Type.Object({
  lastDay: IsoDateSchema,
  dueAt: InstantSchema,
  from: Type.Optional(InstantSchema),
  fromDay: Type.Optional(IsoDateSchema),
  before: Type.Optional(IsoDateSchema),
  nominalLastDay: Type.Optional(IsoDateSchema),
  amount: Type.Integer(),
  unit: Type.String(),
  calendar: CalendarStampSchema,
});
