/**
 * `npm run audit -- <command>`: verify, export and replay stored cases (see cli/audit-commands.ts).
 * The database is opened read-only, so this runs safely next to the server.
 */
import { runAudit } from './audit-commands.js';

const code = await runAudit(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  env: process.env,
  stopped: () => new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }),
});
// Let stdout drain before exiting (a large export into a pipe).
process.stdout.write('', () => process.exit(code));
