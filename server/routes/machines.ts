/**
 * The machines as data: the registry, each definition (loadable in Stately Studio), its
 * schemas, roles and deadline policies, and a Mermaid diagram with the deadlines on states.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AnyStateMachine } from 'xstate';
import type { MachineDeps, ProcedureModule } from '../../machines/contract.js';
import { toMermaid } from '../../machines/diagram.js';
import { getProcedure, legacyProcedures, procedures } from '../../machines/index.js';
import { ApiError } from '../errors.js';
import { ProcedureIdSchema } from '../schemas/cases.js';
import { CLIENT_ERROR_RESPONSE, errorResponses } from '../schemas/common.js';

const Summary = Type.Object({
  id: Type.String(),
  version: Type.String({ description: 'The current version: new cases are created on it' }),
  versions: Type.Array(Type.String(), {
    description: 'Every version served: the current first, then the older ones still running the cases pinned to them (newest first)',
  }),
  title: Type.String(),
  createRoles: Type.Array(Type.String()),
  events: Type.Array(Type.Object({ type: Type.String(), roles: Type.Array(Type.String()) })),
  deadlines: Type.Array(Type.Record(Type.String(), Type.Unknown())),
});

/** The legacy versions of `m`'s procedure (machines/index.ts `legacyProcedures`), newest first. */
function olderVersions(m: ProcedureModule): string[] {
  const older = legacyProcedures.filter((l) => l.id === m.id && l.version !== m.version).map((l) => l.version);
  return [...new Set(older)].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
}

function summary(m: ProcedureModule) {
  return {
    id: m.id,
    version: m.version,
    versions: [m.version, ...olderVersions(m)],
    title: m.title,
    createRoles: m.createRoles,
    events: Object.entries(m.eventRoles).map(([type, roles]) => ({ type, roles })),
    deadlines: Object.values(m.deadlinePolicies) as unknown as Record<string, unknown>[],
  };
}

export const machineRoutes: FastifyPluginAsyncTypebox<{ deps: MachineDeps }> = async (app, opts) => {
  const machines = new Map<string, AnyStateMachine>();
  const machineOf = (id: string): { module: ProcedureModule; machine: AnyStateMachine } => {
    const module = getProcedure(id);
    if (!module) throw new ApiError('not_found', `No procedure '${id}'; known: ${Object.keys(procedures).join(', ')}.`);
    let machine = machines.get(id);
    if (!machine) {
      machine = module.machine(opts.deps) as AnyStateMachine;
      machines.set(id, machine);
    }
    return { module, machine };
  };
  const params = Type.Object({ procedure: ProcedureIdSchema });

  app.get(
    '/machines',
    {
      schema: {
        tags: ['machines'],
        operationId: 'listMachines',
        summary: 'The procedures: version, who may create, events with their roles, deadline policies',
        security: [],
        response: { 200: Type.Object({ machines: Type.Array(Summary) }, { description: 'Every registered procedure' }), ...CLIENT_ERROR_RESPONSE },
      },
    },
    async () => ({ machines: Object.values(procedures).map(summary) }),
  );

  app.get(
    '/machines/:procedure',
    {
      schema: {
        tags: ['machines'],
        operationId: 'getMachine',
        summary: 'The XState definition of a procedure (loadable in Stately Studio), its schemas, roles and deadlines',
        security: [],
        params,
        response: {
          200: Type.Object(
            {
              ...Summary.properties,
              definition: Type.Unknown({ description: 'The XState machine definition (JSON)' }),
              inputSchema: Type.Unknown({ description: 'The JSON Schema of the creation input (in this document: `<Procedure>Input`)' }),
              eventSchemas: Type.Record(Type.String(), Type.Unknown(), {
                description: 'The JSON Schema of each event\'s payload (in this document: `<Procedure><Event>Event`)',
              }),
            },
            { description: 'The procedure' },
          ),
          ...errorResponses('not_found'),
        },
      },
    },
    async (request) => {
      const { module, machine } = machineOf(request.params.procedure);
      return {
        ...summary(module),
        definition: JSON.parse(JSON.stringify(machine.definition)) as unknown,
        inputSchema: module.inputSchema,
        eventSchemas: module.eventSchemas,
      };
    },
  );

  app.get(
    '/machines/:procedure/diagram',
    {
      schema: {
        tags: ['machines'],
        operationId: 'getMachineDiagram',
        summary: 'A Mermaid stateDiagram-v2 of the procedure with each deadline on its state',
        security: [],
        params,
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Mermaid source' }, ...errorResponses('not_found') },
      },
    },
    async (request, reply) => {
      const { machine } = machineOf(request.params.procedure);
      return reply.type('text/plain; charset=utf-8').send(toMermaid(machine));
    },
  );
};
