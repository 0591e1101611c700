/** Shared fixtures for the machine tests: the real Kazakhstan calendar and a case driver. */
import { expect } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import type {
  EventMeta,
  MachineDeps,
  PersistedSnapshot,
  ProcedureModule,
  Role,
  StepOk,
  StepRejected,
  StepResult,
} from '../../machines/contract.js';

export const calendar = loadKzCalendar();
export const deps: MachineDeps = { calendar };

/** An instant on a civil day in Almaty (UTC+5 since 2024-03-01). */
export const almaty = (date: string, time = '10:00') => `${date}T${time}:00+05:00`;

export const meta = (occurredAt: string, role: Role, name = `${role}-user`): EventMeta => ({
  occurredAt,
  recordedAt: occurredAt,
  actor: { name, role },
});

export function expectOk(r: StepResult): StepOk {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r;
}
export function expectRejected(r: StepResult, code: StepRejected['code']): StepRejected {
  expect(r.ok).toBe(false);
  const rej = r as StepRejected;
  expect(rej.code).toBe(code);
  return rej;
}

/**
 * Drives one case through `start`/`step`, always through a JSON round trip of the
 * snapshot (as the engine stores it). A refused step leaves the case as it was.
 */
export class CaseDriver {
  last: StepOk;
  constructor(
    readonly mod: ProcedureModule,
    input: Record<string, unknown>,
    occurredAt: string,
    role: Role,
    readonly machineDeps: MachineDeps = deps,
  ) {
    this.last = expectOk(mod.start(machineDeps, input, meta(occurredAt, role)));
  }
  get snapshot(): PersistedSnapshot {
    return JSON.parse(JSON.stringify(this.last.snapshot)) as PersistedSnapshot;
  }
  get state() {
    return this.last.state;
  }
  get context() {
    return this.last.context as Record<string, any> & { deadlines: StepOk['context']['deadlines'] };
  }
  deadline(key: string) {
    const d = this.last.context.deadlines[key];
    if (!d) throw new Error(`no deadline "${key}" in ${Object.keys(this.last.context.deadlines).join(', ')}`);
    return d;
  }
  try(type: string, payload: Record<string, unknown>, occurredAt: string, role: Role): StepResult {
    const r = this.mod.step(this.machineDeps, this.snapshot, { type, payload, ...meta(occurredAt, role) });
    if (r.ok) this.last = r;
    return r;
  }
  send(type: string, payload: Record<string, unknown>, occurredAt: string, role: Role): StepOk {
    return expectOk(this.try(type, payload, occurredAt, role));
  }
  allowed(): string[] {
    return this.mod.allowedEvents(this.machineDeps, this.snapshot).map((a) => a.type);
  }
}
