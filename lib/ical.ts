/**
 * A small iCalendar (RFC 5545) writer for the feeds of issue 15 §3 (server/routes/feeds.ts):
 * all-day events only, which is all the feeds publish (a deadline's last day, a day off).
 * Pure: the caller passes every value, the stamp included.
 *
 * What RFC 5545 asks and this writer does:
 * - content lines end with CRLF (§3.1), and a line longer than 75 octets is folded: CRLF
 *   then one space, the space counting towards the next line's 75 (§3.1). Octets, not
 *   characters: a Cyrillic letter is 2 octets in UTF-8, and a fold never splits a
 *   character (nor a surrogate pair).
 * - TEXT values escape `\` `;` `,` and line breaks (`\n`) (§3.3.11); a CR alone is dropped.
 * - VCALENDAR with VERSION:2.0, PRODID, CALSCALE:GREGORIAN, METHOD:PUBLISH; each VEVENT with
 *   UID, DTSTAMP (UTC), DTSTART;VALUE=DATE and DTEND;VALUE=DATE (the day after: DTEND is
 *   exclusive, §3.6.1), TRANSP:TRANSPARENT (a deadline does not make a person busy).
 */

/** One all-day event. */
export interface IcalAllDayEvent {
  /** Globally unique and stable: the same thing keeps its UID from one fetch to the next. */
  uid: string;
  /** The day, `YYYY-MM-DD`. */
  date: string;
  summary: string;
  description?: string;
  /** An absolute URI (a link to the case). */
  url?: string;
  categories?: readonly string[];
}

export interface IcalCalendar {
  /** PRODID, e.g. `-//QazIndustry//Procedures//RU`. */
  prodId: string;
  /** X-WR-CALNAME: the name clients show for a subscribed calendar. */
  name?: string;
  /** X-WR-CALDESC. */
  description?: string;
  /** DTSTAMP of every event: when the feed was produced. */
  stamp: Date;
  events: readonly IcalAllDayEvent[];
}

const CRLF = '\r\n';
const MAX_OCTETS = 75;

/** A TEXT value (RFC 5545 §3.3.11): `\` `;` `,` escaped, a line break as `\n`. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\n/g, '\\n')
    .replace(/\r/g, '');
}

/**
 * Folds one content line (without its CRLF) into lines of at most 75 octets of UTF-8,
 * breaking between characters only; continuation lines start with one space.
 */
export function foldLine(line: string): string {
  if (line.length * 3 <= MAX_OCTETS) return line;
  const out: string[] = [];
  let current = '';
  let octets = 0;
  // Code points (`for…of`), so a surrogate pair is never split.
  for (const ch of line) {
    const size = utf8Octets(ch.codePointAt(0)!);
    // The first line holds 75 octets; a continuation line 74 after its leading space.
    const room = out.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
    if (octets + size > room) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join(`${CRLF} `);
}

/** The octets of a code point in UTF-8. */
function utf8Octets(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** `YYYY-MM-DD` → `YYYYMMDD` (a DATE value); throws on anything else. */
function dateValue(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`ical: not a date: ${date}`);
  return date.replace(/-/g, '');
}

/** The day after `YYYY-MM-DD` (the exclusive DTEND of an all-day event). */
function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** A UTC DATE-TIME, `YYYYMMDDTHHMMSSZ`. */
function utcValue(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** A URI value: no escaping in iCalendar, but never a line break (it would end the property). */
function uriValue(uri: string): string {
  return uri.replace(/[\r\n]/g, '');
}

/** The calendar as an iCalendar object: CRLF line ends, folded lines, UTF-8 text. */
export function writeCalendar(cal: IcalCalendar): string {
  const lines: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${escapeText(cal.prodId)}`, 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
  if (cal.name !== undefined) lines.push(`X-WR-CALNAME:${escapeText(cal.name)}`);
  if (cal.description !== undefined) lines.push(`X-WR-CALDESC:${escapeText(cal.description)}`);
  const stamp = utcValue(cal.stamp);
  for (const e of cal.events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(e.uid)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART;VALUE=DATE:${dateValue(e.date)}`,
      `DTEND;VALUE=DATE:${dateValue(nextDay(e.date))}`,
      `SUMMARY:${escapeText(e.summary)}`,
    );
    if (e.description !== undefined) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.url !== undefined) lines.push(`URL:${uriValue(e.url)}`);
    if (e.categories && e.categories.length > 0) lines.push(`CATEGORIES:${e.categories.map(escapeText).join(',')}`);
    lines.push('TRANSP:TRANSPARENT', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join(CRLF) + CRLF;
}
