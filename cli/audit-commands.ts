/**
 * The audit commands (`npm run audit -- <command>`), on the database named by DATABASE
 * (default data/qazindustry.sqlite), opened read-only: safe while the server runs.
 *
 * Exit codes: 0 done, 1 a verification found problems (or an unexpected error),
 * 2 bad usage, an unknown case, an unreadable database, an unwritable `--out` file or an
 * inspector port that is in use.
 */
import { parseReadings } from '../server/readings.js';
import { appendFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadKzCalendar } from '../calendars/index.js';
import { openAuditStore, type AuditEvent, type AuditStore, type CaseAsOf } from '../engine/audit.js';
import { isEngineError } from '../engine/errors.js';
import { engineMachines, startInspectorServer } from '../inspector/index.js';
import { normalizeInstant } from '../engine/command-checks.js';
import { legacyProcedures, procedureMigrations, procedures } from '../machines/index.js';
import { loadConfig, type Config } from '../server/config.js';
import { ledgerCommand } from './ledger-commands.js';
import { CommandError, UsageError, type Args, type AuditIo } from './audit-common.js';

export const USAGE = `usage: npm run audit -- <command> [options]

commands (each takes --out <file>: write the output there instead of stdout):
  verify [--case <id>]                       check the hash chain and that the replay equals the
                                             stored state, for every case (or one); exit 1 on a problem
  export <caseId> [--format jsonl|csv]       print the full history: both times, actor, role,
                                             payload and hashes (default jsonl)
  replay <caseId> [--at <seq|instant>] [--inspect] [--exit] [--json]
                                             print the state and deadlines as they were after event
                                             <seq>, or as recorded at <instant> (default: now);
                                             --inspect replays the case into the live inspector on
                                             ws://127.0.0.1:INSPECT_PORT and waits for Ctrl-C (or --exit)
  backdated [--case <id>] [--format jsonl|csv]
                                             list every deadline whose judgement depends on a
                                             back-dated event: closed "in time" by an event recorded
                                             after its due time, or moved after it had passed
  reads [--case <id>] [--format jsonl|csv]   list who read personal data (unredacted): case, time,
                                             person, role and route of every read, oldest first
  ledger verify --checkpoint <file>... --public-key <file>
                                             recompute the log's Merkle tree from the database, check it
                                             against every checkpoint (signature and root), then every
                                             case and message against the log; exit 1 on a problem
  ledger checkpoint                          sign a checkpoint of the committed log with LEDGER_KEY_FILE,
                                             print it, and write it to LEDGER_CHECKPOINTS when set
  ledger public-key                          print the public key of LEDGER_KEY_FILE (PEM)
  ledger check-inclusion --proof <file> --checkpoint <file> --public-key <file>
                                             check an inclusion proof (GET /ledger/proof/inclusion) offline
  ledger check-consistency --proof <file> --checkpoint <old> --checkpoint <new> --public-key <file>
                                             check a consistency proof (GET /ledger/proof/consistency) offline

Redirecting stdout with npm? Use \`npm run -s audit -- …\` (or --out), or npm's banner lands in the file.

environment: DATABASE (default data/qazindustry.sqlite) or DATABASE_URL (PostgreSQL), INSPECT_PORT (default 5678),
LEDGER_KEY_FILE, LEDGER_ORIGIN, LEDGER_CHECKPOINTS (ledger checkpoint, ledger public-key)`;

export { CommandError, UsageError, type Args, type AuditIo } from './audit-common.js';

/**
 * `--out FILE`: the command's output goes to FILE (created or truncated at the first write,
 * appended after), stdout gets nothing. No output, no file (a refused command leaves none).
 */
