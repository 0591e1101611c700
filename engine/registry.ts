import type { ProcedureModule } from '../machines/contract.js';

/**
 * Which machine module runs a case: the current version for new cases, and every known
 * version (current and legacy) for cases pinned to an older one, so old histories stay
 * replayable.
 */
export interface ModuleRegistry {
  current(procedure: string): ProcedureModule | undefined;
  version(procedure: string, version: string): ProcedureModule | undefined;
  procedures(): string[];
}

/**
 * @param current the registry of machines (`procedures` of machines/index.ts), or a list
 * @param legacy older versions still needed to replay cases pinned to them
 */
export function createModuleRegistry(
  current: Record<string, ProcedureModule> | ProcedureModule[],
  legacy: ProcedureModule[] = [],
): ModuleRegistry {
  const list = Array.isArray(current) ? current : Object.values(current);
  const byId = new Map<string, ProcedureModule>();
  const byVersion = new Map<string, ProcedureModule>();
  for (const m of list) byId.set(m.id, m);
  for (const m of [...legacy, ...list]) byVersion.set(`${m.id}@${m.version}`, m);
  return {
    current: (p) => byId.get(p),
    version: (p, v) => byVersion.get(`${p}@${v}`),
    procedures: () => [...byId.keys()],
  };
}
