/**
 * The stored records against their log entries (issue 16 §4): what `verify` adds to the
 * per-case hash chain. Each event row must be the one the log holds (by its chain hash),
 * every logged event must still be there, and every message must equal its entries: the
 * facts it was queued with, its content (as last queued or resent), its status and its
 * delivery attempts. A difference is reported with the case, the seq and the position.
 *
 * The log holds no copy of a record, only what commits to it (engine/ledger/entries.ts), so
 * these checks say THAT a record differs and where; the auditor reads the record itself.
 */
import type { DeliveryAttemptRecord, EventRecord, LedgerEntryRecord, OutboxRecord } from '../../storage/index.js';
import { canonicalJson } from '../hash.js';
import { attemptEntry, messageContent, messageFacts } from './entries.js';

export type LogProblemKind =
  | 'not_logged'
  | 'log_mismatch'
  | 'missing_event'
  | 'message_not_logged'
  | 'message_missing'
  | 'message_mismatch'
  | 'attempt_mismatch';

export interface LogProblem {
  /** The event's seq (for a message: the seq of the event that queued it). */
  seq: number;
  kind: LogProblemKind;
  message: string;
  messageId?: string;
  /** The log position concerned, when there is one. */
  position?: number;
}

interface Parsed {
  position: number;
  kind: string;
  body: Record<string, unknown>;
}

function parse(e: LedgerEntryRecord): Parsed {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(e.entry) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { position: e.position, kind: e.kind, body };
}

/** The case's event rows against its `event` entries. */
export function checkEvents(events: readonly EventRecord[], entries: readonly LedgerEntryRecord[]): LogProblem[] {
  const problems: LogProblem[] = [];
  const logged = new Map<number, Parsed>();
  for (const e of entries) {
    if (e.kind !== 'event') continue;
    const p = parse(e);
    logged.set(Number(p.body.seq), p);
  }
  for (const e of events) {
    const p = logged.get(e.seq);
    if (!p) problems.push({ seq: e.seq, kind: 'not_logged', message: `event ${e.seq} (${e.type}) is not in the log` });
    else if (p.body.hash !== e.hash || p.body.type !== e.type || p.body.recordedAt !== e.recordedAt) {
      problems.push({ seq: e.seq, kind: 'log_mismatch', position: p.position, message: `event ${e.seq} differs from the one logged at position ${p.position} (${String(p.body.type)}, recorded ${String(p.body.recordedAt)})` });
    }
    logged.delete(e.seq);
  }
  for (const [seq, p] of logged) {
    problems.push({ seq, kind: 'missing_event', position: p.position, message: `event ${seq} (${String(p.body.type)}, recorded ${String(p.body.recordedAt)}) is in the log at position ${p.position} but not in the database` });
  }
  return problems.sort((a, b) => a.seq - b.seq);
}

export interface StoredMessage {
  message: OutboxRecord;
  attempts: readonly DeliveryAttemptRecord[];
}

const MESSAGE_KINDS = new Set(['message', 'message_requeued', 'message_given_up', 'delivery_attempt']);

/** Messages (with their attempts) against their entries; `entries` may hold other kinds. */
export function checkMessages(stored: readonly StoredMessage[], entries: readonly LedgerEntryRecord[]): LogProblem[] {
  const problems: LogProblem[] = [];
  const byId = new Map<string, Parsed[]>();
  for (const e of entries) {
    if (!MESSAGE_KINDS.has(e.kind)) continue;
    const p = parse(e);
    const id = e.kind === 'delivery_attempt' ? String(p.body.outboxId) : String(p.body.id);
    const list = byId.get(id) ?? [];
    list.push(p);
    byId.set(id, list);
  }
  for (const { message: m, attempts } of stored) {
    const list = byId.get(m.id) ?? [];
    byId.delete(m.id);
    const problem = (message: string, position?: number) =>
      problems.push({ seq: m.eventSeq, kind: 'message_mismatch', messageId: m.id, message: `message ${m.id}: ${message}`, ...(position !== undefined ? { position } : {}) });
    const queued = list.find((p) => p.kind === 'message');
    if (!queued) {
      problems.push({ seq: m.eventSeq, kind: 'message_not_logged', messageId: m.id, message: `message ${m.id} is not in the log` });
      continue;
    }
    const { content: loggedContent, status: startedAs, sentAt: startedSentAt, ...facts } = queued.body;
    delete facts.v;
    delete facts.kind;
    const now = messageFacts(m);
    for (const [k, v] of Object.entries(facts)) {
      if (canonicalJson(v) !== canonicalJson(now[k])) problem(`${k} is ${JSON.stringify(now[k])}, logged ${JSON.stringify(v)} at position ${queued.position}`, queued.position);
    }
    // Its content and status as its entries, in log order, leave them.
    let content = loggedContent;
    let status = startedAs as OutboxRecord['status'];
    let sentAt: unknown = startedSentAt;
    const logged: Parsed[] = [];
    for (const p of list) {
      if (p.kind === 'message_requeued') {
        content = p.body.content;
        status = 'queued';
      } else if (p.kind === 'message_given_up') status = 'failed';
      else if (p.kind === 'delivery_attempt') {
        logged.push(p);
        if (p.body.outcome === 'sent') {
          status = 'sent';
          sentAt = p.body.finishedAt;
        }
      }
    }
    if (messageContent(m) !== content) problem(`its recipient or text differs from what was logged (position ${queued.position}${content !== loggedContent ? ', or as resent' : ''})`, queued.position);
    if (m.status !== status) problem(`its status is ${m.status}, the log says ${status}`);
    if (status === 'sent' && m.sentAt !== sentAt) problem(`it is marked sent at ${String(m.sentAt)}, the log says ${String(sentAt)}`);
    const byAttempt = new Map(logged.map((p) => [Number(p.body.attempt), p]));
    for (const a of attempts) {
      const p = byAttempt.get(a.attempt);
      byAttempt.delete(a.attempt);
      if (!p) problems.push({ seq: m.eventSeq, kind: 'attempt_mismatch', messageId: m.id, message: `message ${m.id}: delivery attempt ${a.attempt} is not in the log` });
      else if (canonicalJson(JSON.parse(attemptEntry(a, m.caseId).text)) !== canonicalJson(p.body)) {
        problems.push({ seq: m.eventSeq, kind: 'attempt_mismatch', messageId: m.id, position: p.position, message: `message ${m.id}: delivery attempt ${a.attempt} differs from the one logged at position ${p.position}` });
      }
    }
    for (const [attempt, p] of byAttempt) {
      problems.push({ seq: m.eventSeq, kind: 'attempt_mismatch', messageId: m.id, position: p.position, message: `message ${m.id}: delivery attempt ${attempt} is in the log at position ${p.position} but not in the database` });
    }
  }
  for (const [id, list] of byId) {
    const queued = list.find((p) => p.kind === 'message') ?? list[0]!;
    problems.push({
      seq: Number(queued.body.eventSeq ?? 0),
      kind: 'message_missing',
      messageId: id,
      position: queued.position,
      message: `message ${id} is in the log at position ${queued.position} but not in the database`,
    });
  }
  return problems;
}
