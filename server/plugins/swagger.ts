/**
 * OpenAPI 3 at /docs/json and Swagger UI at /docs. Built from the route schemas and the
 * procedures' own schemas, so the documentation cannot drift from validation.
 *
 * Made for generators (openapi-typescript, …) and checked with `redocly lint` (recommended
 * rules, tests/server/openapi-lint.test.ts). On top of @fastify/swagger:
 * - `transform` (per route, documentation only): the shared schemas become `$ref`s to
 *   their components (server/schemas/openapi.ts `NAMED_SCHEMAS`), and the bodies of
 *   `POST /cases` and `POST /cases/{id}/events` are shown per procedure (`procedureDocs`);
 *   the routes still validate what they validated.
 * - `transformObject`: every schema object is made an OpenAPI 3.0 one (`toOpenApi30`).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { procedures } from '../../machines/index.js';
import { API_ERRORS } from '../errors.js';
import { CreateCaseBodySchema, EventBodySchema } from '../schemas/cases.js';
import { caseViewDocs, componentRef, NAMED_SCHEMAS, procedureDocs } from '../schemas/openapi.js';

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A schema's identity for naming: all of it but its own description, so that
 * `{...ErrorSchema, description: 'the codes of this status'}` is still the `Error`.
 */
function fingerprint(schema: Json): string {
  const { description: _description, ...rest } = schema;
  return JSON.stringify(rest);
}

/** Keys whose values are data, not schemas: never searched for named schemas. */
const DATA_KEYS = new Set(['examples', 'example', 'enum', 'const', 'default', 'required', 'discriminator']);

/**
 * `node` with every part that is a named schema (`names`: fingerprint → name) replaced by
 * its `$ref`; `node` itself too unless `keepRoot` (a component does not refer to itself).
 */
function withRefs(node: unknown, names: ReadonlyMap<string, string>, keepRoot = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withRefs(n, names));
  if (!isJson(node)) return node;
  const name = keepRoot ? undefined : names.get(fingerprint(node));
  if (name) return componentRef(name);
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => {
      if (DATA_KEYS.has(k)) return [k, v];
      // `properties` (and `patternProperties`) map names to schemas: each value is a schema.
      if ((k === 'properties' || k === 'patternProperties') && isJson(v)) {
        return [k, Object.fromEntries(Object.entries(v).map(([p, s]) => [p, withRefs(s, names)]))];
      }
      return [k, withRefs(v, names)];
    }),
  );
}

/** OpenAPI 3.0's Schema Object keywords; any other keyword is kept as an extension (`x-…`). */
const OAS30_SCHEMA_KEYWORDS = new Set([
  '$ref', 'title', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength',
  'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'allOf',
  'oneOf', 'anyOf', 'not', 'items', 'properties', 'additionalProperties', 'description', 'format', 'default', 'nullable',
  'discriminator', 'readOnly', 'writeOnly', 'xml', 'externalDocs', 'example', 'deprecated',
]);

/**
 * A JSON Schema (draft 7, as TypeBox writes it and @fastify/swagger leaves it) as an
 * OpenAPI 3.0 Schema Object: `examples` → `example` (its first), `const` → `enum`, a
 * record's `patternProperties: {'^.*$': S}` → `additionalProperties: S`, a
 * keyword 3.0 does not have becomes an extension (`correctable` → `x-correctable`: the
 * field can be changed later with a `correct` event), and an `anyOf` of one schema is that
 * schema. @fastify/swagger converts some of these itself, but not everywhere (not inside
 * an `anyOf`: `dueBefore`).
 */
function toOpenApi30(schema: unknown): unknown {
  if (!isJson(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && isJson(v)) out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toOpenApi30(s)]));
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && isJson(v))) out[k] = toOpenApi30(v);
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map(toOpenApi30);
    else if (k === 'patternProperties' && isJson(v) && Object.keys(v).length === 1 && v['^.*$'] !== undefined && !('additionalProperties' in schema)) {
      // A record (TypeBox `Type.Record(Type.String(), S)`): 3.0 has no patternProperties, but any key is `additionalProperties`.
      out.additionalProperties = toOpenApi30(v['^.*$']);
    } else if (k === 'examples' && Array.isArray(v)) {
      if (v.length > 0 && !('example' in schema)) out.example = v[0];
    } else if (k === 'const') out.enum = [v];
    else if (OAS30_SCHEMA_KEYWORDS.has(k) || k.startsWith('x-')) out[k] = v;
    else out[`x-${k}`] = v;
  }
  // A union of one member (a list of one allowed value: `record_notice`'s `deadline`) is that member.
  for (const k of ['anyOf', 'oneOf'] as const) {
    const members = out[k];
    if (!Array.isArray(members) || members.length !== 1 || !isJson(members[0]) || '$ref' in members[0]) continue;
    const only = members[0];
    if (Object.keys(only).some((key) => key in out)) continue;
    delete out[k];
    Object.assign(out, only);
  }
  return out;
}

/**
 * An error is JSON whatever the route produces (the error handler sends it): the error
 * response of a `text/plain` route (`/machines/{procedure}/diagram`) is `application/json`.
 */
function errorsAsJson(content: unknown): unknown {
  if (!isJson(content)) return content;
  const error = Object.values(content).find((m) => isJson(m) && isJson(m.schema) && m.schema.$ref === componentRef('Error').$ref);
  return error ? { 'application/json': error } : content;
}

