/**
 * The shapes of commands and of what a committed command tells its listeners: the
 * vocabulary shared by the runner, the engine's API, the workers and the inspector.
 */
import type { Actor, PersistedSnapshot } from '../machines/contract.js';

/** The type of the first event of every case; its payload is the creation input. */
export const CREATED_EVENT = 'created';
export const SYSTEM_ACTOR: Actor = { name: 'engine', role: 'system' };

export interface CreateOptions {
  actor: Actor;
  /**
   * When it happened in the office — for a question, its receipt (`input.receivedAt` is
   * another name for it); defaults to the server time; never later; never before the
   * back-dating limit (engine/backdating.ts).
   */
  occurredAt?: string;
  /** Required when occurredAt is more than the tolerance before now: why it is recorded late. */
  backdatingReason?: string;
  idempotencyKey?: string;
  /** The key counts for this long only (ms; engine/idempotency.ts): after it, the same request creates a new case. */
  idempotencyWindowMs?: number;
}
export interface EventInput {
  type: string;
  payload?: Record<string, unknown>;
  occurredAt?: string;
  /** Required when occurredAt is more than the tolerance before now: why it is recorded late. */
  backdatingReason?: string;
}
export interface EventOptions {
  actor: Actor;
  /** The `seq` the client saw (`If-Match`); a stale one fails with `version_conflict`. */
  expectedSeq?: number;
  idempotencyKey?: string;
}

/** What a committed command changed, for waking the workers. */
export interface CommitNotice {
  caseId: string;
  /** Earliest dueAt among timers (re)scheduled by the command. */
  scheduledDueAt?: string;
  mailQueued: number;
}

/**
 * A committed command, for observers (the live inspector). Only commands whose transaction
 * committed are observed; a rejected or rolled-back command never is.
 */
export interface CommitObservation {
  caseId: string;
  procedure: string;
  /** The machine version the case is pinned to. */
  version: string;
  seq: number;
  /** The stored event (type `created` for the creation, its payload is the input). */
  event: { type: string; payload: Record<string, unknown>; occurredAt: string; recordedAt: string; actor: Actor };
  /** The persisted machine snapshot after the event. */
  snapshot: PersistedSnapshot;
  state: string;
  status: 'active' | 'done';
}
/** Called after the commit; must not throw (a throw is logged and otherwise ignored). */
export type CommitObserver = (o: CommitObservation) => void;
