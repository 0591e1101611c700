/**
 * GET /health: public (probes and load balancers call it without a token). The API's
 * version is shown only to a caller with a valid bearer token: to anyone else it is a hint
 * for picking exploits, and a probe needs the status alone. A missing or unknown token is
 * not an error here: the answer just has no `version`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { bearerToken, type UserDirectory } from '../auth.js';
import { CLIENT_ERROR_RESPONSE } from '../schemas/common.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{
  version: string;
  calendarVersions: Record<string, string>;
  engine?: Engine | undefined;
  /** Who may see the version; without a directory nobody does. */
  users?: UserDirectory | undefined;
}> = async (app, opts) => {
  const Health = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.Optional(Type.String({ description: 'The API version; only with a valid bearer token' })),
    calendars: Type.Record(Type.String(), Type.String()),
    database: Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('none')]),
  });
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        operationId: 'getHealth',
        summary: 'Liveness and database reachability, the calendar versions, and (with a token) the API version',
        security: [],
        response: {
          200: { ...Health, description: 'The server is up; `database` says whether the database answers' },
          503: { ...Health, description: 'The database cannot be reached' },
          ...CLIENT_ERROR_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      let database: 'ok' | 'unavailable' | 'none' = 'none';
      if (opts.engine) database = (await opts.engine.health().catch(() => ({ ok: false }))).ok ? 'ok' : 'unavailable';
      const token = bearerToken(request.headers.authorization);
      const known = token !== undefined && opts.users?.byToken(token) !== undefined;
      const body = {
        status: database === 'unavailable' ? ('degraded' as const) : ('ok' as const),
        ...(known ? { version: opts.version } : {}),
        calendars: opts.calendarVersions,
        database,
      };
      return reply.status(database === 'unavailable' ? 503 : 200).send(body);
    },
  );
};
