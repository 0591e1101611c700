/**
 * Commits of the other processes on one PostgreSQL database (storage/port.ts `CommitChannel`),
 * by LISTEN/NOTIFY.
 *
 * Sending: a batch announces what it committed with `select pg_notify(channel, payload)` in
 * its own transaction, sent with its COMMIT in one round trip; PostgreSQL delivers a notification only when
 * (and if) that transaction commits, and delivers the notifications of different
 * transactions in their commit order. A rolled-back batch therefore announces nothing.
 *
 * Receiving: ONE dedicated connection per process (outside the pool, which it would otherwise
 * hold a client of forever) LISTENs on the channel, opened when the first listener
 * subscribes. When it goes away (the server restarted, the connection was killed), it is
 * opened again with a backoff; the notifications sent meanwhile are lost, so the listeners
 * then hear `{resync: true}` (look at the database again). A notice of this process's own
 * commits (its process id is in the payload) is ignored: the engine heard of those directly.
 *
 * The payload: JSON `{v: 1, p: <process id>, c: [[caseId, fromSeq, toSeq], …], d?: dueAt,
 * m: mailQueued, l?: logSize}` — ids, seqs, sizes and instants only, never personal data. PostgreSQL refuses a
 * payload of 8000 bytes or more: a large batch is sent in several notifications (the first
 * carries `d` and `m`); an entry that could not fit any (an absurdly long id) is left out and
 * counted in `o`, which the receiver turns into a resync.
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { CommitAnnouncement, CommitChannel, RemoteCommit } from '../port.js';

/** The channel of a database's default schema; a storage opened on a schema of its own (`schema`) gets its own channel. */
export function commitChannelName(schema?: string): string {
  if (!schema) return 'qaz_commits';
  const name = `qaz_commits_${schema}`;
  // An identifier is at most 63 bytes (NAMEDATALEN − 1); a longer one is hashed, not cut.
  return name.length <= 63 ? name : `qaz_commits_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

/** Below PostgreSQL's 8000-byte limit on a payload, with room to spare. */
export const MAX_PAYLOAD_BYTES = 7900;

interface Wire {
  v: 1;
  p: string;
  c: [string, number, number][];
  d?: string;
  m: number;
  o?: number;
  /** The log's size after the batch, on every piece. */
  l?: number;
}

/** The notifications' payloads for one batch's announcement (several when it is large). */
export function encodeAnnouncement(processId: string, a: CommitAnnouncement, maxBytes = MAX_PAYLOAD_BYTES): string[] {
  const logSize = a.logSize !== undefined ? { l: a.logSize } : {};
  const head: Wire = { v: 1, p: processId, c: [], ...(a.scheduledDueAt ? { d: a.scheduledDueAt } : {}), m: a.mailQueued, ...logSize };
  const payloads: string[] = [];
  let current: Wire = head;
  let bytes = Buffer.byteLength(JSON.stringify(current));
  let omitted = 0;
  // The most a payload holds besides its entries (the first one's `d` and `m` are counted in `bytes`).
  const empty = Buffer.byteLength(JSON.stringify({ v: 1, p: processId, c: [], m: 0, o: 999_999, ...logSize }));
  for (const c of a.cases) {
    const entry: [string, number, number] = [c.id, c.fromSeq, c.toSeq];
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (empty + size > maxBytes) {
      omitted++;
      continue;
    }
    if (bytes + size > maxBytes - 16) {
      payloads.push(JSON.stringify(current));
      current = { v: 1, p: processId, c: [], m: 0, ...logSize };
      bytes = Buffer.byteLength(JSON.stringify(current));
    }
    current.c.push(entry);
    bytes += size;
  }
  if (omitted > 0) current.o = omitted;
  payloads.push(JSON.stringify(current));
  return payloads;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * A payload as received: the process that sent it and the commit, or undefined when it is
 * not one of ours (another program's NOTIFY on the channel is ignored, never trusted).
 */
export function decodeAnnouncement(payload: string): { processId: string; commit: RemoteCommit; omitted: number } | undefined {
  let w: unknown;
  try {
    w = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof w !== 'object' || w === null) return undefined;
  const o = w as Partial<Record<keyof Wire, unknown>>;
  if (o.v !== 1 || typeof o.p !== 'string' || !Array.isArray(o.c) || !isCount(o.m)) return undefined;
  if (o.d !== undefined && (typeof o.d !== 'string' || Number.isNaN(Date.parse(o.d)))) return undefined;
  if (o.o !== undefined && !isCount(o.o)) return undefined;
  if (o.l !== undefined && !isCount(o.l)) return undefined;
  const cases: { id: string; fromSeq: number; toSeq: number }[] = [];
  for (const e of o.c as unknown[]) {
    if (!Array.isArray(e) || e.length !== 3) return undefined;
    const [id, fromSeq, toSeq] = e as unknown[];
    if (typeof id !== 'string' || !isCount(fromSeq) || !isCount(toSeq) || fromSeq < 1 || toSeq < fromSeq) return undefined;
    cases.push({ id, fromSeq, toSeq });
  }
  const commit: RemoteCommit = { cases, mailQueued: o.m, ...(typeof o.d === 'string' ? { scheduledDueAt: o.d } : {}), ...(o.l !== undefined ? { logSize: o.l } : {}) };
  return { processId: o.p, commit, omitted: o.o ?? 0 };
}

export interface CommitChannelOptions {
  url: string;
  /** The storage's schema (see `commitChannelName`). */
  schema?: string;
  /** First delay before opening the connection again, ms (default 100; doubled up to `maxRetryMs`). */
  retryMs?: number;
  maxRetryMs?: number;
}

export class PostgresCommitChannel implements CommitChannel {
  /** This process's (this storage's) id in the payloads: its own notices are ignored. */
  readonly processId = randomUUID();
  readonly channel: string;
  readonly #options: CommitChannelOptions;
  readonly #listeners = new Set<(c: RemoteCommit) => void>();
  #client: pg.Client | undefined;
  #started = false;
  #closed = false;
  #retryMs: number;
  #retry: NodeJS.Timeout | undefined;
  /** Resolved once the first LISTEN is in place, or its first attempt failed (it goes on retrying). */
  #firstAttempt: Promise<void>;
  #firstAttemptDone: () => void = () => {};
  #everListened = false;
  /** Connections opened (1 + reconnections), for tests. */
  connections = 0;

  constructor(options: CommitChannelOptions) {
    this.#options = options;
    this.channel = commitChannelName(options.schema);
    this.#retryMs = options.retryMs ?? 100;
    this.#firstAttempt = new Promise((r) => (this.#firstAttemptDone = r));
  }

  subscribe(listener: (commit: RemoteCommit) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#started && !this.#closed) {
      this.#started = true;
      void this.#connect();
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves when LISTEN is in place (or its first attempt failed: it is retried in the background). */
  listening(): Promise<void> {
    return this.#started ? this.#firstAttempt : Promise.resolve();
  }

  /**
   * The announcement as SQL to send together with the batch's COMMIT, in one round trip
   * (the simple protocol takes several statements, but no parameters: the channel and the
   * payloads, ids, seqs and instants only, are written as escaped literals).
   */
  statements(a: CommitAnnouncement, escapeLiteral: (s: string) => string): string[] {
    return encodeAnnouncement(this.processId, a).map((payload) => `select pg_notify(${escapeLiteral(this.channel)}, ${escapeLiteral(payload)})`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    const c = this.#client;
    this.#client = undefined;
    this.#firstAttemptDone();
    await c?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#options.url, application_name: 'qazindustry-procedures-listen', connectionTimeoutMillis: 5000 });
    let gone = false;
    const lost = () => {
      if (gone) return;
      gone = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      this.#reconnectLater();
    };
    // A connection that went away: 'error' (the server's FATAL) and/or 'end'; never unhandled.
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (m) => {
      if (m.channel === this.channel && m.payload !== undefined) this.#received(m.payload);
    });
    try {
      await client.connect();
      if (this.#closed) {
        await client.end().catch(() => undefined);
        return;
      }
      // The channel name is ours (commitChannelName), quoted as an identifier.
      await client.query(`listen "${this.channel}"`);
    } catch {
      lost();
      this.#firstAttemptDone();
      return;
    }
    if (gone) return;
    this.connections++;
    this.#client = client;
    this.#retryMs = this.#options.retryMs ?? 100;
    const again = this.#everListened;
    this.#everListened = true;
    this.#firstAttemptDone();
    // Whatever was committed while nobody listened was not heard: look again.
    if (again) this.#emit({ resync: true });
  }

  #reconnectLater(): void {
    if (this.#closed || this.#retry) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#options.maxRetryMs ?? 5000, this.#retryMs * 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, delay);
    this.#retry.unref();
  }

  #received(payload: string): void {
    const d = decodeAnnouncement(payload);
    if (!d || d.processId === this.processId) return;
    this.#emit(d.commit);
    if (d.omitted > 0) this.#emit({ resync: true });
  }

  #emit(commit: RemoteCommit): void {
    for (const l of this.#listeners) {
      try {
        l(commit);
      } catch {
        // A listener must not throw; one that does must not stop the others.
      }
    }
  }
}
