/**
 * Calendars by id. `loadCalendar('kz')` reads `calendars/data/kz.json`, validates it
 * (a broken file fails naming the file and the entry) and builds the indexes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from '../lib/canonical-json.js';
import { sha256Hex } from '../lib/sha256.js';
import { KazakhBusinessCalendar, type CalendarOptions } from './business-calendar.js';
import { validateCalendarData, type CalendarData } from './data-schema.js';
import { CalendarError } from './errors.js';
import type { BusinessCalendar } from './types.js';

export type { BusinessCalendar } from './types.js';
export { CalendarError } from './errors.js';
export type { CalendarOptions } from './business-calendar.js';
export type { CalendarData } from './data-schema.js';

/** Calendar ids shipped with the product. */
export const CALENDAR_IDS = ['kz'] as const;
export type CalendarId = (typeof CALENDAR_IDS)[number];

const DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

/**
 * The data version: `<id>-` + the first 12 hex digits of sha-256 over the canonical JSON
 * (keys sorted at every level, so formatting never changes the version). Deadlines record
 * it, so its bytes must not change for the same data (tests/calendars pins kz.json's).
 */
export function calendarDataVersion(data: CalendarData): string {
  return `${data.id}-${sha256Hex(canonicalJson(data)).slice(0, 12)}`;
}

/** Builds a calendar from already-parsed data (tests, other deployments). */
export function createCalendar(raw: unknown, options: CalendarOptions = {}, file = '(inline data)'): BusinessCalendar {
  const data = validateCalendarData(raw, file);
  return new KazakhBusinessCalendar(data, calendarDataVersion(data), options);
}

/**
 * The data and options a calendar was built from (undefined for another implementation
 * of `BusinessCalendar`): what the engine installs into the database as a version, and how
 * it builds the other installed versions alike (engine/calendar-versions.ts).
 */
export function calendarSource(calendar: BusinessCalendar): { data: CalendarData; options: CalendarOptions } | undefined {
  return calendar instanceof KazakhBusinessCalendar ? { data: calendar.sourceData, options: calendar.options } : undefined;
}

/** Reads and validates a calendar data file (a new decree's), without building a calendar. */
export function readCalendarData(file: string): CalendarData {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CalendarError('calendar_data_invalid', `Calendar data ${file}: cannot be read as JSON: ${(error as Error).message}`, {
      file,
    });
  }
  return validateCalendarData(raw, file);
}

/** Loads a calendar data file; `file` defaults to the shipped `calendars/data/<id>.json`. */
export function loadCalendar(id: string, options: CalendarOptions & { file?: string } = {}): BusinessCalendar {
  if (!options.file && !(CALENDAR_IDS as readonly string[]).includes(id)) {
    throw new CalendarError('calendar_not_found', `No calendar '${id}'; known calendars: ${CALENDAR_IDS.join(', ')}.`, {
      id,
    });
  }
  const file = options.file ?? `${DATA_DIR}${id}.json`;
  const data = readCalendarData(file);
  return new KazakhBusinessCalendar(data, calendarDataVersion(data), options);
}

/** The Kazakhstan calendar shipped with the product. */
export function loadKzCalendar(options: CalendarOptions = {}): BusinessCalendar {
  return loadCalendar('kz', options);
}
