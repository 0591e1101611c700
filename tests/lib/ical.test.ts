/**
 * The iCalendar writer (lib/ical.ts, issue 15 §3): RFC 5545 line folding at 75 octets on
 * UTF-8 boundaries (Cyrillic is 2 octets a letter), TEXT escaping, and an independent
 * parser (ical.js) reading back exactly what was written.
 */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, writeCalendar } from '../../lib/ical.js';

const octets = (s: string) => Buffer.byteLength(s, 'utf8');
/** RFC 5545 §3.1 unfolding: a CRLF followed by one space or tab is removed. */
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

describe('foldLine', () => {
  it('leaves a line of 75 octets alone and folds the 76th onto a continuation line', () => {
    const a75 = 'X'.repeat(75);
    expect(foldLine(a75)).toBe(a75);
    expect(foldLine(`${a75}Y`)).toBe(`${a75}\r\n Y`);
  });

  it('folds Cyrillic at 75 octets without splitting a letter, and unfolds to the original', () => {
    const line = `SUMMARY:${'Рассмотрение обращения в установленный срок, '.repeat(6)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(5);
    for (const p of parts) expect(octets(p)).toBeLessThanOrEqual(75);
    // Every continuation line starts with exactly one space, and every part is valid UTF-8 on its own
    // (a split letter would decode to U+FFFD).
    for (const p of parts.slice(1)) expect(p.startsWith(' ')).toBe(true);
    for (const p of parts) expect(Buffer.from(p, 'utf8').toString('utf8')).not.toContain('\uFFFD');
    // Full lines: the first holds 75 octets or 74 (the next letter would not fit), the next 74 + the space.
    expect(octets(parts[0]!)).toBeGreaterThanOrEqual(74);
    expect(unfold(folded)).toBe(line);
  });

  it('never splits a character outside the BMP (4 octets, a surrogate pair)', () => {
    const line = `X-NOTE:${'😀'.repeat(40)}`;
    const parts = foldLine(line).split('\r\n');
    for (const p of parts) {
      expect(octets(p)).toBeLessThanOrEqual(75);
      expect(p).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(unfold(parts.join('\r\n'))).toBe(line);
  });
});

describe('escapeText', () => {
  it('escapes backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11)', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    expect(escapeText('no CR\r alone')).toBe('no CR alone');
  });
});

describe('writeCalendar', () => {
  const text = 'Срок: п. 38, 39; «ответ»\\заявителю\nвторая строка — '.repeat(3);
  const out = writeCalendar({
    prodId: '-//QazIndustry//Procedures//RU',
    name: 'Мои сроки — QazIndustry',
    stamp: new Date('2025-03-06T05:00:00.000Z'),
    events: [
      { uid: 'case-1.review.1@example', date: '2025-12-31', summary: text, description: text, url: 'https://example.kz/ui/cases/case-1', categories: ['a,b', 'c'] },
    ],
  });

  it('writes CRLF line ends only, and no line over 75 octets', () => {
    expect(out.endsWith('\r\n')).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of out.split('\r\n')) expect(octets(line)).toBeLessThanOrEqual(75);
  });

  it('is read back by ical.js with every field as written', () => {
    const cal = new ICAL.Component(ICAL.parse(out));
    expect(cal.getFirstPropertyValue('version')).toBe('2.0');
    expect(cal.getFirstPropertyValue('prodid')).toBe('-//QazIndustry//Procedures//RU');
    expect(cal.getFirstPropertyValue('calscale')).toBe('GREGORIAN');
    expect(cal.getFirstPropertyValue('x-wr-calname')).toBe('Мои сроки — QazIndustry');
    const [ev] = cal.getAllSubcomponents('vevent');
    expect(ev).toBeDefined();
    const start = ev!.getFirstPropertyValue('dtstart') as ICAL.Time;
    const end = ev!.getFirstPropertyValue('dtend') as ICAL.Time;
    expect(start.isDate).toBe(true);
    expect(start.toString()).toBe('2025-12-31');
    // DTEND is exclusive: the next day, across the year's end.
    expect(end.toString()).toBe('2026-01-01');
    expect((ev!.getFirstPropertyValue('dtstamp') as ICAL.Time).toString()).toBe('2025-03-06T05:00:00Z');
    expect(ev!.getFirstPropertyValue('uid')).toBe('case-1.review.1@example');
    expect(ev!.getFirstPropertyValue('summary')).toBe(text);
    expect(ev!.getFirstPropertyValue('description')).toBe(text);
    expect(ev!.getFirstPropertyValue('url')).toBe('https://example.kz/ui/cases/case-1');
    expect(ev!.getFirstProperty('categories')!.getValues()).toEqual(['a,b', 'c']);
  });
});
