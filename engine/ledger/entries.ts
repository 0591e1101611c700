/**
 * The entries of the transparency log (issue 16, docs/audit.md "The log"): what each kind
 * of record puts in the log, and the journal that captures them as a unit of work writes.
 *
 * An entry is canonical JSON (lib/canonical-json.ts) with `v` (the entry format, 1) and
 * `kind`. It commits to its record without carrying personal data, so that the log, its
 * checkpoints and its proofs can be handed to anyone:
 * - an event by its chain hash (engine/hash.ts), which covers every stored field;
 * - a message by the sha-256 of its recipient and rendered payload (`content`);
 * - a delivery attempt's error and response texts by their sha-256 (they may quote an address);
 * - a read of personal data by who (a staff name), role, case, route and time;
 * - a calendar install by its version and the sha-256 of its data;
 * - a revision of the register of the site's mandatory content (п. 9) by its fields, the
 *   note by its sha-256 (free text).
 *
 * Changing what an entry holds changes every leaf hash after it: a new format is a new `v`,
 * never an edit of this one.
 */
import type { CalendarVersionRecord, CaseReadRecord, DeliveryAttemptRecord, EventRecord, OutboxRecord, Repositories, SiteContentRevisionRecord } from '../../storage/index.js';
import { canonicalJson, sha256Hex } from '../hash.js';

export type LogEntryKind =
  | 'event'
  | 'message'
  | 'message_requeued'
  | 'message_given_up'
  | 'delivery_attempt'
  | 'read'
  | 'calendar_installed'
  | 'site_content_revision';

/** An entry before it has a position (engine/ledger/log.ts gives it one). */
export interface LogEntry {
  kind: LogEntryKind;
  caseId: string | null;
  /** What the entry is of within its kind: an event's seq, a message's id, `<id>#<attempt>`, … */
  ref: string;
  /** The canonical JSON its leaf hash is computed from. */
  text: string;
}

function entry(kind: LogEntryKind, caseId: string | null, ref: string, body: Record<string, unknown>): LogEntry {
  return { kind, caseId, ref, text: canonicalJson({ v: 1, kind, ...body }) };
}

const shaOrNull = (text: string | null): string | null => (text === null ? null : sha256Hex(text));

/**
 * An event's entry. Written directly rather than through `canonicalJson` (one per command,
 * on the commit path): the same bytes, its keys in sorted order; tests/ledger/entries.test.ts
 * holds the two equal.
 */
export function eventEntry(e: EventRecord): LogEntry {
  const text = `{"caseId":${JSON.stringify(e.caseId)},"hash":${JSON.stringify(e.hash)},"kind":"event","recordedAt":${JSON.stringify(e.recordedAt)},"seq":${JSON.stringify(e.seq)},"type":${JSON.stringify(e.type)},"v":1}`;
  return { kind: 'event', caseId: e.caseId, ref: String(e.seq), text };
}

/** An event's entry as the generic definition writes it (the reference `eventEntry` is held equal to). */
export function eventEntryReference(e: EventRecord): LogEntry {
  return entry('event', e.caseId, String(e.seq), { caseId: e.caseId, seq: e.seq, type: e.type, recordedAt: e.recordedAt, hash: e.hash });
}

/** The sha-256 a message entry holds of the message's recipient and rendered payload. */
export function messageContent(o: Pick<OutboxRecord, 'recipient' | 'payloadJson'>): string {
  let payload: unknown;
  try {
    payload = JSON.parse(o.payloadJson);
  } catch {
    // A damaged row: hashed as text, so it can only differ from what was logged.
    payload = { $unparsable: o.payloadJson };
  }
  return sha256Hex(canonicalJson({ recipient: o.recipient, payload }));
}

/** The fields of a message that never change after it is queued. */
export function messageFacts(o: OutboxRecord): Record<string, unknown> {
  return {
    id: o.id,
    caseId: o.caseId,
    eventSeq: o.eventSeq,
    messageKind: o.kind,
    template: o.template,
    language: o.language,
    closesDeadline: o.closesDeadline,
    createdAt: o.createdAt,
  };
}

/** A message as queued: its facts, its content, and the status it started in (a portal notice starts `sent`). */
export function messageEntry(o: OutboxRecord): LogEntry {
  return entry('message', o.caseId, o.id, { ...messageFacts(o), content: messageContent(o), status: o.status, sentAt: o.sentAt });
}

/** Staff resent a failed message (perhaps to a corrected address): its content from then on. */
export function requeueEntry(o: OutboxRecord, at: string): LogEntry {
  return entry('message_requeued', o.caseId, o.id, { id: o.id, at, resentAtAttempt: o.resentAtAttempt ?? 0, content: messageContent(o) });
}

