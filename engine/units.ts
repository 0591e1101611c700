/**
 * The organisational units (PROCEDURES.md: the "responsible unit" of P3/P4) as the engine
 * checks them. The list is a deployment setting (server/units.ts reads UNITS_FILE); the
 * people come from the user directory. Machines stay pure: they never see the list, the
 * engine checks before the step.
 *
 * The rules, for an engine created with a directory (`createEngine({units})`):
 * - the `unit` of an event the procedure lists in `unitEvents` (`assign`, `reassign`) is a
 *   configured unit (400 `invalid_request` listing them);
 * - a `unit` actor acts only on a case assigned to one of its units (403 `not_your_unit`),
 *   and on a case a person of the unit has taken, only that person does the work
 *   (403 `forbidden`; a comment stays open to the unit);
 * - `reassign.to` is a person of the case's (new) unit;
 * - a part event (`partUnitEvents`, P6 `deliver_materials`) names one of the actor's own
 *   units (403 `not_your_unit`), whatever the case's responsible unit.
 * An actor that carries `units` is held to them even by an engine without a directory;
 * an engine without one (tests, tools) checks nothing else.
 */
import type { Actor, ProcedureModule } from '../machines/contract.js';
import { EngineError } from './errors.js';

export interface UnitDirectory {
  /** The configured units, by name (the value `assign` sends). */
  readonly units: readonly string[];
  /** The units of each person who holds the `unit` role, by user name (for `reassign.to`). */
  readonly people?: ReadonlyMap<string, readonly string[]>;
}

/** The unit and assignee of a case, as the case record has them. */
export interface UnitOfCase {
  unit?: string | null;
  assignee?: string | null;
}

/**
 * 403 `not_your_unit` / `forbidden` when a `unit` actor may not act on this case. An event
 * the procedure lists in `partUnitEvents` (P6 `deliver_materials`: one unit's part of a
 * step several units share) is checked by `checkPartUnit` instead, on its payload.
 */
export function checkUnitAccess(
  row: UnitOfCase,
  type: string,
  actor: Actor,
  directory: UnitDirectory | undefined,
  module?: Pick<ProcedureModule, 'partUnitEvents'>,
): void {
  if (actor.role !== 'unit') return;
  if (module?.partUnitEvents?.includes(type)) return;
  const mine = actor.units;
  if (mine === undefined) {
    if (!directory) return;
    throw new EngineError('not_your_unit', `user ${actor.name} belongs to no unit; a unit user acts only on the cases of their units`, { units: [] });
  }
  const unit = row.unit ?? null;
  if (unit === null || !mine.includes(unit)) {
    throw new EngineError(
      'not_your_unit',
      unit === null
        ? 'the case is not assigned to a unit yet; a unit user acts only on the cases assigned to one of their units'
        : `the case is assigned to "${unit}", not to one of your units (${mine.join(', ') || 'none'})`,
      { unit, units: [...mine] },
    );
  }
  const assignee = row.assignee ?? null;
  if (assignee !== null && assignee !== actor.name && type !== 'comment') {
    throw new EngineError('forbidden', `the case is taken by ${assignee} within "${unit}"; they, or the role that assigns the unit, hand it over with reassign`, {
      assignee,
    });
  }
}

/**
 * 403 `not_your_unit` when a `unit` actor sends a part event (`partUnitEvents`) for a unit
 * that is not one of theirs: a unit user delivers only its own unit's part. Whether the
 * unit's part is awaited at all is the machine's check.
 */
export function checkPartUnit(
  module: Pick<ProcedureModule, 'partUnitEvents'>,
  type: string,
  payload: Record<string, unknown>,
  actor: Actor,
  directory: UnitDirectory | undefined,
): void {
  if (actor.role !== 'unit' || !module.partUnitEvents?.includes(type)) return;
  const mine = actor.units;
  if (mine === undefined && !directory) return;
  const named = typeof payload.unit === 'string' ? payload.unit : null;
  if (named === null || !(mine ?? []).includes(named)) {
    throw new EngineError('not_your_unit', `${type}/unit: "${named ?? ''}" is not one of your units (${(mine ?? []).join(', ') || 'none'}); a unit user delivers only its own unit's part`, {
      unit: named,
      units: [...(mine ?? [])],
    });
  }
}

/** 400 when an event's `unit` is not configured, or `reassign.to` is not a person of the unit. */
export function checkUnitPayload(
  module: ProcedureModule,
  type: string,
  payload: Record<string, unknown>,
  row: UnitOfCase,
  directory: UnitDirectory | undefined,
): void {
  if (!directory || !module.unitEvents?.includes(type)) return;
  const named = payload.unit;
  // A list of units (P6 `designate`, `return_material`): each one configured.
  const listed = Array.isArray(payload.units) ? payload.units.filter((u): u is string => typeof u === 'string') : [];
  const unknown = listed.find((u) => !directory.units.includes(u));
  if (unknown !== undefined) {
    throw new EngineError('invalid_request', `${type}/units: "${unknown}" is not a configured unit; the units are: ${directory.units.join('; ')}`, {
      field: 'units',
      units: [...directory.units],
    });
  }
  if (typeof named === 'string' && !directory.units.includes(named)) {
    throw new EngineError('invalid_request', `${type}/unit: "${named}" is not a configured unit; the units are: ${directory.units.join('; ')}`, {
      field: 'unit',
      units: [...directory.units],
    });
  }
  const to = payload.to;
  const people = directory.people;
  if (typeof to === 'string' && people) {
    const unit = typeof named === 'string' ? named : (row.unit ?? null);
    if (unit === null || !(people.get(to) ?? []).includes(unit)) {
      const members = [...people].filter(([, units]) => unit !== null && units.includes(unit)).map(([name]) => name);
      throw new EngineError('invalid_request', `${type}/to: ${to} is not a unit user of "${unit ?? 'no unit'}"; its people are: ${members.join(', ') || 'none'}`, {
        field: 'to',
        people: members,
      });
    }
  }
}

/**
 * The units whose own part the case waits for now (P6's co-units, п. 33): the units still
 * awaited by a pending part (`ProcedureModule.progress`) of an event the procedure lists in
 * `partUnitEvents`. Stored with the case (`CaseRecord.partUnits`): a unit user has such a
 * case in their queue and reads it, as the responsible unit's users do, until their part is
 * delivered. Empty for every procedure without part events.
 */
export function partUnitsOf(module: Pick<ProcedureModule, 'partUnitEvents' | 'progress'>, context: Record<string, unknown>, state: string): string[] {
  const events = module.partUnitEvents;
  if (!events || events.length === 0 || !module.progress) return [];
  const parts = module.progress(context, state).pending.filter((p) => p.field === 'unit' && events.includes(p.event));
  return [...new Set(parts.flatMap((p) => p.awaited))];
}
