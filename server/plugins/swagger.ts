/**
 * OpenAPI 3 at /docs/json and Swagger UI at /docs. Built from the route schemas, so the
 * documentation cannot drift from validation.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { API_ERRORS } from '../errors.js';

export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  const errorTable = Object.entries(API_ERRORS)
    .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.description} |`)
    .join('\n');
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
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from AUTH_FILE' } },
      },
      tags: [
        { name: 'system', description: 'Health and documentation' },
        { name: 'calendar', description: 'The Kazakhstan business calendar' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
