/**
 * The live XState inspector's server (INSPECT=1): every committed command of a case becomes
 * inspection events of @statelyai/inspect (see case-inspector.ts), relayed to WebSocket
 * clients of an HTTP + WebSocket server bound to 127.0.0.1 only. The engine knows nothing of
 * it: it only publishes committed steps through `engine.observe`.
 *
 * Why not the library's own transports: `createSkyInspector` sends everything to Stately's
 * cloud relay, and `createInspectorServer` (@statelyai/inspect/server) listens on every
 * interface and opens a browser. Case data (names, e-mails, texts of appeals) must not leave
 * this machine, so the events are built with the library's `createInspector` (its manual
 * `actor()`/`event()`/`snapshot()` methods) and a local relay adapter.
 *
 * @example
 * const inspector = await startInspectorServer({ port: 5678, machineOf: engineMachines(engine) });
 * engine.observe(inspector.observe);
 * // ws://127.0.0.1:5678 — or open http://127.0.0.1:5678/ in a browser
 * await inspector.close();
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createCaseInspector, type CaseInspectorOptions } from './case-inspector.js';
import type { CommitObserver } from './observation.js';
import { statelyBridgePage, viewerPage } from './pages.js';
import { Relay } from './relay.js';

/** The only address the inspector ever listens on. */
export const INSPECTOR_HOST = '127.0.0.1';

export interface InspectorServerOptions extends CaseInspectorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one (tests). */
  port: number;
  /** Recent event/snapshot messages a client receives first when it connects (default 2000). */
  recentLimit?: number;
  /** Cases whose registration is kept for clients that connect later (default 1000). */
  actorLimit?: number;
}

export interface InspectorServer {
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  /** The engine's commit observer: pass it to `engine.observe`. */
  readonly observe: CommitObserver;
  /** Open WebSocket connections. */
  clients(): number;
  close(): Promise<void>;
}

/**
 * Browsers let any web page open a WebSocket to 127.0.0.1, so a page's Origin must be local
 * (the pages served here); clients without an Origin (ws, scripts) are not browsers.
 */
export function isLocalOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const { hostname, protocol } = new URL(origin);
    return (protocol === 'http:' || protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
  } catch {
    return false;
  }
}

/** Starts the inspector's HTTP + WebSocket server on 127.0.0.1:`port`. */
export async function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`inspector port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/stately')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(path === '/' ? viewerPage() : statelyBridgePage());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found: connect a WebSocket client, or open / (local viewer) or /stately (Stately inspector UI)\n');
  });
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    server: http,
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) =>
      isLocalOrigin(info.req.headers.origin) ? done(true) : done(false, 403, 'Forbidden: the inspector accepts local pages only'),
  });
  // ws re-emits the HTTP server's errors (EADDRINUSE at start is handled below, by `listen`).
  wss.on('error', (e) => {
    if (http.listening) options.onError?.(e);
  });
  const relay = new Relay(sockets, options.recentLimit ?? 2000, options.actorLimit ?? 1000);
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // Clients only listen; whatever they send is ignored (this server is the only source).
    ws.on('error', () => sockets.delete(ws));
    relay.greet(ws);
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `inspector port ${options.port} on ${INSPECTOR_HOST} is in use (set INSPECT_PORT)` : `inspector: ${e.message}`));
    http.once('error', fail);
    http.listen(options.port, INSPECTOR_HOST, () => {
      http.off('error', fail);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `ws://${INSPECTOR_HOST}:${port}`,
    observe: createCaseInspector(relay, options),
    clients: () => sockets.size,
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
