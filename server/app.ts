/**
 * The application as a plugin factory: `buildApp(options)` returns a ready-to-listen
 * Fastify instance that is not listening. `server/main.ts` listens; tests `inject`.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { BusinessCalendar } from '../calendars/types.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerDocs } from './plugins/swagger.js';
import { calendarRoutes } from './routes/calendars.js';
import { healthRoutes } from './routes/health.js';

export const API_VERSION = '0.1.0';

export interface AppOptions {
  calendars: Record<string, BusinessCalendar>;
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // Request ids: honour a caller's X-Request-Id, otherwise a UUID; echoed in responses.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // No per-request log lines at the default level; onResponse logs them at debug.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: {
      customOptions: {
        // Unknown fields are an error the caller should see, not something to drop silently.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  registerErrorHandling(app);
  await registerDocs(app, API_VERSION);

  const calendarVersions = Object.fromEntries(Object.entries(options.calendars).map(([id, c]) => [id, c.version]));
  await app.register(healthRoutes, { version: API_VERSION, calendarVersions });
  await app.register(calendarRoutes, { calendars: options.calendars });
  return app;
}
