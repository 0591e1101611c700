/**
 * Turns the engine's committed commands into @statelyai/inspect inspection events:
 * `@xstate.actor` (the case, once; session id = case id, name = `procedure@version`),
 * `@xstate.event` (the stored event) and `@xstate.snapshot` (the persisted snapshot after it).
 *
 * A case is never a running actor here (the engine restores one per step, see
 * machines/runtime.ts), so the events are built from each commit with the library's manual
 * `createInspector(...).actor()/.event()/.snapshot()` methods.
 */
import { createInspector, type StatelyActorEvent, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { AnyEventObject, AnyStateMachine } from 'xstate';
import type { Engine } from '../engine/index.js';
import type { CommitObservation, CommitObserver } from './observation.js';

export interface CaseInspectorOptions {
  /** The machine of `procedure@version`, sent as the actor's definition so the UI can draw it. */
  machineOf?: (procedure: string, version: string) => AnyStateMachine | undefined;
  /** A throw inside the observer is reported here and otherwise ignored (the command is committed). */
  onError?: (e: unknown) => void;
}

/** The machines of an engine's registry (or of a read-only audit store), for `machineOf`. */
export function engineMachines(engine: Pick<Engine, 'registry' | 'deps'>): CaseInspectorOptions['machineOf'] {
  return (procedure, version) => engine.registry.version(procedure, version)?.machine(engine.deps) as AnyStateMachine | undefined;
}

/** Where the inspection events go: the server's relay, or a test's list. */
export interface InspectionSink {
  send(e: StatelyInspectionEvent): void;
  /** Whether the case's `@xstate.actor` was already sent (else the next commit announces it). */
  knows(sessionId: string): boolean;
}

/** The commit observer that builds the inspection events of each observed commit (exported for the audit replay and tests). */
export function createCaseInspector(relay: InspectionSink, options: CaseInspectorOptions = {}): CommitObserver {
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
