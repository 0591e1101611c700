/** A WebSocket client that records every inspection message it receives, and free-port lookup. */
import { createServer } from 'node:net';
import WebSocket from 'ws';

export interface Received {
  type: string;
  sessionId: string;
  name?: string;
  procedure?: string;
  version?: string;
  definition?: string;
  sourceId?: string;
  event?: { type: string; seq?: number; payload?: Record<string, unknown>; actor?: { name: string; role: string } };
  snapshot?: { status: string; value: unknown; context?: Record<string, unknown> };
}

export interface Recorder {
  messages: Received[];
  /** Resolves once `predicate` holds for the messages received so far (fails after `ms`). */
  until(predicate: (m: Received[]) => boolean, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function record(url: string, headers: Record<string, string> = {}): Promise<Recorder> {
  const ws = new WebSocket(url, { headers });
  const messages: Received[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Received);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
  });
  return {
    messages,
    async until(predicate, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!predicate(messages)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(messages.map((m) => [m.type, m.event?.type]))}`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(timer);
            r();
          });
        });
      }
      return messages;
    },
    close: () =>
      new Promise<void>((r) => {
        if (ws.readyState === WebSocket.CLOSED) return r();
        ws.once('close', () => r());
        ws.close();
      }),
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
