/**
 * Commits of the other processes on the same database (storage/port.ts `CommitChannel`:
 * PostgreSQL LISTEN/NOTIFY), treated as this process treats its own (runner `onCommit`):
 * the timer worker wakes for an earlier timer, the outbox worker for queued mail, the staff
 * reminder worker looks for the earliest reminder again, and the
 * observer (the live inspector) gets the CommitObservation of each event, built from the
 * stored case and event (read only when an observer is set).
 *
 * Nothing else needs to hear of them: the live-case cache learns in the command's own
 * batch whether another process changed the case since (the batch's serial, and the log's
 * entries in between: engine/commit-queue.ts `TxContext.unchanged`), and every
 * claim (timers, mail) is decided in the database, so a notice is a wake-up, never a fact
 * a decision rests on. A lost notice (`resync`: the listening connection was down) costs a
 * look at the database: both workers run once.
 *
 * The observations are read after the commit, so each carries the case as stored when it
 * is read: after the batch's last event of the case, or later still when the case moved on
 * meanwhile (a snapshot after every event is not stored). Events are observed in commit
 * order (notifications arrive in commit order, and one chain of reads serves them).
 */
import type { Actor, PersistedSnapshot, Role } from '../machines/contract.js';
import type { CommitChannel, RemoteCommit, Repositories } from '../storage/index.js';
import type { CommitObservation, CommitObserver } from './commands.js';
import type { Logger } from './logger.js';

export interface RemoteCommitsOptions {
  channel: CommitChannel;
  read: Repositories;
  /** The observer now (it may be set and removed at any time: `engine.observe`). */
  observer: () => CommitObserver | undefined;
  timers: { scheduled(dueAt: string): void; poke(): Promise<void> };
  outbox: { poke(): Promise<void> };
  /**
   * The staff reminder worker, when a notification policy is configured (asked at each
   * notice: it is built after this). A notice does not say when the reminders it may have
   * scheduled are due; the worker reads the earliest from the database.
   */
  reminders?: () => { poke(): Promise<void> } | undefined;
  logger: Logger;
}

export class RemoteCommits {
  readonly #o: RemoteCommitsOptions;
  readonly #unsubscribe: () => void;
  #observing: Promise<void> = Promise.resolve();
  /** Remote commits heard (tests, metrics). */
  heard = 0;

  constructor(o: RemoteCommitsOptions) {
    this.#o = o;
    this.#unsubscribe = o.channel.subscribe((c) => this.#heard(c));
  }

  /** Resolves once the channel listens. */
  listening(): Promise<void> {
    return this.#o.channel.listening();
  }

  /** Resolves when the observations of the commits heard so far are delivered. */
  whenObserved(): Promise<void> {
    return this.#observing;
  }

  close(): Promise<void> {
    this.#unsubscribe();
    return this.#observing;
  }

  #heard(c: RemoteCommit): void {
    this.heard++;
    const reminders = this.#o.reminders?.();
    if (c.resync) {
      void this.#o.timers.poke();
      void this.#o.outbox.poke();
      void reminders?.poke();
      return;
    }
    // A step of another process may have scheduled (or moved) a case's reminders.
    if (c.cases.length > 0) void reminders?.poke();
    if (c.scheduledDueAt) this.#o.timers.scheduled(c.scheduledDueAt);
    if (c.mailQueued > 0) void this.#o.outbox.poke();
    if (this.#o.observer() && c.cases.length > 0) {
      this.#observing = this.#observing.then(() => this.#observe(c.cases)).catch((e: unknown) => this.#o.logger.error({ err: e }, 'remote commits: could not observe a commit'));
    }
  }

  async #observe(cases: readonly { id: string; fromSeq: number; toSeq: number }[]): Promise<void> {
    for (const c of cases) {
      const observer = this.#o.observer();
      if (!observer) return;
      const record = await this.#o.read.cases.find(c.id);
      if (!record) continue;
      const events = await this.#o.read.events.page(c.id, c.fromSeq - 1, c.toSeq - c.fromSeq + 1);
      const snapshot = JSON.parse(record.snapshotJson) as PersistedSnapshot;
      for (const e of events) {
        const actor: Actor = { name: e.actor, role: e.role as Role };
        const observation: CommitObservation = {
          caseId: c.id,
          procedure: record.procedure,
          version: record.machineVersion,
          seq: e.seq,
          event: { type: e.type, payload: JSON.parse(e.payloadJson) as Record<string, unknown>, occurredAt: e.occurredAt, recordedAt: e.recordedAt, actor },
          snapshot,
          state: record.state,
          status: record.status,
        };
        try {
          observer(observation);
        } catch (err) {
          this.#o.logger.error({ err, caseId: c.id }, 'remote commits: the observer threw');
        }
      }
    }
  }
}
