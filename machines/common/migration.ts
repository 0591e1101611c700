/**
 * Migrating running cases from one version of a procedure to another (issue 18 §4; the
 * anchor is Camunda's process instance migration: a mapping plan, validated before it runs).
 *
 * A case is pinned to the machine version it was created with (`cases.machine_version`).
 * When the Rules are amended, the new version serves new cases at once; the old one keeps
 * serving the cases pinned to it (`legacyProcedures`) until they are migrated. A migration
 * is pure data and pure functions:
 *
 * - `states`: every state of A (its dotted state value) → a state of B. A state left out is
 *   not migrated: a case in it is refused (`state_unmapped`) and stays on A.
 * - `context`: an optional pure transform of the machine's context (a field renamed, a
 *   default for a new one). It sees the context only; no clock, no I/O.
 * - `recount`: the deadline keys counted again under B's policies. An open deadline keeps
 *   what it counts from (`from`) and what was added to it (P3's extensions: the amount is
 *   `amount − A's amount + B's amount`), and takes B's rule, unit and reading; it is counted
 *   with the calendar the migration step runs with, which stamps it. A missed deadline that
 *   is due later under B is pending again; one due earlier that is already past fires at
 *   once (the engine's timer, at its new instant).
 *
 * `validateMigration` checks a definition against both machines before anything runs;
 * `migrateSnapshot` computes one case's migration, the same way for the engine's apply, its
 * plan (dry run) and replay: the `procedure_migrated` event's payload is its output, and a
 * replay computes it again and must get the same payload.
 */
import { Type, type Static } from 'typebox';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { CaseDeadline, MachineDeps, PersistedSnapshot, ProcedureId, ProcedureModule, StepOk } from '../contract.js';
import { stateString } from '../runtime.js';
import { readingFor } from './deadlines.js';
import { NonEmpty } from './events.js';

/** The engine's event that moves a case from one version to another (role `system`). */
export const MIGRATED_EVENT = 'procedure_migrated';

export interface ProcedureMigration {
  procedure: ProcedureId;
  /** The version the cases are on. */
  from: string;
  /** The version they move to. */
  to: string;
  /** What changed and why (the amendment), for the plan and the docs. */
  description: string;
  /** State of A (dotted value, as `cases.state`) → state of B; absent: refused. */
  states: Readonly<Record<string, string>>;
  /** A pure transform of the machine's context (A's shape → B's); absent: the context as it is. */
  context?: (context: Record<string, unknown>) => Record<string, unknown>;
  /** The deadline keys counted again under B's policies. */
  recount: readonly string[];
}

const DeadlineFacts = Type.Object({
  rule: Type.String(),
  amount: Type.Integer(),
  unit: Type.String(),
  reading: Type.String(),
  lastDay: Type.String(),
  dueAt: Type.String(),
  calendarVersion: Type.String({ description: 'the calendar data version the deadline was counted with' }),
  status: Type.String(),
});

/** The payload of `procedure_migrated`: what the migration did to the case (closed: nothing else enters the history). */
export const MigratedPayload = Type.Object(
  {
    from: NonEmpty('the version the case was on'),
    to: NonEmpty('the version it is on now'),
    states: Type.Object({ from: NonEmpty('the state on the old version'), to: NonEmpty('the state on the new version') }, { additionalProperties: false }),
    deadlines: Type.Array(
      Type.Object(
        { key: NonEmpty('the deadline'), before: DeadlineFacts, after: DeadlineFacts },
        { additionalProperties: false },
      ),
      { description: 'the open deadlines re-counted under the new version whose record changed' },
    ),
  },
  { additionalProperties: false },
);
export type MigratedPayload = Static<typeof MigratedPayload>;

/** Why a case is not migrated (machine-readable). */
export type MigrationRefusalCode = 'state_unmapped' | 'case_closed' | 'wrong_version' | 'deadline_not_recountable' | 'not_restorable';
export interface MigrationRefusal {
  ok: false;
  code: MigrationRefusalCode;
  message: string;
}
export interface MigrationOk {
  ok: true;
  /** B's step: the migrated case (no effects). */
  step: StepOk;
  payload: MigratedPayload;
}

/** Every state of a machine as a case's dotted state value (atomic and final leaves; parallel regions as their node). */
export function statesOf(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: AnyStateNode, path: string[]): void => {
    for (const [key, child] of Object.entries(node.states ?? {})) {
      const p = [...path, key];
      if (child.type === 'compound') walk(child, p);
      else if (child.type !== 'history') out.push(p.join('.'));
    }
  };
  walk(machine.root, []);
  return out.sort();
}

/**
 * What is wrong with `m` as a migration from `a` to `b`, one message per problem (each names
 * the state or key); empty when it may run.
 */