function outputTo(file: string, io: AuditIo): AuditIo {
  let started = false;
  return {
    ...io,
    out(text) {
      try {
        if (started) appendFileSync(file, text);
        else writeFileSync(file, text);
        started = true;
      } catch (e) {
        throw new CommandError(`--out ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

export async function runAudit(argv: string[], io: AuditIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  let store: AuditStore | undefined;
  try {
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command: ${command} (expected verify, export, replay, backdated, reads or ledger)`);
    const args = parse(command, rest);
    const config = loadConfig(io.env);
    store = await openAuditStore({
      databasePath: config.database,
      calendar: loadKzCalendar({ allowStatutoryOnly: config.calendarStatutoryOnly }),
      // Replay and verify step the machines with the server's policy settings.
      readings: parseReadings(config.deadlineReadings),
      targets: config.internalTargets,
      procedures,
      legacyModules: legacyProcedures,
      migrations: procedureMigrations,
    });
    const out = args.values.out as string | undefined;
    return await run(store, args, out === undefined ? io : outputTo(out, io), config.inspectPort, config);
  } catch (e) {
    if (e instanceof CommandError) {
      io.err(`audit: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`audit: ${e.message}\n${e.message.startsWith('case ') ? '' : `\n${USAGE}\n`}`);
      return 2;
    }
    if (isEngineError(e) && (e.code === 'not_found' || e.code === 'storage_unavailable' || e.code === 'invalid_request')) {
      io.err(`audit: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && /no such table/i.test(e.message)) {
      io.err(`audit: ${loadConfig(io.env).database} is not an engine database (${e.message})\n`);
      return 2;
    }
    if (e instanceof Error && e.message.startsWith('Bad configuration')) {
      io.err(`audit: ${e.message}\n`);
      return 2;
    }
    io.err(`audit: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}


const OPTIONS = {
  verify: { case: { type: 'string' }, out: { type: 'string' } },
  export: { format: { type: 'string' }, out: { type: 'string' } },
  replay: { at: { type: 'string' }, inspect: { type: 'boolean' }, exit: { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' } },
  backdated: { case: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  reads: { case: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  ledger: { checkpoint: { type: 'string', multiple: true }, 'public-key': { type: 'string' }, proof: { type: 'string' }, out: { type: 'string' } },
} as const;
const POSITIONALS: Record<string, number> = { verify: 0, export: 1, replay: 1, backdated: 0, reads: 0, ledger: 1 };

function parse(command: string, rest: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS[command as keyof typeof OPTIONS], allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const want = POSITIONALS[command]!;
  if (parsed.positionals.length !== want) {
    if (command === 'ledger') throw new UsageError('ledger needs one of: verify, checkpoint, public-key, check-inclusion, check-consistency');
    throw new UsageError(want === 0 ? `${command} takes no arguments (use --case <id>)` : `${command} needs exactly one <caseId>`);
  }
  return { positionals: parsed.positionals, values: parsed.values as Args['values'] };
}

type Command = (store: AuditStore, args: Args, io: AuditIo, inspectPort: number, config: Config) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  verify: verifyCommand,
  export: exportCommand,
  replay: replayCommand,
  backdated: backdatedCommand,
  reads: readsCommand,
  ledger: ledgerCommand,
};

async function verifyCommand(store: AuditStore, args: Args, io: AuditIo): Promise<number> {
  const one = args.values.case as string | undefined;
  if (one !== undefined) await mustExist(store, one);
  const ids = one !== undefined ? [one] : await store.caseIds();
  const progress = io.isTTY ? progressBar(io, ids.length) : undefined;
  if (!io.isTTY) io.err(`verifying ${ids.length} case(s)\n`);
  let events = 0;
  const failed: string[] = [];
  for (const [i, id] of ids.entries()) {
    let lines: string[];
    try {
      const r = await store.verify(id);
      events += r.events;
      lines = r.problems.map((p) => `FAIL case ${id} seq ${p.seq} ${p.kind}: ${p.message}`);
    } catch (e) {
      lines = [`FAIL case ${id}: ${e instanceof Error ? e.message : String(e)}`];
    }
    if (lines.length > 0) {
      failed.push(id);
      progress?.clear();
      io.out(lines.join('\n') + '\n');
    }
    progress?.update(i + 1);
  }
  progress?.done();
  const ok = ids.length - failed.length;
  io.out(`verified ${ids.length} case(s), ${events} event(s): ${ok} ok, ${failed.length} failed\n`);
  return failed.length > 0 ? 1 : 0;
}

const CSV_COLUMNS = ['caseId', 'seq', 'type', 'occurredAt', 'recordedAt', 'actor', 'role', 'payload', 'backdatingReason', 'machineVersion', 'prevHash', 'hash'] as const;

/** RFC 4180: a field with a comma, quote, CR or LF (or edge spaces) is quoted, quotes doubled; null is empty. */
export function csvField(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(e: AuditEvent): string {
  return CSV_COLUMNS.map((c) => csvField(c === 'payload' ? JSON.stringify(e.payload) : e[c])).join(',');
}

async function exportCommand(store: AuditStore, args: Args, io: AuditIo): Promise<number> {
  const format = (args.values.format as string | undefined) ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`export: --format must be jsonl or csv, not ${format}`);
  const id = args.positionals[0]!;
  await mustExist(store, id);
  const events = await store.history(id);
  if (format === 'jsonl') {
    io.out(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  } else {
    // CRLF line ends, as RFC 4180 says; payload texts keep their own line breaks inside quotes.
    io.out([CSV_COLUMNS.join(','), ...events.map(csvLine)].join('\r\n') + '\r\n');
  }
  return 0;
}

const BACKDATED_COLUMNS = ['caseId', 'procedure', 'key', 'rule', 'effect', 'dueAt', 'status', 'seq', 'type', 'occurredAt', 'recordedAt', 'actor', 'role', 'backdatingReason'] as const;

async function backdatedCommand(store: AuditStore, args: Args, io: AuditIo): Promise<number> {
  const format = (args.values.format as string | undefined) ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`backdated: --format must be jsonl or csv, not ${format}`);
  const one = args.values.case as string | undefined;
  if (one !== undefined) await mustExist(store, one);
  const found = await store.backdatedJudgements(one);
  if (format === 'jsonl') {
    if (found.length > 0) io.out(found.map((j) => JSON.stringify(j)).join('\n') + '\n');
  } else {
    io.out([BACKDATED_COLUMNS.join(','), ...found.map((j) => BACKDATED_COLUMNS.map((c) => csvField(j[c])).join(','))].join('\r\n') + '\r\n');
  }
  io.err(`${found.length} deadline judgement(s) depend on a back-dated event\n`);
  return 0;
}

const READ_COLUMNS = ['caseId', 'readAt', 'actor', 'role', 'route'] as const;

/** The recorded reads of personal data (engine/reads.ts), of one case or all. */
async function readsCommand(store: AuditStore, args: Args, io: AuditIo): Promise<number> {
  const format = (args.values.format as string | undefined) ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`reads: --format must be jsonl or csv, not ${format}`);
  const one = args.values.case as string | undefined;
  if (one !== undefined) await mustExist(store, one);
  const reads = await store.storage.read.reads.list(one);
  if (format === 'jsonl') {
    if (reads.length > 0) io.out(reads.map((r) => JSON.stringify(r)).join('\n') + '\n');
  } else {
    io.out([READ_COLUMNS.join(','), ...reads.map((r) => READ_COLUMNS.map((c) => csvField(r[c])).join(','))].join('\r\n') + '\r\n');
  }
  io.err(`${reads.length} read(s) of personal data\n`);
  return 0;
}

async function replayCommand(store: AuditStore, args: Args, io: AuditIo, inspectPort: number): Promise<number> {
  const id = args.positionals[0]!;
  const row = await mustExist(store, id);
  const at = args.values.at as string | undefined;
  let seq: number | undefined;
  if (at !== undefined) {
    if (/^\d+$/.test(at)) {
      seq = Number(at);
      if (seq < 1 || seq > row.seq) throw new UsageError(`replay: --at ${at}: case ${id} has events 1 to ${row.seq}`);
    } else {
      let instant: string;
      try {
        instant = normalizeInstant(at, '--at');
      } catch {
        throw new UsageError(`replay: --at must be an event seq or an instant with an offset, e.g. 2025-03-06T10:00:00+05:00, not ${at}`);
      }
      seq = await store.seqAt(id, instant);
      if (seq === 0) throw new UsageError(`replay: case ${id} was not recorded yet at ${instant}`);
    }
  }
  const asOf = await store.asOf(id, seq);
  io.out(args.values.json ? JSON.stringify(asOf, null, 2) + '\n' : formatAsOf(asOf, row.seq));
  if (!args.values.inspect) return 0;

  let inspector: Awaited<ReturnType<typeof startInspectorServer>>;
  try {
    inspector = await startInspectorServer({ port: inspectPort, machineOf: engineMachines(store) });
  } catch (e) {
    // The inspector could not start (its port in use, a bad INSPECT_PORT): the operator's to
    // fix, said in one line (the inspector's message names the port and INSPECT_PORT).
    throw new CommandError(`replay --inspect: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const observations = (await store.observations(id)).filter((o) => seq === undefined || o.seq <= seq);
    for (const o of observations) inspector.observe(o);
    io.err(
      `inspector: replayed ${observations.length} event(s) of case ${id} into ${inspector.url} ` +
        `(open http://127.0.0.1:${inspector.port}/ or connect a WebSocket client)` +
        (args.values.exit ? '\n' : '; Ctrl-C to stop\n'),
    );
    if (!args.values.exit) await io.stopped();
  } finally {
    await inspector.close();
  }
  return 0;
}

async function mustExist(store: AuditStore, id: string) {
  try {
    return await store.findCase(id);
  } catch (e) {
    if (isEngineError(e) && e.code === 'not_found') throw new UsageError(`case ${id} not found`);
    throw e;
  }
}

export function formatAsOf(c: CaseAsOf, lastSeq: number): string {
  const lines = [
    `case       ${c.caseId}`,
    `procedure  ${c.procedure}@${c.version}`,
    `as of      event ${c.seq} of ${lastSeq}, recorded ${c.recordedAt}`,
    `state      ${c.state} (${c.status})`,
    '',
  ];
  if (c.deadlines.length === 0) {
    lines.push('deadlines  none');
  } else {
    const rows = [
      ['key', 'rule', 'term', 'from', 'last day', 'due at', 'status', 'open'],
      ...c.deadlines.map((d) => [
        d.key,
        d.rule,
        `${d.amount} ${d.reading === 'working' ? 'working' : 'calendar'} days`,
        d.from,
        d.lastDay,
        d.dueAt,
        d.status,
        d.open ? 'open' : `closed ${d.closedAt ?? ''}`.trim(),
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) lines.push(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  }
  return lines.join('\n') + '\n';
}

function progressBar(io: AuditIo, total: number) {
  const width = 30;
  let last = '';
  const draw = (n: number) => {
    const filled = total === 0 ? width : Math.round((n / total) * width);
    const line = `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total}`;
    if (line !== last) io.err(line);
    last = line;
  };
  draw(0);
  return {
    update: draw,
    clear: () => {
      io.err('\r\x1b[2K');
      last = '';
    },
    done: () => io.err('\n'),
  };
}
