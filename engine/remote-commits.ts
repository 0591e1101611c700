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
 * look at the database: both workers run once, and the observer catches up from the log.
 *
 * Catching up: every notice says the log's size after its batch (`logSize`), and this
 * process's own appends are told with their positions (`ownAppended`), so `#heardUpTo` is a
 * size below which every other process's batch was heard. After a `resync` the log's event
 * entries from there to its head, less this process's own, are the steps that were missed:
 * they are observed (in commit order, before any notice heard after the resync), and a notice
 * whose batch is among them is not observed twice.
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

/** This process's own appends remembered above `#heardUpTo` at the most (beyond: a catch-up may observe some of its own steps again). */
const OWN_APPENDS_KEPT = 10_000;
/** At most this many log entries read to catch up after lost notices (beyond: the rest is not observed, and a warning says so). */
const CATCH_UP_ENTRIES = 5_000;

export class RemoteCommits {
  readonly #o: RemoteCommitsOptions;
  readonly #unsubscribe: () => void;
  #observing: Promise<void> = Promise.resolve();
  /** Remote commits heard (tests, metrics). */
  heard = 0;

  /** Every other process's batch that ended at or below this log size was heard (undefined: not known yet). */
  #heardUpTo: number | undefined;
  /** This process's committed appends [from, to) not yet below `#heardUpTo`. */
  #own: [number, number][] = [];
  /** This process's last committed appends (at most OWN_APPENDS_KEPT), for a catch-up to leave out: `#own` drops them once below `#heardUpTo`. */
  readonly #ownRecent: [number, number][] = [];
  /** The log size the last catch-up observed up to: notices of batches ending at or below it are not observed again. */
  #caughtUpTo = -1;

  constructor(o: RemoteCommitsOptions) {
    this.#o = o;
    this.#unsubscribe = o.channel.subscribe((c) => this.#heard(c));
    // From when this process listens: what was committed before is not "missed".
    void o.channel
      .listening()
      .then(() => o.read.ledger.head())
      .then(
        (h) => {
          if (this.#heardUpTo === undefined) this.#advance(h.size);
        },
        (e: unknown) => o.logger.warn({ err: e }, 'remote commits: could not read the log head; a later notice sets it'),
      );
  }

  /** A committed append of this process, at positions [from, to) of the log. */
  ownAppended(from: number, to: number): void {
    this.#own.push([from, to]);
    if (this.#own.length > OWN_APPENDS_KEPT) this.#own.shift();
    this.#ownRecent.push([from, to]);
    if (this.#ownRecent.length > OWN_APPENDS_KEPT) this.#ownRecent.shift();
    this.#advance(this.#heardUpTo);
  }

  /** Raises `#heardUpTo` to `size`, then over this process's own appends that follow it without a gap. */
  #advance(size: number | undefined): void {
    if (size === undefined) return;
    let upTo = Math.max(this.#heardUpTo ?? size, size);
    this.#own.sort((a, b) => a[0] - b[0]);
    while (this.#own.length > 0 && this.#own[0]![0] <= upTo) upTo = Math.max(upTo, this.#own.shift()![1]);
    this.#heardUpTo = upTo;
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
      // From where the notices stopped, taken now: notices heard before the catch-up runs raise `#heardUpTo`.
      const from = this.#heardUpTo;
      this.#observing = this.#observing.then(() => this.#catchUp(from)).catch((e: unknown) => this.#o.logger.error({ err: e }, 'remote commits: could not catch up after lost notices'));
      return;
    }
    this.#advance(c.logSize);
    // A step of another process may have scheduled (or moved) a case's reminders.
    if (c.cases.length > 0) void reminders?.poke();
    if (c.scheduledDueAt) this.#o.timers.scheduled(c.scheduledDueAt);
    if (c.mailQueued > 0) void this.#o.outbox.poke();
    if (this.#o.observer() && c.cases.length > 0) {
      const size = c.logSize;
      this.#observing = this.#observing.then(() => (size !== undefined && size <= this.#caughtUpTo ? undefined : this.#observe(c.cases))).catch((e: unknown) => this.#o.logger.error({ err: e }, 'remote commits: could not observe a commit'));
    }
  }

  /**
   * After lost notices: observes the other processes' steps logged between `from` (what was
   * heard when the notices stopped) and the log's head (this process's own left out), then
   * takes the head as heard.
   */
  async #catchUp(from: number | undefined): Promise<void> {
    const head = (await this.#o.read.ledger.head()).size;
    if (from !== undefined && head > from && this.#o.observer()) {
      const own = this.#ownRecent.filter(([a, b]) => b > from && a < head);
      const mine = (p: number) => own.some(([a, b]) => p >= a && p < b);
      const entries = await this.#o.read.ledger.entries(from, Math.min(head - from, CATCH_UP_ENTRIES));
      if (head - from > CATCH_UP_ENTRIES) {
        this.#o.logger.warn({ missed: head - from, observed: CATCH_UP_ENTRIES }, 'remote commits: more steps were missed than a catch-up observes; the inspector shows the first only');
      }
      // Runs of consecutive seqs per case, in log (commit) order.
      const runs: { id: string; fromSeq: number; toSeq: number }[] = [];
      const last = new Map<string, { id: string; fromSeq: number; toSeq: number }>();
      for (const e of entries) {
        if (e.kind !== 'event' || e.caseId === null || mine(e.position)) continue;
        const seq = Number(e.ref);
        const run = last.get(e.caseId);
        if (run && run.toSeq + 1 === seq) run.toSeq = seq;
        else {
          const next = { id: e.caseId, fromSeq: seq, toSeq: seq };
          runs.push(next);
          last.set(e.caseId, next);
        }
      }
      await this.#observe(runs);
    }
    this.#caughtUpTo = Math.max(this.#caughtUpTo, head);
    this.#advance(head);
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
