/**
 * `npm run calendar -- <command> <file>`: a new business-calendar data file (a decree's day
 * transfers, next year's order) against the database named by DATABASE (the server's
 * configuration, server/config.ts).
 *
 * - `diff <file>`: validates the file and lists every open deadline whose last day would
 *   change (case, key, old → new). Changes nothing (the database is opened read-only, so
 *   it runs next to the server). Exit 0: nothing moves; 1: the listed deadlines move;
 *   2: the file is invalid, or the database or the arguments are wrong.
 * - `apply <file>`: installs the file as the newest calendar version (engine/calendar-versions.ts)
 *   and re-counts the open deadlines (engine/recount.ts): one `deadline_recounted` event per
 *   moved deadline, one unit of work per case, timers moved. A running server notices the
 *   new version (CALENDAR_POLL_INTERVAL) and computes with it from then on. Exit 0 (also
 *   when the file is the newest already: nothing to do), 2 on an error.
 *
 * `--json`: the result as JSON on stdout.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CalendarError, createCalendar, loadKzCalendar, readCalendarData } from '../calendars/index.js';
import { openAuditStore } from '../engine/audit.js';
import { candidateOf } from '../engine/calendar-versions.js';
import { createEngine } from '../engine/engine.js';
import { isEngineError } from '../engine/errors.js';
import { diffRecount, type RecountChange, type RecountSummary } from '../engine/recount.js';
import { legacyProcedures, procedureMigrations, procedures } from '../machines/index.js';
import { loadConfig } from '../server/config.js';
import { parseReadings } from '../server/readings.js';

const USAGE = `usage: npm run calendar -- <command> <file> [--json]

  diff <file>     validate a calendar data file and list every open deadline whose last day
                  would change (case, key, old → new); changes nothing.
                  exit 0: nothing moves, 1: deadlines move, 2: invalid file or error
  apply <file>    install it as the newest calendar version and re-count the open deadlines
                  (deadline_recounted events, timers moved); prints a summary

environment: DATABASE (default data/qazindustry.sqlite) or DATABASE_URL (PostgreSQL), CALENDAR_STATUTORY_ONLY, DEADLINE_READINGS`;

export interface CalendarIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

function line(c: RecountChange): string {
  const name = c.registrationNumber ? ` ${c.registrationNumber}` : '';
  return `${c.caseId}${name} (${c.procedure}) ${c.key}: ${c.oldLastDay} → ${c.newLastDay} (due ${c.oldDueAt} → ${c.newDueAt})\n`;
}

function report(io: CalendarIo, s: RecountSummary, verb: string): void {
  for (const c of s.changes) io.out(line(c));
  for (const f of s.failures) io.out(`${f.caseId} ${f.key}: cannot be counted with the new calendar: ${f.message}\n`);
  io.out(
    `${s.changes.length} open deadline(s) in ${s.casesRecounted} case(s) ${verb}; ` +
      `${s.deadlines} open deadline(s) of another version looked at in ${s.cases} case(s) with an open deadline (version ${s.version})\n`,
  );
}

export async function runCalendar(argv: string[], io: CalendarIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
    const [command, file, ...extra] = positionals;
    if (command === undefined || command === 'help') {
      io.out(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command !== 'diff' && command !== 'apply') throw new UsageError(`unknown command: ${command} (expected diff or apply)`);
    if (file === undefined || extra.length > 0) throw new UsageError(`${command} takes one calendar data file`);
    const config = loadConfig(io.env);
    const options = { allowStatutoryOnly: config.calendarStatutoryOnly };
    const data = readCalendarData(file);
    const candidate = candidateOf(data);
    const shipped = loadKzCalendar(options);
    const readings = parseReadings(config.deadlineReadings);
    if (command === 'diff') {
      const store = await openAuditStore({ databasePath: config.database, calendar: shipped, readings, targets: config.internalTargets, procedures, legacyModules: legacyProcedures, migrations: procedureMigrations });
      try {
        const newest = store.calendars.current.calendar.version;
        const summary = await diffRecount(store.storage.read, createCalendar(data, options, file));
        if (values.json) io.out(`${JSON.stringify({ file, newest, ...summary }, null, 2)}\n`);
        else {
          io.out(`${file}: valid, version ${candidate.version}${candidate.version === newest ? ' (the newest installed version already)' : `; the newest installed is ${newest}`}\n`);
          report(io, summary, 'would move');
        }
        return summary.changes.length > 0 ? 1 : 0;
      } finally {
        await store.close();
      }
    }
    const engine = await createEngine({
      databasePath: config.database,
      synchronous: config.synchronous,
      calendar: shipped,
      readings,
      targets: config.internalTargets,
      procedures,
      legacyModules: legacyProcedures,
      migrations: procedureMigrations,
      maxBackdating: config.maxBackdating,
      calendarPollMs: 0,
    });
    try {
      const { installNo, recount } = await engine.installCalendar(candidate, 'cli');
      if (values.json) io.out(`${JSON.stringify({ file, installNo: installNo ?? null, ...recount }, null, 2)}\n`);
      else {
        io.out(
          installNo === undefined
            ? `${file}: version ${candidate.version} is the newest installed already; nothing installed\n`
            : `${file}: installed version ${candidate.version} as install ${installNo}\n`,
        );
        report(io, recount, 're-counted');
      }
      return 0;
    } finally {
      await engine.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`calendar: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof CalendarError || (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`calendar: ${e.message}\n`);
      return 2;
    }
    if (isEngineError(e) || (e instanceof Error && (e.message.startsWith('Bad configuration') || /no such table/i.test(e.message)))) {
      io.err(`calendar: ${e.message}\n`);
      return 2;
    }
    io.err(`calendar: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await runCalendar(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
  });
  process.stdout.write('', () => process.exit(code));
}
