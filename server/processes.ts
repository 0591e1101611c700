/**
 * `npm run start:processes -- <N>`: N server processes on one database, for a first look at
 * a deployment with several (README "PostgreSQL and several processes"). Each is
 * `server/main.ts` with the same environment and its own port: PORT, PORT+1, …, PORT+N-1
 * (put any load balancer in front). The first is started alone and the others once it
 * answers `/health`: a development start creates the demo users and the ledger key once,
 * and every other process must read the same files (what several processes must share:
 * the database, AUTH_FILE, UNITS_FILE, the policy files, LEDGER_KEY_FILE).
 *
 * SIGINT / SIGTERM are passed on to every process; the launcher ends when they all have.
 * A process that dies is not restarted (a process manager's job in production).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadConfig } from './config.js';

const USAGE = 'usage: npm run start:processes -- <N>   (N server processes, 1–16, on PORT, PORT+1, …; set DATABASE_URL for PostgreSQL)';

async function waitForHealth(port: number, host: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the process on port ${port} exited (${child.exitCode}) before it answered`);
    try {
      const res = await fetch(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the process on port ${port} did not answer /health within ${timeoutMs / 1000} s`);
}

const children: ChildProcess[] = [];

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? '2');
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (let i = 0; i < n && !stopping; i++) {
    const port = config.port + i;
    const child = spawn(process.execPath, ['--import', 'tsx', '--max-semi-space-size=64', 'server/main.ts'], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'inherit',
    });
    children.push(child);
    child.on('exit', (code, signal) => {
      process.stderr.write(`server on port ${port} ended (${signal ?? code})\n`);
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(stopping ? 0 : 1);
    });
    await waitForHealth(port, config.host, child);
  }
  process.stderr.write(`${n} server process(es) on ports ${config.port}–${config.port + n - 1}, one database\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`start:processes: ${e instanceof Error ? e.message : String(e)}\n`);
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exitCode = 1;
});
