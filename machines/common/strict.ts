/**
 * `strict(schema)`: the closed, bounded form of a payload or creation-input schema.
 *
 * Applied once, by `defineProcedure` (machines/runtime.ts), to a module's `inputSchema` and
 * to every entry of its `eventSchemas`, so that every procedure — and every event added to
 * one later — refuses what its schema does not name and is bounded in size, without each
 * schema having to say so. The module's schemas are the strict ones: the engine validates
 * against them and `GET /machines/{procedure}` (the OpenAPI of the payloads) shows them.
 *
 * Why: the events table is a legal record that is never rewritten. An unknown field
 * (`{"coment": …}`, a `recordedAt` or `hash` smuggled into a payload, Swagger's
 * `additionalProp1`) would be stored in it forever, and a typo would silently lose the
 * field the caller meant.
 *
 * The contract, for every schema node that does not say otherwise:
 * - an object schema (`type: "object"`) gets `additionalProperties: false`; one that sets
 *   `additionalProperties` or `patternProperties` keeps them. Members of an `allOf` are
 *   not closed (each would refuse the others' fields); an intersection must close itself.
 * - a string without `maxLength` (and without `const` / `enum`) gets `maxLength`
 *   `DEFAULT_BOUNDS.maxLength`; an array without `maxItems` gets `DEFAULT_BOUNDS.maxItems`.
 *   A schema that needs more (a publication's body) sets its own bound.
 * Pure: returns a new schema and never changes the one given (the events files' constants,
 * which machines and tests also use, stay as written). TypeBox's own non-enumerable members
 * (`~kind`, `~optional`, `~refine`: refinements such as "a real instant") are kept.
 */
import type { TSchema } from 'typebox';

/** The default size bounds; the nesting bound of a whole value is the engine's (engine/command-checks.ts). */
export const DEFAULT_BOUNDS = { maxLength: 20_000, maxItems: 100 } as const;

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A copy of `node` with every own member, enumerable or not (TypeBox keeps `~kind` etc. non-enumerable). */
function copy(node: Node): Node {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(node)) as Node;
}

function walk(node: Node, close: boolean): Node {
  const out = copy(node);
  const set = (key: string, value: unknown) => {
    const d = Object.getOwnPropertyDescriptor(out, key);
    Object.defineProperty(out, key, { value, writable: true, configurable: true, enumerable: d ? d.enumerable : true });
  };
  const type = out.type;
  if (type === 'object' && close && !('additionalProperties' in out) && !('patternProperties' in out)) {
    set('additionalProperties', false);
  }
  if (type === 'string' && out.maxLength === undefined && !('const' in out) && !('enum' in out)) {
    set('maxLength', DEFAULT_BOUNDS.maxLength);
  }
  if (type === 'array' && out.maxItems === undefined) set('maxItems', DEFAULT_BOUNDS.maxItems);

  if (isNode(out.properties)) {
    set('properties', Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, isNode(v) ? walk(v, true) : v])));
  }
  if (isNode(out.patternProperties)) {
    set('patternProperties', Object.fromEntries(Object.entries(out.patternProperties).map(([k, v]) => [k, isNode(v) ? walk(v, true) : v])));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const v = out[key];
    if (isNode(v)) set(key, walk(v, true));
    else if (key === 'items' && Array.isArray(v)) set(key, v.map((s: unknown) => (isNode(s) ? walk(s, true) : s)));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    const v = out[key];
    if (Array.isArray(v)) set(key, v.map((s: unknown) => (isNode(s) ? walk(s, key !== 'allOf') : s)));
  }
  return out;
}

/** The strict form of `schema` (see the file comment); the static type is unchanged. */
export function strict<T extends TSchema>(schema: T): T {
  return walk(schema as unknown as Node, true) as unknown as T;
}