/** Every schema object of the document (components, parameters, bodies, responses, headers) through `toOpenApi30`. */
function documentToOpenApi30(doc: Json): Json {
  const media = (content: unknown) =>
    isJson(content)
      ? Object.fromEntries(Object.entries(content).map(([type, m]) => [type, isJson(m) ? { ...m, schema: toOpenApi30(m.schema) } : m]))
      : content;
  const withSchema = (o: unknown) => (isJson(o) && 'schema' in o ? { ...o, schema: toOpenApi30(o.schema) } : o);
  const operation = (op: Json): Json => ({
    ...op,
    ...(Array.isArray(op.parameters) ? { parameters: op.parameters.map(withSchema) } : {}),
    ...(isJson(op.requestBody) ? { requestBody: { ...op.requestBody, content: media(op.requestBody.content) } } : {}),
    ...(isJson(op.responses)
      ? {
          responses: Object.fromEntries(
            Object.entries(op.responses).map(([status, r]) => [
              status,
              isJson(r)
                ? {
                    ...r,
                    ...('content' in r ? { content: errorsAsJson(media(r.content)) } : {}),
                    ...(isJson(r.headers) ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, v]) => [h, withSchema(v)])) } : {}),
                  }
                : r,
            ]),
          ),
        }
      : {}),
  });
  const components = isJson(doc.components) ? doc.components : {};
  const schemas = isJson(components.schemas) ? components.schemas : {};
  return {
    ...doc,
    components: { ...components, schemas: Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, toOpenApi30(s)])) },
    paths: Object.fromEntries(
      Object.entries(isJson(doc.paths) ? doc.paths : {}).map(([path, item]) => [
        path,
        isJson(item) ? Object.fromEntries(Object.entries(item).map(([method, op]) => [method, isJson(op) ? operation(op) : op])) : item,
      ]),
    ),
  };
}

export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  const errorTable = Object.entries(API_ERRORS)
    .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.description} |`)
    .join('\n');

  const docs = procedureDocs(Object.values(procedures));
  const names = new Map(Object.entries(NAMED_SCHEMAS).map(([name, { schema }]) => [fingerprint(schema as unknown as Json), name]));
  // Each component with the other named schemas it contains as `$ref`s (not itself).
  const schemas: Record<string, Json> = {
    ...Object.fromEntries(
      Object.entries(NAMED_SCHEMAS).map(([name, { schema, description }]) => [name, { ...(withRefs(schema, names, true) as Json), description }]),
    ),
    ...docs.components,
  };
  Object.assign(schemas, caseViewDocs(Object.values(procedures), schemas.CaseView!));
  const bodies = new Map([
    [fingerprint(CreateCaseBodySchema as unknown as Json), docs.createCaseBody],
    [fingerprint(EventBodySchema as unknown as Json), docs.eventBody],
  ]);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'QazIndustry procedures API',
        version,
        description:
          'Cases of the procedures of the Rules of JSC "QazIndustry" (publication, feedback inquiries, blog ' +
          'questions, redirection) with deadlines on the Kazakhstan business calendar.\n\n' +
          'Every error body is `{"error": {"code": "...", "message": "..."}}`:\n\n| code | status | meaning |\n|---|---|---|\n' +
          errorTable,
        // Internal software of the company, not an open-source release.
        license: { name: 'Proprietary: JSC "QazIndustry", all rights reserved', url: 'https://qazindustry.gov.kz' },
      },
      // Relative: the API is where this document is served from.
      servers: [{ url: '/', description: 'This server' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from AUTH_FILE' } },
        schemas,
      },
      tags: [
        { name: 'system', description: 'Health and documentation' },
        { name: 'calendar', description: 'The Kazakhstan business calendar' },
        { name: 'machines', description: 'The procedures as data: definitions, schemas, roles, deadline policies, diagrams' },
        { name: 'intake', description: 'The public feedback form of the site (no token)' },
        { name: 'cases', description: 'Create, list, read and advance cases (bearer token)' },
        { name: 'audit', description: 'A case\'s history, messages, replay and verification (bearer token)' },
        { name: 'site-content', description: 'The register of the site\'s mandatory content (п. 9) and its compliance (bearer token)' },
      ],
    },
    // Documentation only: what a route validates is its own schema, untouched.
    transform: ({ schema, url }) => {
      if (!schema || (schema as { hide?: boolean }).hide) return { schema, url };
      const s = schema as FastifySchema & { response?: Record<string, unknown> };
      const body = isJson(s.body) ? (bodies.get(fingerprint(s.body)) ?? withRefs(s.body, names)) : s.body;
      const response = isJson(s.response)
        ? Object.fromEntries(
            Object.entries(s.response).map(([status, r]) => {
              if (!isJson(r)) return [status, r];
              const named = withRefs(r, names) as Json;
              // A whole response that is a named schema: the `$ref`, with the route's description or the component's.
              const description = r.description ?? (named.$ref ? schemas[String(named.$ref).split('/').pop()!]?.description : undefined);
              return [status, description === undefined ? named : { ...named, description }];
            }),
          )
        : s.response;
      return { schema: { ...s, body, response } as FastifySchema, url };
    },
    // This plugin builds OpenAPI 3 (`openapi` above), never a Swagger 2 `swaggerObject`.
    transformObject: (document) => documentToOpenApi30((document as { openapiObject: Json }).openapiObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
