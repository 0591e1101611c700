/**
 * The REAL server as operators run it (`node --import tsx server/main.ts`), for the suites
 * that kill it or its database (tests/reliability/sigkill-soak.test.ts, tests/postgres/):
 * started on a free port of 127.0.0.1, resolved once it logs that it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  child: ChildProcess;
  base: string;
  port: number;
  exited: Promise<number | null>;
  stderr: string[];
  /** The last 200 lines of its log (stdout), for failure messages. */
  log: string[];
}

/**
 * Starts server/main.ts with `env` over this process's environment and resolves once it
 * logs that it listens (bounded: 30 s). `port`: the port to listen on (default a free one;
 * a restarted server may take its old port back).
 */
export async function startServer(env: Record<string, string>, port?: number): Promise<Server> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(listenOn), HOST: '127.0.0.1', LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout! });
  const log: string[] = [];
  lines.on('line', (l) => {
    log.push(l);
    if (log.length > 200) log.shift();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s: ${stderr.join('')}`)), 30_000);
    lines.on('line', (l) => {
      if (l.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening: ${stderr.join('')}`));
    });
  });
  return { child, base: `http://127.0.0.1:${listenOn}`, port: listenOn, exited, stderr, log };
}

/** SIGKILLs `server` if it still runs and waits for its exit. */
export async function killServer(server: Server | undefined): Promise<void> {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** How long the answer took, ms. */
  ms: number;
}

/**
 * One HTTP call to a spawned server with `token` as the bearer; JSON in and out. Throws on
 * a network failure or after `timeoutMs` (the answer is unknown: the suites retry with the
 * command's Idempotency-Key).
 */
export function callAs(token: string) {
  return async (base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<Answer> => {
    const t0 = Date.now();
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: Date.now() - t0 };
  };
}