/** The outbox gave a message up (its last attempt failed for good). */
export function givenUpEntry(id: string, caseId: string | null, error: string): LogEntry {
  return entry('message_given_up', caseId, id, { id, error: sha256Hex(error) });
}

export function attemptEntry(a: DeliveryAttemptRecord, caseId: string | null): LogEntry {
  return entry('delivery_attempt', caseId, `${a.outboxId}#${a.attempt}`, {
    outboxId: a.outboxId,
    attempt: a.attempt,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    outcome: a.outcome,
    error: shaOrNull(a.error),
    response: shaOrNull(a.response),
  });
}

export function readEntry(r: CaseReadRecord): LogEntry {
  return entry('read', r.caseId, r.readAt, { caseId: r.caseId, actor: r.actor, role: r.role, route: r.route, readAt: r.readAt });
}

export function calendarEntry(c: CalendarVersionRecord): LogEntry {
  return entry('calendar_installed', null, String(c.installNo), {
    id: c.id,
    installNo: c.installNo,
    calendarId: c.calendarId,
    version: c.version,
    data: sha256Hex(c.dataJson),
    source: c.source,
    installedAt: c.installedAt,
  });
}

/** A revision of the register of the site's mandatory content; `ref` is `<kind>#<revision>`. */
export function siteContentEntry(r: SiteContentRevisionRecord): LogEntry {
  return entry('site_content_revision', null, `${r.kind}#${r.revision}`, {
    contentKind: r.kind,
    revision: r.revision,
    url: r.url,
    unit: r.unit,
    note: shaOrNull(r.note),
    changedAt: r.changedAt,
    changedBy: r.changedBy,
    role: r.role,
  });
}

/**
 * The batch's repositories with every write of a logged record also captured into `sink`
 * (the commit queue appends the sink to the log before the batch commits, and drops the
 * entries of a unit or savepoint it rolls back). Built once per batch: a unit of work
 * cannot write an event, a message, an attempt, a read, a calendar install or a register
 * revision without its entry, whatever code path it takes.
 *
 * Positions: the batch holds the log's head from its first logged write to its commit (the
 * write lock; on PostgreSQL the head row's lock), so the entry captured at `sink[i]` will be
 * at `base + i`, `base` the head's size when the batch first wrote (`base()`, read once). A
 * rolled-back unit is always the batch's latest, so dropping its capture leaves no gap. An
 * event is stored with its position (`log_position`), which is how a case's events find
 * their entries again without an index over every entry.
 */
export function journalRepositories(repos: Repositories, sink: LogEntry[], base: () => number | Promise<number>): Repositories {
  const { events, outbox, reads, calendarVersions, siteContent } = repos;
  const caseOf = async (id: string) => (await outbox.find(id))?.caseId ?? null;
  return {
    ...repos,
    events: {
      ...events,
      async append(record) {
        // Captured synchronously, before anything is awaited: the entry's place in the batch
        // is fixed by the call, even when the caller does not wait for the write (the commit
        // queue's `defer`), so a second append can never be handed the same position. A
        // failed write fails the unit, and the commit queue drops the capture with it.
        const index = sink.length;
        sink.push(eventEntry(record));
        const b = base();
        const logPosition = (typeof b === 'number' ? b : await b) + index;
        await events.append({ ...record, logPosition });
      },
    },
    outbox: {
      ...outbox,
      async insert(record) {
        await outbox.insert(record);
        sink.push(messageEntry(record));
      },
      async insertOnce(record) {
        const inserted = await outbox.insertOnce(record);
        if (inserted) sink.push(messageEntry(record));
        return inserted;
      },
      async requeue(id, caseId, now, to) {
        const done = await outbox.requeue(id, caseId, now, to);
        const row = done ? await outbox.find(id) : undefined;
        if (row) sink.push(requeueEntry(row, now));
        return done;
      },
      async markFailed(id, error) {
        await outbox.markFailed(id, error);
        sink.push(givenUpEntry(id, await caseOf(id), error));
      },
      async insertAttempt(record) {
        await outbox.insertAttempt(record);
        sink.push(attemptEntry(record, await caseOf(record.outboxId)));
      },
    },
    reads: {
      ...reads,
      async insertMany(records) {
        await reads.insertMany(records);
        for (const r of records) sink.push(readEntry(r));
      },
    },
    calendarVersions: {
      ...calendarVersions,
      async insert(record) {
        await calendarVersions.insert(record);
        sink.push(calendarEntry(record));
      },
    },
    siteContent: {
      ...siteContent,
      async insert(record) {
        await siteContent.insert(record);
        sink.push(siteContentEntry(record));
      },
    },
  };
}
