/** The audit CLI (cli/audit-commands.ts) in-process, on a test database, with its output captured. */
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
