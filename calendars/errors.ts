/**
 * Coded calendar errors. The HTTP layer maps `code` to a 4xx; nothing here is a 500.
 */
export type CalendarErrorCode =
  | 'calendar_year_unknown'
  | 'calendar_not_found'
  | 'invalid_date'
  | 'invalid_instant'
  | 'invalid_amount'
  | 'calendar_data_invalid';

export class CalendarError extends Error {
  override readonly name = 'CalendarError';
  constructor(
    readonly code: CalendarErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function yearUnknown(year: number, firstYear: number, lastYear: number): CalendarError {
  return new CalendarError(
    'calendar_year_unknown',
    `The calendar has no data for ${year} (it knows ${firstYear}–${lastYear}). ` +
      `Add the year's transfer orders and religious dates to the calendar data, or start the ` +
      `deployment with CALENDAR_STATUTORY_ONLY=1 to compute unknown years from statute only.`,
    { year, firstYear, lastYear },
  );
}
