import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export async function healthRoutes(app: FastifyInstance, opts: { version: string; calendarVersions: Record<string, string> }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness, with the versions in use',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            calendars: Type.Record(Type.String(), Type.String()),
          }),
        },
      },
    },
    async () => ({ status: 'ok' as const, version: opts.version, calendars: opts.calendarVersions }),
  );
}
