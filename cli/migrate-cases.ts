/**
 * `npm run migrate-cases -- <plan|apply> --procedure P --from A --to B [--json]`: moves the
 * running cases of a procedure from version A to version B with a registered migration
 * (machines/common/migration.ts, `procedureMigrations`), against the database named by
 * DATABASE / DATABASE_URL (server/config.ts).
 *
 * - `plan`: the dry run. Validates the migration against both machines, then lists every
 *   running case on A: its state → B's, the deadlines that change (old → new), or why it is
 *   refused (`state_unmapped`, …). Writes nothing (the database is opened read-only, so it
 *   runs next to the server). Exit 0, or 2 on an error (an invalid migration among them).
 * - `apply`: the same plan, then one `procedure_migrated` event per case it takes
 *   (engine/migrate.ts); prints each case's result. A second apply finds nothing to do.
 *   Exit 0 when every running case on A was migrated, 1 when some were refused (they stay
 *   on A), 2 on an error.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadKzCalendar } from '../calendars/index.js';
import { openAuditStore } from '../engine/audit.js';
import type { Clock } from '../engine/clock.js';
import { createEngine } from '../engine/engine.js';
import { isEngineError } from '../engine/errors.js';
import { createModuleRegistry } from '../engine/registry.js';
import { applyMigration, checkMigration, planMigration, type MigrationPlan, type PlannedCase } from '../engine/migrate.js';
import type { ProcedureModule } from '../machines/contract.js';
import type { ProcedureMigration } from '../machines/common/migration.js';
import { legacyProcedures, procedureMigrations, procedures } from '../machines/index.js';
import { loadConfig } from '../server/config.js';
import { parseReadings } from '../server/readings.js';

const USAGE = `usage: npm run migrate-cases -- <plan|apply> --procedure <id> --from <version> --to <version> [--json]

  plan     validate the migration and list the running cases on <from>: state → state, the
           deadlines that change (old → new), the refused cases with the reason; writes nothing
  apply    the same plan, then one procedure_migrated event per case; prints each result
           (exit 1 when some case was refused: it stays on <from>)

environment: DATABASE (default data/qazindustry.sqlite) or DATABASE_URL (PostgreSQL), CALENDAR_STATUTORY_ONLY, DEADLINE_READINGS`;

export interface MigrateIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

/** The machines the command knows (the registry's by default; tests pass an edition of their own). */
export interface MigrateMachines {
  procedures: Record<string, ProcedureModule> | ProcedureModule[];
  legacyModules: ProcedureModule[];
  migrations: readonly ProcedureMigration[];
}

const REGISTERED: MigrateMachines = { procedures, legacyModules: legacyProcedures, migrations: procedureMigrations };

class UsageError extends Error {}

function caseLine(c: PlannedCase): string {
  const name = `${c.caseId}${c.registrationNumber ? ` ${c.registrationNumber}` : ''}`;
  if (c.outcome === 'refused') return `${name} ${c.state}: refused: ${c.code}: ${c.message}\n`;
  const moved = (c.deadlines ?? []).map(
    (d) =>
      `\n    ${d.key}: ${d.before.lastDay} → ${d.after.lastDay} (due ${d.before.dueAt} → ${d.after.dueAt}; ` +
      `${d.before.amount} → ${d.after.amount} ${d.after.unit}, ${d.after.rule}, ${d.after.reading}, calendar ${d.after.calendarVersion})`,
  );
  return `${name} ${c.state} → ${c.toState}${moved.join('') || ' (no deadline changes)'}\n`;
}

function planText(io: MigrateIo, plan: MigrationPlan): void {
  io.out(`${plan.procedure} ${plan.from} → ${plan.to}: ${plan.description}\n`);
  io.out(`state mapping: ${Object.entries(plan.states).map(([a, b]) => `${a} → ${b}`).join(', ')}; re-counted: ${plan.recount.join(', ') || 'none'}\n`);
  for (const c of plan.cases) io.out(caseLine(c));
  io.out(`${plan.migrate} running case(s) to migrate, ${plan.refused} refused; ${plan.alreadyOnTarget} running case(s) already on ${plan.to}\n`);
}

/**
 * @param machines the machines and migrations (default: the registry's)
 * @param clock what the apply's events are dated with (default: the system clock; tests: a simulated one)
 */
export async function runMigrateCases(argv: string[], io: MigrateIo, machines: MigrateMachines = REGISTERED, clock?: Clock): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { procedure: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
    });
    const [command, ...extra] = positionals;
    if (command === undefined || command === 'help') {
      (command === undefined ? io.err : io.out)(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command !== 'plan' && command !== 'apply') throw new UsageError(`unknown command: ${command} (expected plan or apply)`);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const { procedure, from, to } = values;
    if (procedure === undefined || from === undefined || to === undefined) throw new UsageError(`${command} needs --procedure, --from and --to`);
    const config = loadConfig(io.env);
    const calendar = loadKzCalendar({ allowStatutoryOnly: config.calendarStatutoryOnly });
    const readings = parseReadings(config.deadlineReadings);
    if (command === 'plan') {
      const store = await openAuditStore({ databasePath: config.database, calendar, readings, ...machines });
      try {
        const plan = await planMigration(store.storage.read, store.registry, store.deps, procedure, from, to);
        if (values.json) io.out(`${JSON.stringify(plan, null, 2)}\n`);
        else planText(io, plan);
        return 0;
      } finally {
        await store.close();
      }
    }
    // An unregistered or invalid migration is refused before the database is opened for writing.
    checkMigration(createModuleRegistry(machines.procedures, machines.legacyModules, machines.migrations), { calendar, readings }, procedure, from, to);
    const engine = await createEngine({
      databasePath: config.database,
      synchronous: config.synchronous,
      calendar,
      readings,
      ...machines,
      ...(clock ? { clock } : {}),
      maxBackdating: config.maxBackdating,
      calendarPollMs: 0,
    });
    try {
      const run = await applyMigration({ runner: engine.runner, read: engine.storage.read }, procedure, from, to);
      const refused = run.results.filter((r) => r.outcome === 'refused').length;
      if (values.json) io.out(`${JSON.stringify(run, null, 2)}\n`);
      else {
        planText(io, run.plan);
        for (const r of run.results) {
          if (r.outcome === 'migrated') io.out(`${r.caseId}: migrated to ${r.version}, state ${r.state}\n`);
          else if (r.outcome === 'already') io.out(`${r.caseId}: already on ${to}\n`);
          else io.out(`${r.caseId}: refused: ${r.code}: ${r.message}\n`);
        }
        const migrated = run.results.filter((r) => r.outcome === 'migrated').length;
        io.out(migrated === 0 && refused === 0 ? `nothing to do: no running case of ${procedure} on ${from}\n` : `${migrated} case(s) migrated, ${refused} refused\n`);
      }
      return refused > 0 ? 1 : 0;
    } finally {
      await engine.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`migrate-cases: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`migrate-cases: ${e.message}\n`);
      return 2;
    }
    if (isEngineError(e) || (e instanceof Error && (e.message.startsWith('Bad configuration') || /no such table/i.test(e.message)))) {
      io.err(`migrate-cases: ${e.message}\n`);
      return 2;
    }
    io.err(`migrate-cases: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await runMigrateCases(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
  });
  process.stdout.write('', () => process.exit(code));
}
