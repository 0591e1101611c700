/**
 * Canonical JSON: the one serialisation whose bytes are hashed — event hashes and
 * idempotency request hashes (engine/hash.ts) and the calendar data version
 * (calendars/index.ts). Pure: no imports from the rest of the project.
 *
 * The calendar had its own copy (entries sorted with `<`, undefined members dropped). On
 * validated calendar data the two write the same bytes: its objects have fixed
 * identifier keys, and the one record (`yearNotes`) is keyed by four-digit years, which
 * sort the same numerically and as text. tests/engine/hash.test.ts holds this function
 * equal to both former definitions, and tests/calendars pins the shipped data's version.
 */

/**
 * JSON with object keys sorted at every level (undefined members dropped, as JSON does).
 *
 * The definition — stored hashes depend on it byte for byte — is
 * `JSON.stringify(sortDeep(JSON.parse(JSON.stringify(value ?? null))))` where `sortDeep`
 * rebuilds every object inserting its keys in `Array.prototype.sort` order. That is what
 * this function computed until the hot path needed it faster (`canonicalJsonReference` in
 * the tests); this is one walk instead of two serialisations, a parse and a copy, and a
 * property test holds the two equal. Note what the definition implies: a rebuilt object
 * enumerates array-index keys ("0", "7", "10") first in numeric order, then the others in
 * insertion (here: sorted) order, so that is the order written here too.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value ?? null, '');
  // The definition parses what JSON.stringify gave: a bare function or symbol cannot be written.
  if (text === undefined) throw new SyntaxError(`${typeof value} is not valid JSON`);
  return text;
}

/** JSON text of `v` (the member `key` of its parent, for `toJSON`), or undefined where JSON drops it. */
function write(v: unknown, key: string): string | undefined {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(k: string): unknown }).toJSON(key);
  }
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      // As JSON.stringify does.
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + (write(v[i], String(i)) ?? 'null');
        return out + ']';
      }
      if (v instanceof Boolean || v instanceof Number || v instanceof String) return write(v.valueOf(), key);
      let out = '{';
      let first = true;
      for (const k of canonicalKeys(v as Record<string, unknown>)) {
        // The definition rebuilt objects by assignment, and assigning `__proto__` sets the
        // prototype instead of a key: such a member was never written, so it is not here.
        if (k === '__proto__') continue;
        const text = write((v as Record<string, unknown>)[k], k);
        if (text === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + text;
        first = false;
      }
      return out + '}';
    }
    default:
      // undefined, functions, symbols.
      return undefined;
  }
}

/** An array index as JS objects order them: a canonical decimal below 2^32 - 1. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

/** The enumeration order of an object rebuilt with its keys inserted in sorted order. */
function canonicalKeys(v: Record<string, unknown>): string[] {
  const keys = Object.keys(v).sort();
  if (!keys.some(isArrayIndex)) return keys;
  const indexes = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...keys.filter((k) => !isArrayIndex(k))];
}
