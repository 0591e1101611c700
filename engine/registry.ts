import type { ProcedureModule } from '../machines/contract.js';
import type { ProcedureMigration } from '../machines/common/migration.js';

/**
 * Which machine module runs a case: the current version for new cases, and every known
 * version (current and legacy) for cases pinned to an older one, so old histories stay
 * replayable; and the migrations between versions (machines/common/migration.ts), which a
 * history that contains a `procedure_migrated` needs to be replayed as well.
 */
export interface ModuleRegistry {
  current(procedure: string): ProcedureModule | undefined;
  version(procedure: string, version: string): ProcedureModule | undefined;
  procedures(): string[];
  /** The versions of `procedure` served: the current first, then the legacy ones, newest first. */
  versions(procedure: string): string[];
  /** The migration of `procedure` from `from` to `to`, if registered. */
  migration(procedure: string, from: string, to: string): ProcedureMigration | undefined;
  /** The migrations of `procedure` registered. */
  migrations(procedure: string): ProcedureMigration[];
}

/**
 * @param current the registry of machines (`procedures` of machines/index.ts), or a list
 * @param legacy older versions still needed to replay cases pinned to them
 * @param migrations the migrations between registered versions (`procedureMigrations`)
 */
export function createModuleRegistry(
  current: Record<string, ProcedureModule> | ProcedureModule[],
  legacy: ProcedureModule[] = [],
  migrations: readonly ProcedureMigration[] = [],
): ModuleRegistry {
  const list = Array.isArray(current) ? current : Object.values(current);
  const byId = new Map<string, ProcedureModule>();
  const byVersion = new Map<string, ProcedureModule>();
  for (const m of list) byId.set(m.id, m);
  for (const m of [...legacy, ...list]) byVersion.set(`${m.id}@${m.version}`, m);
  const byPair = new Map<string, ProcedureMigration>();
  for (const m of migrations) byPair.set(`${m.procedure}@${m.from}>${m.to}`, m);
  return {
    current: (p) => byId.get(p),
    version: (p, v) => byVersion.get(`${p}@${v}`),
    procedures: () => [...byId.keys()],
    versions: (p) => {
      const cur = byId.get(p)?.version;
      const older = legacy.filter((m) => m.id === p && m.version !== cur).map((m) => m.version);
      const unique = [...new Set(older)].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
      return cur === undefined ? unique : [cur, ...unique];
    },
    migration: (p, from, to) => byPair.get(`${p}@${from}>${to}`),
    migrations: (p) => migrations.filter((m) => m.procedure === p),
  };
}
