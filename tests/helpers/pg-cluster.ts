/**
 * A throw-away PostgreSQL cluster of our own (initdb + pg_ctl), for the tests and benches
 * that must restart or measure the server itself. As root (CI), the cluster runs as the
 * `postgres` user: the server refuses to run as root. Listens on 127.0.0.1 only.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian puts the server's binaries (the newest major installed), or PG_BIN. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error('no PostgreSQL server binaries (apt-get install postgresql, or set PG_BIN)');
  return join(root, majors[0]!, 'bin');
}

export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  dataDir: string;
  /** `pg_ctl restart` (`immediate`: a crash, the WAL replayed on start). */
  restart(mode?: 'fast' | 'immediate'): void;
  /** `pg_ctl stop`. */
  stop(mode?: 'fast' | 'immediate'): void;
  /** `pg_ctl start` after a stop. */
  start(): void;
  /** Stops the server and deletes its files. */
  destroy(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export async function startCluster(options: { settings?: Record<string, string> } = {}): Promise<Cluster> {
  const bin = postgresBin();
  const root = process.getuid?.() === 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'qaz-pg-'));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
  }
  chmodSync(dataDir, 0o700);
  const as = (cmd: string, args: string[]) => {
    if (root) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe', cwd: '/' });
    else execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  };
  as('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--locale=C.UTF-8', '--encoding=UTF8']);
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: "''", ...options.settings };
  const o = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const ctl = (verb: string, extra: string[] = []) => as('pg_ctl', [verb, '-D', dataDir, '-w', '-t', '60', ...extra]);
  const start = () => ctl('start', ['-o', o, '-l', join(dataDir, 'server.log')]);
  start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    restart: (mode = 'fast') => ctl('restart', ['-m', mode, '-o', o, '-l', join(dataDir, 'server.log')]),
    stop: (mode = 'fast') => {
      ctl('stop', ['-m', mode]);
      running = false;
    },
    start: () => {
      start();
      running = true;
    },
    destroy: () => {
      try {
        if (running) ctl('stop', ['-m', 'immediate']);
      } catch {
        // already stopped
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
