import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { CLIENT_ERROR_RESPONSE } from '../schemas/common.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{
  version: string;
  calendarVersions: Record<string, string>;
  engine?: Engine | undefined;
}> = async (app, opts) => {
  const Health = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    calendars: Type.Record(Type.String(), Type.String()),
    database: Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('none')]),
  });
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        operationId: 'getHealth',
        summary: 'Liveness and database reachability, with the versions in use',
        security: [],
        response: {
          200: { ...Health, description: 'The server is up; `database` says whether the database answers' },
          503: { ...Health, description: 'The database cannot be reached' },
          ...CLIENT_ERROR_RESPONSE,
        },
      },
    },
    async (_request, reply) => {
      let database: 'ok' | 'unavailable' | 'none' = 'none';
      if (opts.engine) database = (await opts.engine.health().catch(() => ({ ok: false }))).ok ? 'ok' : 'unavailable';
      const body = { status: database === 'unavailable' ? ('degraded' as const) : ('ok' as const), version: opts.version, calendars: opts.calendarVersions, database };
      return reply.status(database === 'unavailable' ? 503 : 200).send(body);
    },
  );
};
