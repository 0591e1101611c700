/**
 * The application as a plugin factory: `buildApp(options)` returns a ready Fastify
 * instance that is not listening. `server/main.ts` listens; tests `inject`.
 *
 * Public: /health, /docs, the calendar, the machine definitions, the feedback intake, and the
 * private calendar feeds (`/feeds/{token}/…`: the token in the path is their credential).
 * Everything about cases needs a bearer token (AUTH_FILE). With an engine, the staff's web
 * pages are served too (`/` and `/ui/…`, server/pages/), on top of the same API.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { BusinessCalendar } from '../calendars/types.js';
import type { Engine } from '../engine/index.js';
import type { MachineDeps } from '../machines/contract.js';
import type { Identity, UserDirectory } from './auth.js';
import { pagesPlugin } from './pages/plugin.js';
import { MemorySessionStore, type SessionStore } from './sessions.js';
import { authenticate } from './plugins/authenticate.js';
import { DEFAULT_LIMITS, guardConnections, timeoutOptions, type ServerLimits } from './plugins/connection-guard.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './plugins/error-handler.js';
import { WindowCounter } from './plugins/rate-limits.js';
import { registerSecurityHeaders, requestId } from './plugins/security-headers.js';
import { registerDocs } from './plugins/swagger.js';
import { calendarRoutes } from './routes/calendars.js';
import { caseRoutes } from './routes/cases.js';
import { feedRoutes, feedTokenRoutes, redactFeedUrl } from './routes/feeds.js';
import { healthRoutes } from './routes/health.js';
import { intakeRoutes } from './routes/intake.js';
import { machineRoutes } from './routes/machines.js';
import { statsRoutes } from './routes/stats.js';
import { reportRoutes } from './routes/reports.js';
import { siteContentRoutes } from './routes/site-content.js';
import { ledgerRoutes } from './routes/ledger.js';

export const API_VERSION = '0.1.0';

export interface AppOptions {
  calendars: Record<string, BusinessCalendar>;
  /** The engine; without it only the calendar, machines, health and docs are served. */
  engine?: Engine;
  /** Users by token; required with an engine. */
  users?: UserDirectory;
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** Public intake submissions per minute per address. */
  intakeRateLimit?: number;
  /** Calendar feed requests (`/feeds/…`, server/routes/feeds.ts) per minute per address; default 60. */
  feedRateLimit?: number;
  /**
   * TRUST_PROXY: the reverse proxies (addresses, CIDRs) whose X-Forwarded-For is believed,
   * so `request.ip` (and the intake's rate limit) is the real client. Empty or unset:
   * forwarded headers are ignored and `request.ip` is the socket's peer.
   */
  trustProxy?: readonly string[];
  /** Timeouts and the per-address connection cap (server/plugins/connection-guard.ts); DEFAULT_LIMITS otherwise. */
  limits?: Partial<ServerLimits>;
  /** Writes per minute per user (WRITE_RATE_LIMIT); 0: no limit. Default 600. */
  writeRateLimit?: number;
  /** Failed authentications per minute per address before 429 (AUTH_FAILURE_LIMIT); 0: no limit. Default 30. */
  authFailureLimit?: number;
  /** PUBLIC_FORM_FRAME_ANCESTORS: origins that may frame the public form (`/form/*`); default none. */
  publicFormFrameAncestors?: readonly string[];
  /** The staff pages' sessions; default: in this process's memory (server/sessions.ts). */
  sessions?: SessionStore;
  /** Who signs in on the pages; default: the users file (`users`). */
  identity?: Identity;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // Fastify's defaults leave requests and connections without a time limit: a client that
    // sends headers and part of a body would hold its socket forever.
    ...timeoutOptions(limits),
    // Request ids: a caller's X-Request-Id when short and safe, otherwise a UUID
    // (plugins/security-headers.ts); echoed in responses. Fastify must not take the header as is.
    requestIdHeader: false,
    genReqId: requestId,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    // What Node's parser refuses (bad request line, 431, raw non-ASCII URL) in our error shape.
    clientErrorHandler,
    // No per-request log lines at the default level; onResponse logs them at debug.
    logController: new LogController({ disableRequestLogging: true }),
    // Router errors (bad percent-encoding, an over-long path parameter) are answered before
    // any hook; this keeps them in our {error: {code, message}} shape.
    frameworkErrors,
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
  guardConnections(app.server, limits, app.log);
  // Callback-style hooks: on every request, an async hook costs a promise and a tick more.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const log = request.log as typeof request.log & { isLevelEnabled?: (level: string) => boolean };
    if (log.isLevelEnabled?.('debug') !== false) {
      // A feed's URL holds its private token: logged without it.
      log.debug({ method: request.method, url: redactFeedUrl(request.url), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    }
    done();
  });

  // The API speaks JSON only: any other body is 415 `unsupported_media_type`, not a
  // confusing schema error about a string body.
  app.removeContentTypeParser('text/plain');

  registerErrorHandling(app);
  registerSecurityHeaders(app, { formFrameAncestors: options.publicFormFrameAncestors });
  await registerDocs(app, API_VERSION);

  // The engine's calendar is the newest installed version (engine/calendar-versions.ts), which
  // may change while the server runs: the routes read it through a getter, never a copy.
  const engineCalendar = options.engine;
  const calendars: Record<string, BusinessCalendar> = { ...options.calendars };
  if (engineCalendar) {
    Object.defineProperty(calendars, engineCalendar.deps.calendar.id, { get: () => engineCalendar.deps.calendar, enumerable: true });
  }
  const calendarVersions: Record<string, string> = {};
  for (const id of Object.keys(calendars)) Object.defineProperty(calendarVersions, id, { get: () => calendars[id]!.version, enumerable: true });
  const deps: MachineDeps = options.engine?.deps ?? { calendar: options.calendars.kz ?? Object.values(options.calendars)[0]! };
  await app.register(healthRoutes, { version: API_VERSION, calendarVersions, engine: options.engine, users: options.users });
  await app.register(calendarRoutes, { calendars });
  await app.register(machineRoutes, { deps });

  const { engine, users } = options;
  if (engine) {
    if (!users) throw new Error('buildApp: an engine needs a user directory (users)');
    await app.register(intakeRoutes, { engine, perMinute: options.intakeRateLimit ?? 10 });
    // One window of failed authentications per address: API tokens and page sign-ins alike.
    const failures = new WindowCounter(options.authFailureLimit ?? 30);
    const sessions = options.sessions ?? new MemorySessionStore();
    await app.register(async (scope) => {
      scope.addHook('onRequest', authenticate(users, failures, sessions));
      await scope.register(caseRoutes, { engine, writes: new WindowCounter(options.writeRateLimit ?? 600) });
      await scope.register(statsRoutes, { engine });
      await scope.register(feedTokenRoutes, { engine });
      await scope.register(reportRoutes, { engine });
      await scope.register(siteContentRoutes, { engine });
      await scope.register(ledgerRoutes, { engine });
    });
    await app.register(feedRoutes, { engine, users, perMinute: options.feedRateLimit ?? 60 });
    await app.register(pagesPlugin, { identity: options.identity ?? users, zone: engine.deps.calendar.zone, sessions, failures });
  }
  return app;
}