export function validateMigration(m: ProcedureMigration, a: ProcedureModule, b: ProcedureModule, deps: MachineDeps): string[] {
  const errors: string[] = [];
  if (a.id !== m.procedure || b.id !== m.procedure) errors.push(`the migration is of ${m.procedure}, the machines are ${a.id} and ${b.id}`);
  if (a.version !== m.from) errors.push(`the migration is from version ${m.from}, the old machine is ${a.version}`);
  if (b.version !== m.to) errors.push(`the migration is to version ${m.to}, the new machine is ${b.version}`);
  if (m.from === m.to) errors.push(`the migration goes from ${m.from} to the same version`);
  const inA = new Set(statesOf(a.machine(deps) as AnyStateMachine));
  const inB = new Set(statesOf(b.machine(deps) as AnyStateMachine));
  for (const [from, to] of Object.entries(m.states)) {
    if (!inA.has(from)) errors.push(`state "${from}" is not a state of ${a.id}@${a.version} (states: ${[...inA].join(', ')})`);
    if (!inB.has(to)) errors.push(`state "${from}" maps to "${to}", which is not a state of ${b.id}@${b.version} (states: ${[...inB].join(', ')})`);
  }
  for (const key of m.recount) {
    if (!Object.hasOwn(b.deadlinePolicies, key)) errors.push(`deadline "${key}" is re-counted, but ${b.id}@${b.version} has no such deadline policy`);
    if (!Object.hasOwn(a.deadlinePolicies, key)) errors.push(`deadline "${key}" is re-counted, but ${a.id}@${a.version} has no such deadline policy`);
  }
  return errors;
}

/** `a.b.c` → `{a: {b: 'c'}}` (a leaf's state value). */
function valueOf(state: string): unknown {
  const parts = state.split('.');
  let v: unknown = parts.pop()!;
  while (parts.length) v = { [parts.pop()!]: v };
  return v;
}

function facts(d: CaseDeadline): Static<typeof DeadlineFacts> {
  return { rule: d.rule, amount: d.amount, unit: d.unit, reading: d.reading, lastDay: d.lastDay, dueAt: d.dueAt, calendarVersion: d.calendar.version, status: d.status };
}

/** An open deadline of A counted again under B's policy (see the file comment). */
function recountUnder(deps: MachineDeps, d: CaseDeadline, a: ProcedureModule, b: ProcedureModule): CaseDeadline {
  const pa = a.deadlinePolicies[d.key]!;
  const pb = b.deadlinePolicies[d.key]!;
  if (/^\d{4}-\d{2}-\d{2}$/.test(d.from)) throw new Error(`deadline "${d.key}" is a lead time counted back from ${d.from}: it is not re-counted`);
  const amount = d.amount - pa.amount + pb.amount;
  if (amount < 1) throw new Error(`deadline "${d.key}" would count ${amount} days under ${b.version}`);
  const reading = readingFor(deps, pb);
  const c = deps.calendar.deadline(d.from, amount, reading);
  const next: CaseDeadline = { ...d, rule: pb.rule, amount, unit: pb.unit, reading, lastDay: c.lastDay, dueAt: c.dueAt, calendar: c.calendar };
  if (d.status === 'missed' && d.observedMissedAt !== undefined && Date.parse(d.observedMissedAt) < Date.parse(c.dueAt)) {
    const { observedMissedAt: _o, ...rest } = next;
    return { ...rest, status: 'pending' };
  }
  return next;
}

/**
 * One case migrated: A's persisted snapshot → B's, with the state mapped, the context
 * transformed and the deadlines re-counted; B restores it (`resume`), which proves B can
 * run it. Pure given `deps`. `m` must have passed `validateMigration`.
 */
export function migrateSnapshot(
  m: ProcedureMigration,
  a: ProcedureModule,
  b: ProcedureModule & Required<Pick<ProcedureModule, 'resume'>>,
  deps: MachineDeps,
  snapshot: PersistedSnapshot,
): MigrationOk | MigrationRefusal {
  if (a.version !== m.from) return { ok: false, code: 'wrong_version', message: `the case is on ${a.id}@${a.version}, the migration is from ${m.from}` };
  if (snapshot.status !== 'active') return { ok: false, code: 'case_closed', message: 'the case is closed: it stays on the version it was closed under' };
  const from = stateString(snapshot.value);
  const to = Object.hasOwn(m.states, from) ? m.states[from] : undefined;
  if (to === undefined) {
    return { ok: false, code: 'state_unmapped', message: `state "${from}" of ${a.id}@${m.from} has no mapping to ${m.to}: the case stays on ${m.from}` };
  }
  const machineContext = (snapshot.context ?? {}) as Record<string, unknown>;
  const context = m.context ? m.context(structuredClone(machineContext)) : machineContext;
  const deadlines = { ...((context.deadlines ?? {}) as Record<string, CaseDeadline>) };
  const changed: MigratedPayload['deadlines'] = [];
  for (const key of m.recount) {
    const d = deadlines[key];
    if (!d?.open) continue;
    let next: CaseDeadline;
    try {
      next = recountUnder(deps, d, a, b);
    } catch (e) {
      return { ok: false, code: 'deadline_not_recountable', message: e instanceof Error ? e.message : String(e) };
    }
    const before = facts(d);
    const after = facts(next);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    deadlines[key] = next;
    changed.push({ key, before, after });
  }
  const migrated: PersistedSnapshot = { ...snapshot, value: valueOf(to), context: { ...context, deadlines } };
  let step: StepOk;
  try {
    step = b.resume(deps, migrated);
  } catch (e) {
    return { ok: false, code: 'not_restorable', message: `${b.id}@${b.version} cannot run the migrated case: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ok: true, step, payload: { from: m.from, to: m.to, states: { from, to }, deadlines: changed } };
}
