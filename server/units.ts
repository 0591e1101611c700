/**
 * The organisational units of the deployment: one list, read once at start-up from
 * UNITS_FILE (`{"units":[{"id"?, "name", "email"?}, …]}`; `email`: the unit's mailbox for staff reminders), or the built-in development list below.
 * A bad file fails start-up naming the entry. `assign`/`reassign` name a unit by its
 * `name` (what the case and the history keep); AUTH_FILE users list theirs by name or id.
 */
import { Type, type Static } from 'typebox';
import { readJsonSettingsFile } from './json-file.js';
import type { UnitDirectory } from '../engine/index.js';

const UnitsFileSchema = Type.Object(
  {
    units: Type.Array(
      Type.Object(
        {
          id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'a short key, e.g. "export"' })),
          name: Type.String({ minLength: 1, maxLength: 200, description: 'the unit as the resolution names it' }),
          email: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: "the unit's mailbox: its reminders when nobody took the case" })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
export type UnitsFile = Static<typeof UnitsFileSchema>;

/** Used without UNITS_FILE (development, the demo): the units the examples and the demo users name. */
export const DEFAULT_UNITS: UnitsFile = {
  units: [
    { id: 'export', name: 'Департамент экспорта' },
    { id: 'industry', name: 'Департамент промышленности' },
    { id: 'legal', name: 'Юридический департамент' },
    { id: 'analytics', name: 'Департамент аналитики' },
    { id: 'pr', name: 'Управление по связям с общественностью' },
  ],
};

/** The configured units; `resolve` turns a name or id into the unit's name. */
export class UnitList {
  readonly names: readonly string[];
  /** The units' mailboxes (UNITS_FILE `email`), by unit name. */
  readonly mailboxes = new Map<string, string>();
  readonly #byKey = new Map<string, string>();
  constructor(file: UnitsFile, source = 'UNITS_FILE') {
    const names: string[] = [];
    file.units.forEach((u, i) => {
      const name = u.name.trim();
      if (name.length === 0) throw new Error(`${source}: /units/${i}: the name is blank`);
      if (this.#byKey.has(name)) throw new Error(`${source}: /units/${i}: a second unit named "${name}"`);
      if (u.id !== undefined && this.#byKey.has(u.id)) throw new Error(`${source}: /units/${i}: a second unit with id "${u.id}"`);
      this.#byKey.set(name, name);
      if (u.id !== undefined) this.#byKey.set(u.id, name);
      if (u.email !== undefined) this.mailboxes.set(name, u.email);
      names.push(name);
    });
    this.names = names;
  }
  /** The unit's name for a name or an id, or undefined. */
  resolve(key: string): string | undefined {
    return this.#byKey.get(key);
  }
  /** The engine's directory: these units, and the people of each from the users' `units`. */
  directory(people: ReadonlyMap<string, readonly string[]> = new Map()): UnitDirectory {
    return { units: this.names, people };
  }
}

/** Reads and validates a units file; a bad file fails start-up naming the file and the entry. */
export function loadUnitsFile(path: string): UnitList {
  return new UnitList(readJsonSettingsFile('UNITS_FILE', path, UnitsFileSchema), `UNITS_FILE ${path}`);
}

/** UNITS_FILE when set, otherwise the built-in list. */
export function loadUnits(path: string | undefined): UnitList {
  return path === undefined ? new UnitList(DEFAULT_UNITS, 'the built-in units') : loadUnitsFile(path);
}
