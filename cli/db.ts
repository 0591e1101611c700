/**
 * `npm run db -- <command>`: tools for the database itself (issue 17 §4).
 *
 * - `copy --from <sqlite file> --to <postgres url>`: moves a deployment from SQLite to
 *   PostgreSQL (storage/copy.ts): the whole database, in one transaction of the target,
 *   which must be empty. The source is only read; stop the server on it first, or what it
 *   commits after the copy's snapshot stays behind.
 *
 * Exit codes: 0 done, 1 the copy failed or was refused (the target is left empty, or as it
 * was when it was not empty), 2 bad usage. Passwords in URLs are never printed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { copyDatabase, isPostgresUrl, redactDatabaseUrl } from '../storage/index.js';

export const USAGE = `usage: npm run db -- <command> [options]

commands:
  copy --from <sqlite file> --to <postgres url>
            copy a whole SQLite database of this engine into an EMPTY PostgreSQL database
            (create it with \`createdb --template=template0 --locale=C.UTF-8 <name>\`), in one
            transaction: all or nothing. Stop the server on the SQLite file first.
  help      this text

exit 0: copied, 1: the copy failed or was refused (the target is left unchanged), 2: bad usage`;

export interface DbIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (one progress line rewritten) or not (no progress). */
  isTTY: boolean;
}

class UsageError extends Error {}

export async function runDb(argv: string[], io: DbIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  let to: string | undefined;
  try {
    if (command !== 'copy') throw new UsageError(`unknown command: ${command} (expected copy or help)`);
    let values: { from?: string | undefined; to?: string | undefined };
    try {
      ({ values } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' } }, allowPositionals: false, strict: true }));
    } catch (e) {
      throw new UsageError(`copy: ${e instanceof Error ? e.message : String(e)}`);
    }
    const from = values.from;
    to = values.to;
    if (from === undefined || from === '') throw new UsageError('copy: --from <sqlite file> is required (the SQLite file of the deployment, its DATABASE)');
    if (to === undefined || to === '') throw new UsageError('copy: --to <postgres url> is required (postgres://user:password@host:port/database of an empty database)');
    if (!isPostgresUrl(to)) throw new UsageError(`copy: --to must be a PostgreSQL URL (postgres://user:password@host:port/database), got ${redactArg(to)}`);
    if (isPostgresUrl(from)) throw new UsageError('copy: --from is a SQLite file; copying from PostgreSQL is not supported');
    if (!existsSync(from)) throw new UsageError(`copy: --from ${from}: no such file`);
    const target = redactDatabaseUrl(to);
    io.err(`copying ${from} into ${target}\n`);
    let shown = '';
    const result = await copyDatabase({
      from,
      to,
      onProgress: ({ table, copied, total }) => {
        if (!io.isTTY) return;
        const line = `${table}: ${copied}/${total}`;
        io.err(`\r${line.padEnd(shown.length)}`);
        shown = line;
      },
    });
    if (io.isTTY && shown) io.err('\n');
    const width = Math.max(...Object.keys(result.tables).map((t) => t.length));
    for (const [table, n] of Object.entries(result.tables)) io.out(`${table.padEnd(width)}  ${n}\n`);
    const seconds = result.ms / 1000;
    io.out(`copied ${result.rows} rows in ${seconds.toFixed(1)} s (${Math.round(result.rows / Math.max(seconds, 0.001))} rows/s) into ${target}\n`);
    io.out(
      `\nnext steps:\n` +
        `  1. point the server at it: DATABASE_URL=${target} (DATABASE is ignored when DATABASE_URL is set)\n` +
        `  2. check the copy: DATABASE_URL=… npm run audit -- verify\n` +
        `  3. and the log: DATABASE_URL=… npm run audit -- ledger verify --checkpoint <a published checkpoint> --public-key <file>\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`db: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    // A refusal (CopyRefused) or a storage failure (StorageError) says what to fix; anything else is shown as is.
    const message = e instanceof Error ? e.message : String(e);
    // The driver's messages may quote the URL: never its password.
    io.err(`db: the copy failed, nothing was copied: ${to ? scrub(message, to) : message}\n`);
    return 1;
  }
}

/** A `--to` that is not a URL, shown without anything that could be a password. */
function redactArg(to: string): string {
  return isPostgresUrl(to) ? redactDatabaseUrl(to) : to.replace(/:[^:@/]*@/, ':***@');
}

/** `text` without the URL's password (when the driver quoted it). */
function scrub(text: string, url: string): string {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  return password ? text.split(password).join('***') : text;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await runDb(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
  });
  process.stdout.write('', () => process.exit(code));
}
