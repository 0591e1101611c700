/** The settings files read at start-up (AUTH_FILE, UNITS_FILE): JSON checked against a schema. */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Reads `path` as JSON and checks it against `schema`; a bad file fails start-up with a
 * message naming the setting, the file and the first wrong entry.
 */
export function readJsonSettingsFile<S extends TSchema>(setting: string, path: string, schema: S): Static<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${setting} ${path}: cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Value.Check(schema, raw)) {
    const first = Value.Errors(schema, raw)[0];
    throw new Error(`${setting} ${path}: ${first?.instancePath || '(root)'} ${first?.message ?? 'is invalid'}`);
  }
  return raw as Static<S>;
}
