/** The audit CLI (cli/audit-commands.ts) in-process, on a test database, with its output captured. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runAudit, type AuditIo } from '../../cli/audit-commands.js';

export interface AuditRunOptions {
  isTTY?: boolean;
  env?: Record<string, string>;
  stopped?: () => Promise<void>;
  /** Told of each stderr write as it happens (e.g. to wait for the inspector's line). */
  onErr?: (s: string) => void;
}

export async function auditOn(databasePath: string, args: string[], o: AuditRunOptions = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: AuditIo = {
    out: (s) => (out += s),
    err: (s) => {
      err += s;
      o.onErr?.(s);
    },
    isTTY: o.isTTY ?? false,
    env: { DATABASE: databasePath, ...o.env },
    stopped: o.stopped ?? (() => Promise.resolve()),
  };
  const code = await runAudit(args, io);
  return { code, out, err };
}

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/**
 * A program run as operators run it (a child process, in the project's folder) on a test
 * database; resolves with its exit code and output, whatever the code.
 */
export async function runChild(
  file: string,
  args: string[],
  databasePath: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: ROOT, env: { ...process.env, DATABASE: databasePath, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The audit CLI as a child process: `node --import tsx cli/audit.ts …args`. */
export const auditChild = (databasePath: string, args: string[], env: Record<string, string> = {}) =>
  runChild(process.execPath, ['--import', 'tsx', 'cli/audit.ts', ...args], databasePath, env);
