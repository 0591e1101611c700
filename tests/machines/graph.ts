/**
 * A case as actor logic for `xstate/graph`: each transition is one `ProcedureModule.step`
 * (the real runtime, invoked children included), so path generation walks the procedure
 * as the engine runs it. A refused event leaves the case where it was (a self-loop).
 */
import { fromTransition } from 'xstate';
import type { ProcedureModule, Role, StepOk } from '../../machines/contract.js';
import { deps, expectOk, meta } from './helpers.js';

export interface SampleEvent {
  type: string;
  payload: Record<string, unknown>;
  role: Role;
  occurredAt: string;
}
export interface CaseState {
  result: StepOk;
  /** What identifies the state for the traversal (state value plus the progress that matters). */
  key: string;
}

export function caseLogic(
  mod: ProcedureModule,
  start: { input: Record<string, unknown>; occurredAt: string; role: Role },
  keyOf: (r: StepOk) => string = (r) => r.state,
) {
  const wrap = (result: StepOk): CaseState => ({ result, key: keyOf(result) });
  return fromTransition<CaseState, SampleEvent, any, undefined, any>(
    (state, event) => {
      const r = mod.step(deps, state.result.snapshot, {
        type: event.type,
        payload: event.payload,
        ...meta(event.occurredAt, event.role),
      });
      return r.ok ? wrap(r) : state;
    },
    () => wrap(expectOk(mod.start(deps, start.input, meta(start.occurredAt, start.role)))),
  );
}

/** Top-level state names of a procedure machine, and which of them are final. */
export function topLevelStates(mod: ProcedureModule): { all: string[]; finals: string[] } {
  const machine = mod.machine(deps) as { root: { states: Record<string, { type: string }> } };
  const entries = Object.entries(machine.root.states);
  return { all: entries.map(([k]) => k).sort(), finals: entries.filter(([, s]) => s.type === 'final').map(([k]) => k).sort() };
}
