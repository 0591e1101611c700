/** Child-process plumbing of the bench servers: spawn with IPC, wait for "ready", always kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Ready {
  port: number;
  [k: string]: unknown;
}

export interface Child<R extends Ready> {
  child: ChildProcess;
  ready: R;
  stop(): Promise<void>;
}

/**
 * The V8 flags `npm start` runs the server with, given to every bench server alike (the
 * naive one too, so the comparison stays even). A 64 MiB semi-space lets short-lived
 * request garbage die young instead of being promoted: measured 0.91× the engine's CPU per
 * request; the naive server is unaffected.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

/** Runs `bench/servers/<file>` (TypeScript through tsx) in its own process. */
export async function startChild<R extends Ready>(file: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Child<R>> {
  const path = fileURLToPath(new URL(`./${file}`, import.meta.url));
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...prof, '--import', 'tsx', path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  try {
    const ready = await new Promise<R>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${file} did not start in ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (m) => {
        clearTimeout(t);
        resolve(m as R);
      });
      child.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`${file} exited with ${code} before it was ready`));
      });
    });
    return { child, ready, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** In a child: report readiness, and exit on SIGTERM after `close`. */
export function serve(ready: Ready, close: () => Promise<void>): void {
  const quit = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', quit);
  process.once('SIGINT', quit);
  // The parent died: do not linger.
  process.once('disconnect', quit);
  process.send?.(ready);
}
