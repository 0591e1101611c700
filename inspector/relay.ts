/**
 * The inspector's fan-out: the messages already sent, kept for clients that connect later,
 * and the broadcast to the open WebSocket clients. No HTTP or engine knowledge here.
 */
import type { StatelyActorEvent, StatelyInspectionEvent } from '@statelyai/inspect';
import { WebSocket } from 'ws';

/** A client further behind than this misses messages instead of growing the server's memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Keeps what a client that connects later needs (each known case's registration with its
 * latest snapshot, then the recent events) and broadcasts every message to open clients.
 */
export class Relay {
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
