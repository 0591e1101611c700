/**
 * Migrating the running cases of a procedure from version A to version B (issue 18 §4;
 * machines/common/migration.ts has the definition and the pure computation).
 *
 * `planMigration` is the dry run (`npm run migrate-cases -- plan`): the migration validated
 * against both registered machines (every mapped state exists on its side, every re-counted
 * deadline has a policy on both: errors name them), then every running case on A computed
 * as the apply would compute it: its state → B's, the deadlines whose record changes
 * (old → new, with rule, reading and calendar version), or why it is refused. It reads only.
 *
 * `applyMigration` runs the same plan, then migrates the cases it found, one unit of work
 * per case (`Runner.applyMigration`: one `procedure_migrated` event, the case's version,
 * timers and projections in its transaction; the case is read again inside the unit). A
 * refused case is not written to. It holds no state: a second apply finds no case on A
 * that the migration takes, so it does nothing; one stopped midway resumes where it was.
 */
import type { MachineDeps } from '../machines/contract.js';
import { migrateSnapshot, validateMigration, type MigratedPayload, type MigrationRefusalCode, type ProcedureMigration } from '../machines/common/migration.js';
import type { ProcedureModule } from '../machines/contract.js';
import type { CaseRecord, Repositories } from '../storage/index.js';
import { EngineError } from './errors.js';
import type { ModuleRegistry } from './registry.js';
import type { MigrationCaseResult, Runner } from './runner.js';

/** One running case of version A, as the plan sees it. */
export interface PlannedCase {
  caseId: string;
  /** How staff name a case (no personal data). */
  registrationNumber?: string;
  state: string;
  outcome: 'migrate' | 'refused';
  /** The state on B (`migrate`). */
  toState?: string;
  /** The deadlines whose record changes, before and after (`migrate`). */
  deadlines?: MigratedPayload['deadlines'];
  /** Why not (`refused`): machine-readable, and in words. */
  code?: MigrationRefusalCode;
  message?: string;
}

export interface MigrationPlan {
  procedure: string;
  from: string;
  to: string;
  description: string;
  /** The mapping of the definition (state of A → state of B). */
  states: Record<string, string>;
  recount: string[];
  /** The running cases on A, oldest first. */
  cases: PlannedCase[];
  /** Of them: to migrate, refused. */
  migrate: number;
  refused: number;
  /** Running cases already on B (a second apply: nothing to do for them). */
  alreadyOnTarget: number;
}

const PAGE = 200;

/** The registered migration and both machines, validated; an EngineError naming what is wrong otherwise. */
function resolveMigration(
  registry: ModuleRegistry,
  deps: MachineDeps,
  procedure: string,
  from: string,
  to: string,
): { migration: ProcedureMigration; a: ProcedureModule; b: ProcedureModule & Required<Pick<ProcedureModule, 'resume'>> } {
  if (!registry.procedures().includes(procedure)) {
    throw new EngineError('invalid_request', `unknown procedure: ${procedure}`, { procedures: registry.procedures() });
  }
  const migration = registry.migration(procedure, from, to);
  if (!migration) {
    const known = registry.migrations(procedure).map((m) => `${m.from} → ${m.to}`);
    throw new EngineError('invalid_request', `no migration of ${procedure} from ${from} to ${to} is registered (registered: ${known.join(', ') || 'none'}; versions served: ${registry.versions(procedure).join(', ')})`, {
      migrations: known,
    });
  }
  const a = registry.version(procedure, from);
  const b = registry.version(procedure, to);
  if (!a || !b) throw new EngineError('invalid_request', `${procedure}@${!a ? from : to} is not a version served (served: ${registry.versions(procedure).join(', ')})`);
  if (!b.resume) throw new EngineError('invalid_request', `${procedure}@${to} cannot take migrated cases (its module has no resume)`);
  const errors = validateMigration(migration, a, b, deps);
  if (errors.length > 0) throw new EngineError('invalid_request', `the migration ${procedure} ${from} → ${to} is invalid: ${errors.join('; ')}`, { errors });
  return { migration, a, b: b as ProcedureModule & Required<Pick<ProcedureModule, 'resume'>> };
}

/**
 * Whether the migration is registered and valid against the registered machines (an
 * EngineError naming what is wrong), before anything opens a database for writing.
 */
export function checkMigration(registry: ModuleRegistry, deps: MachineDeps, procedure: string, from: string, to: string): void {
  resolveMigration(registry, deps, procedure, from, to);
}

/** The running cases of `procedure`, in pages, oldest first. */
async function* runningCases(read: Repositories, procedure: string): AsyncGenerator<CaseRecord[]> {
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await read.cases.list({ procedure, status: 'active', limit: PAGE, ...(after ? { after } : {}) });
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (page.length < PAGE || !last) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

function planOne(row: CaseRecord, r: ReturnType<typeof resolveMigration>, deps: MachineDeps): PlannedCase {
  const context = JSON.parse(row.contextJson) as Record<string, unknown>;
  const base = { caseId: row.id, ...(typeof context.registrationNumber === 'string' ? { registrationNumber: context.registrationNumber } : {}), state: row.state };
  const out = migrateSnapshot(r.migration, r.a, r.b, deps, JSON.parse(row.snapshotJson) as Record<string, unknown>);
  if (!out.ok) return { ...base, outcome: 'refused', code: out.code, message: out.message };
  return { ...base, outcome: 'migrate', toState: out.payload.states.to, deadlines: out.payload.deadlines };
}

/** The dry run: what `applyMigration` would do, writing nothing. */
export async function planMigration(read: Repositories, registry: ModuleRegistry, deps: MachineDeps, procedure: string, from: string, to: string): Promise<MigrationPlan> {
  const r = resolveMigration(registry, deps, procedure, from, to);
  const plan: MigrationPlan = {
    procedure,
    from,
    to,
    description: r.migration.description,
    states: { ...r.migration.states },
    recount: [...r.migration.recount],
    cases: [],
    migrate: 0,
    refused: 0,
    alreadyOnTarget: 0,
  };
  for await (const page of runningCases(read, procedure)) {
    for (const row of page) {
      if (row.machineVersion === to) plan.alreadyOnTarget++;
      if (row.machineVersion !== from) continue;
      const c = planOne(row, r, deps);
      plan.cases.push(c);
      if (c.outcome === 'migrate') plan.migrate++;
      else plan.refused++;
    }
  }
  return plan;
}

export interface MigrationRun {
  plan: MigrationPlan;
  /** Per case of the plan: migrated, refused (not written), or already on B (another run got there). */
  results: Array<Exclude<MigrationCaseResult, { outcome: 'migrated' }> | { caseId: string; outcome: 'migrated'; state: string; version: string }>;
}

/** The plan, then each case it would migrate migrated in its own unit of work. */
export async function applyMigration(o: { runner: Runner; read: Repositories }, procedure: string, from: string, to: string): Promise<MigrationRun> {
  const { runner } = o;
  const plan = await planMigration(o.read, runner.registry, runner.deps, procedure, from, to);
  const { migration } = resolveMigration(runner.registry, runner.deps, procedure, from, to);
  const results: MigrationRun['results'] = [];
  for (const c of plan.cases) {
    if (c.outcome === 'refused') {
      results.push({ caseId: c.caseId, outcome: 'refused', code: c.code!, message: c.message! });
      continue;
    }
    const r = await runner.queue.submit((repos, tx) => runner.applyMigration(repos, tx, c.caseId, migration));
    results.push(r.outcome === 'migrated' ? { caseId: r.caseId, outcome: 'migrated', state: r.view.state, version: r.view.version } : r);
  }
  return { plan, results };
}
