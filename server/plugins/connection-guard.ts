/**
 * One client must not hold the server: the HTTP timeouts and a cap on the connections one
 * address may hold open at a time.
 *
 * - `headersTimeout`: the whole request head must arrive within it (slow-header clients).
 * - `requestTimeout`: the whole request, head and body, must arrive within it (clients that
 *   send headers and part of a body, then nothing). Node answers 408 and closes the socket.
 * - `keepAliveTimeout`: an idle kept-alive connection is closed after it.
 * - `connectionTimeout`: a socket with no traffic at all for this long is destroyed.
 * - `maxConnectionsPerAddress`: a new connection from an address that already holds this
 *   many is destroyed at once, before any byte is read (0: no cap). Behind a reverse proxy
 *   every connection comes from the proxy: raise it, or set 0 and cap at the proxy.
 *
 * Shedding is logged (warn), at most once per `LOG_EVERY_MS` with the counts since the
 * last line: the address and the numbers, never anything from the requests.
 */
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionTimeoutMs: number;
  /** 0: no cap. */
  maxConnectionsPerAddress: number;
}

/** The defaults; the same numbers are the defaults of the settings (server/config.ts). */
export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
  maxConnectionsPerAddress: 100,
};

const LOG_EVERY_MS = 10_000;

/**
 * The Fastify options for the timeouts. Node checks the header and request timeouts every
 * `connectionsCheckingInterval` (30 s by default, so a socket could outlive its timeout by
 * that much); it is set to half the shorter timeout, at most 30 s.
 */
export function timeoutOptions(limits: ServerLimits): {
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionTimeout: number;
  http: ServerOptions;
} {
  // Node requires headersTimeout <= requestTimeout when both are set.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 2))),
    },
  };
}

/** Counts shed connections and timed-out requests, and logs them now and then. */
class ShedLog {
  #refused = new Map<string, number>();
  #timedOut = 0;
  #last = 0;
  constructor(private readonly log: FastifyBaseLogger) {}

  refused(address: string): void {
    this.#refused.set(address, (this.#refused.get(address) ?? 0) + 1);
    this.#flushMaybe();
  }
  timedOut(): void {
    this.#timedOut += 1;
    this.#flushMaybe();
  }
  #flushMaybe(): void {
    const now = Date.now();
    if (now - this.#last < LOG_EVERY_MS) return;
    this.#last = now;
    const refused = Object.fromEntries([...this.#refused].slice(0, 20));
    this.log.warn(
      { refusedConnections: refused, addresses: this.#refused.size, timedOutRequests: this.#timedOut },
      'shedding load: connections over the per-address cap refused, or requests timed out',
    );
    this.#refused.clear();
    this.#timedOut = 0;
  }
}

/** Installs the per-address cap and the shedding log on the app's HTTP server. */
export function guardConnections(server: Server, limits: ServerLimits, log: FastifyBaseLogger): void {
  const shed = new ShedLog(log);
  const open = new Map<string, number>();
  const cap = limits.maxConnectionsPerAddress;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const held = open.get(address) ?? 0;
    if (cap > 0 && held >= cap) {
      shed.refused(address);
      socket.destroy();
      return;
    }
    open.set(address, held + 1);
    socket.once('close', () => {
      const n = (open.get(address) ?? 1) - 1;
      if (n <= 0) open.delete(address);
      else open.set(address, n);
    });
  });
  // Node reports a request that missed headersTimeout/requestTimeout as a client error (and
  // answers 408 itself, or Fastify's clientError handler does); this listener only counts.
  server.on('clientError', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') shed.timedOut();
  });
}
