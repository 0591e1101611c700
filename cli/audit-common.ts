/** What the audit commands share (cli/audit-commands.ts, cli/ledger-commands.ts). */

export interface AuditIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bar) or not (plain lines). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** Resolves when the user asks to stop (Ctrl-C); `replay --inspect` waits for it. */
  stopped(): Promise<void>;
}

/** A usage error or an unknown case: exit 2 with the message. */
export class UsageError extends Error {}

/** An error the operator can fix (a busy port, an unwritable --out file): exit 2, one line, no usage text. */
export class CommandError extends Error {}

export interface Args {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}
