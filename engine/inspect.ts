/**
 * The live XState inspector (INSPECT=1): every committed command of a case becomes
 * inspection events of @statelyai/inspect — `@xstate.actor` (the case, once; session id =
 * case id, name = `procedure@version`), `@xstate.event` (the stored event) and
 * `@xstate.snapshot` (the persisted snapshot after it) — relayed to WebSocket clients of a
 * server bound to 127.0.0.1 only.
 *
 * Why not the library's own transports: `createSkyInspector` sends everything to Stately's
 * cloud relay, and `createInspectorServer` (@statelyai/inspect/server) listens on every
 * interface and opens a browser. Case data (names, e-mails, texts of appeals) must not leave
 * this machine, so the events are built with the library's `createInspector` (its manual
 * `actor()`/`event()`/`snapshot()` methods) and a local relay adapter.
 *
 * A case is never a running actor here (the engine restores one per step, see
 * machines/runtime.ts), so the events are produced from the engine's commit observer.
 *
 * @example
 * const inspector = await startInspectorServer({ port: 5678, machineOf: engineMachines(engine) });
 * engine.observe(inspector.observe);
 * // ws://127.0.0.1:5678 — or open http://127.0.0.1:5678/ in a browser
 * await inspector.close();
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector, type StatelyActorEvent, type StatelyInspectionEvent } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { AnyEventObject, AnyStateMachine } from 'xstate';
import type { MachineDeps } from '../machines/contract.js';
import type { ModuleRegistry } from './registry.js';
import type { CommitObservation, CommitObserver } from './runner.js';

/** The only address the inspector ever listens on. */
export const INSPECTOR_HOST = '127.0.0.1';

export interface InspectorServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one (tests). */
  port: number;
  /** The machine of `procedure@version`, sent as the actor's definition so the UI can draw it. */
  machineOf?: (procedure: string, version: string) => AnyStateMachine | undefined;
  /** Recent event/snapshot messages a client receives first when it connects (default 2000). */
  recentLimit?: number;
  /** Cases whose registration is kept for clients that connect later (default 1000). */
  actorLimit?: number;
  /** A throw inside the observer is reported here and otherwise ignored (the command is committed). */
  onError?: (e: unknown) => void;
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

/** The machines of an engine's registry, for `machineOf`. */
export function engineMachines(engine: { registry: ModuleRegistry; deps: MachineDeps }): InspectorServerOptions['machineOf'] {
  return (procedure, version) => engine.registry.version(procedure, version)?.machine(engine.deps) as AnyStateMachine | undefined;
}

/** A client further behind than this misses messages instead of growing the server's memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

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

/**
 * Keeps what a client that connects later needs (each known case's registration with its
 * latest snapshot, then the recent events) and broadcasts every message to open clients.
 */
class Relay {
  readonly #actors = new Map<string, StatelyActorEvent>();
  readonly #recent: string[] = [];
  readonly #sockets: Set<WebSocket>;
  readonly #recentLimit: number;
  readonly #actorLimit: number;

  constructor(sockets: Set<WebSocket>, recentLimit: number, actorLimit: number) {
    this.#sockets = sockets;
    this.#recentLimit = recentLimit;
    this.#actorLimit = actorLimit;
  }

  knows(sessionId: string): boolean {
    return this.#actors.has(sessionId);
  }

