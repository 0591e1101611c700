/**
 * What the inspector receives from the engine. The engine publishes each committed command
 * through `engine.observe(observer)` and nothing else; these types are derived from that one
 * public method, so the inspector depends on the engine's API, not on the file that
 * happens to build the observation (today engine/runner.ts).
 */
import type { Engine } from '../engine/index.js';

/** The engine's commit observer: what `engine.observe` accepts. */
export type CommitObserver = NonNullable<Parameters<Engine['observe']>[0]>;

/** One committed command (case, procedure@version, stored event, persisted snapshot after it). */
export type CommitObservation = Parameters<CommitObserver>[0];