  send(e: StatelyInspectionEvent): void {
    const message = JSON.stringify(e);
    if (e.type === '@xstate.actor') {
      this.#actors.delete(e.sessionId);
      this.#actors.set(e.sessionId, e);
      if (this.#actors.size > this.#actorLimit) this.#actors.delete(this.#actors.keys().next().value!);
    } else {
      if (e.type === '@xstate.snapshot') {
        const actor = this.#actors.get(e.sessionId);
        if (actor) actor.snapshot = e.snapshot;
      }
      this.#recent.push(message);
      if (this.#recent.length > this.#recentLimit) this.#recent.splice(0, this.#recent.length - this.#recentLimit);
    }
    for (const ws of this.#sockets) this.#write(ws, message);
  }

  greet(ws: WebSocket): void {
    for (const a of this.#actors.values()) this.#write(ws, JSON.stringify(a));
    for (const m of this.#recent) this.#write(ws, m);
  }

  #write(ws: WebSocket, message: string): void {
    if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(message);
  }
}

/** Builds the inspection events of one observed commit (exported for the audit replay and tests). */
export function createCaseInspector(relay: { send(e: StatelyInspectionEvent): void; knows(sessionId: string): boolean }, options: Pick<InspectorServerOptions, 'machineOf' | 'onError'> = {}) {
  const labels = new Map<string, { procedure: string; version: string }>();
  const inspector = createInspector(
    { send: (e) => relay.send(e) },
    {
      // The definition must be whole for the UI to draw the machine (the default cuts at depth 10).
      serializationDepthLimit: 64,
      serialize: (e) => {
        if (e.type !== '@xstate.actor') return e;
        const l = labels.get(e.sessionId);
        return l ? ({ ...e, name: `${l.procedure}@${l.version}`, procedure: l.procedure, version: l.version } as StatelyActorEvent) : e;
      },
    },
  );
  return (o: CommitObservation): void => {
    try {
      const persisted = o.snapshot as { value?: unknown; context?: unknown };
      const snapshot = { status: o.status, value: persisted.value, context: persisted.context };
      const event: AnyEventObject = { seq: o.seq, ...o.event };
      if (o.seq === 1 || !relay.knows(o.caseId)) {
        const machine = options.machineOf?.(o.procedure, o.version);
        labels.set(o.caseId, { procedure: o.procedure, version: o.version });
        // A stand-in actor ref: the library reads `sessionId` and `logic.config` (the definition).
        const ref = {
          sessionId: o.caseId,
          id: o.caseId,
          logic: machine ? { config: machine.config } : undefined,
          send: () => {},
          getSnapshot: () => snapshot,
        };
        inspector.actor(ref as never, snapshot);
        labels.delete(o.caseId);
      }
      inspector.event(o.caseId, event, { source: `${o.event.actor.role}:${o.event.actor.name}` });
      inspector.snapshot(o.caseId, snapshot, { event });
    } catch (e) {
      options.onError?.(e);
    }
  };
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

/** A self-contained page (no external resources): the cases, their events and latest state. */
function viewerPage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>QazIndustry cases — live inspector</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem}h2{font-size:1rem;margin:.8rem 0 .2rem}
.case{border:1px solid #ccc;border-radius:6px;padding:.4rem .6rem;margin:.4rem 0}
.ev{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}#status{color:#666}</style></head>
<body><h1>Live inspector</h1><p id="status">connecting…</p><div id="cases"></div>
<script>
const cases = new Map();
const box = document.getElementById('cases');
function card(id) {
  let c = cases.get(id);
  if (!c) {
    const el = document.createElement('div'); el.className = 'case';
    el.innerHTML = '<h2></h2><div class="state"></div><div class="ev"></div>';
    box.prepend(el); c = { el }; cases.set(id, c);
    el.querySelector('h2').textContent = id;
  }
  return c;
}
const show = (v) => typeof v === 'string' ? v : JSON.stringify(v);
const ws = new WebSocket('ws://' + location.host);
ws.onopen = () => document.getElementById('status').textContent = 'connected to ' + ws.url;
ws.onclose = () => document.getElementById('status').textContent = 'disconnected';
ws.onmessage = (m) => {
  const e = JSON.parse(m.data); const c = card(e.sessionId);
  if (e.type === '@xstate.actor') c.el.querySelector('h2').textContent = e.name + ' — ' + e.sessionId;
  if (e.type === '@xstate.event') c.el.querySelector('.ev').textContent += '#' + e.event.seq + ' ' + e.event.type + ' by ' + (e.sourceId || '?') + ' at ' + e.event.occurredAt + '\\n';
  if (e.type === '@xstate.snapshot' || e.type === '@xstate.actor') c.el.querySelector('.state').textContent = 'state: ' + show(e.snapshot.value) + ' (' + e.snapshot.status + ')';
};
</script></body></html>
`;
}

/**
 * Stately's inspector UI in an iframe, fed by postMessage inside the browser (the same
 * bridge as @statelyai/inspect/server). The UI itself is loaded from stately.ai.
 */
function statelyBridgePage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Stately inspector — QazIndustry cases</title>
<style>html,body{height:100%;margin:0}iframe{width:100%;height:100%;border:0}</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
const iframe = document.getElementById('inspector');
const buffer = []; let target = null;
const isStately = (origin) => { try { const u = new URL(origin); return u.protocol === 'https:' && (u.hostname === 'stately.ai' || u.hostname.endsWith('.stately.ai')); } catch { return false; } };
// Events go only to the Stately page that announced itself, at its exact origin.
window.addEventListener('message', (e) => {
  if (e.source === iframe.contentWindow && isStately(e.origin) && e.data && e.data.type === '@statelyai.connected') {
    target = e.origin; for (const m of buffer.splice(0)) iframe.contentWindow.postMessage(m, target);
  }
});
const ws = new WebSocket('ws://' + location.host);
ws.onmessage = (m) => { const d = JSON.parse(m.data); if (target) iframe.contentWindow.postMessage(d, target); else buffer.push(d); };
</script></body></html>
`;
}
