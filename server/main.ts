/**
 * The standalone entry: read the configuration, open the engine on the SQLite file,
 * build the app, listen, and shut down gracefully on SIGINT/SIGTERM (stop accepting,
 * drain in-flight requests, stop the workers, commit queued commands, close the database).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pino } from 'pino';
import { loadCalendar } from '../calendars/index.js';
import { createEngine, isPostgresUrl, loadNotificationPolicy, redactDatabaseUrl as redactUrl } from '../engine/index.js';
import { engineMachines, startInspectorServer, type InspectorServer } from '../inspector/index.js';
import { legacyProcedures, procedureMigrations, procedures } from '../machines/index.js';
import { buildApp } from './app.js';
import { ensureDevAuthFile, loadAuthFile, type UserDirectory } from './auth.js';
import { loadConfig } from './config.js';
import { parseReadings } from './readings.js';
import { deadlineLabel } from './pages/labels.js';
import { loadUnits } from './units.js';
import { resolveLedgerKey } from './ledger-key.js';

const DEV_AUTH_FILE = 'data/auth.dev.json';
/** The development ledger key, beside the development auth file. */
const DEV_LEDGER_KEY = 'data/ledger-key.dev.pem';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const calendar = loadCalendar('kz', { allowStatutoryOnly: config.calendarStatutoryOnly });
  const readings = parseReadings(config.deadlineReadings);
  if (Object.keys(readings).length > 0) logger.info({ readings }, 'deadline readings set by DEADLINE_READINGS');
  const targets = config.internalTargets;
  if (Object.keys(targets).length > 0) logger.info({ targets }, 'internal targets switched on by INTERNAL_TARGETS');

  // The units first: the users' units are checked against them.
  const units = loadUnits(config.unitsFile);
  logger.info({ unitsFile: config.unitsFile ?? '(built-in list)', units: units.names.length }, 'units loaded');
  let users: UserDirectory;
  if (config.authFile) {
    users = loadAuthFile(config.authFile, units);
    logger.info({ authFile: config.authFile, users: users.size }, 'users loaded');
  } else {
    const dev = ensureDevAuthFile(resolve(DEV_AUTH_FILE), units);
    users = dev.directory;
    if (dev.created) {
      const lines = dev.created.map((u) => `  ${u.roles[0]!.padEnd(16)} ${u.token}`);
      process.stderr.write(
        [
          '',
          '!! No AUTH_FILE: created a DEVELOPMENT auth file with one demo user per role:',
          `!!   ${dev.path}`,
          '!! Their tokens are shown ONCE below (only their sha-256 hashes are stored).',
          '!! Do not use this file in production: set AUTH_FILE to your own users file.',
          '',
          ...lines,
          '',
          '',
        ].join('\n'),
      );
    } else {
      logger.warn({ authFile: dev.path }, 'no AUTH_FILE: using the development auth file (tokens were printed when it was created)');
    }
  }

  // The key that signs the log's checkpoints: required in production (with AUTH_FILE).
  const ledgerKeySource = resolveLedgerKey({ keyFile: config.ledgerKeyFile, production: config.authFile !== undefined, devPath: resolve(DEV_LEDGER_KEY) });
  if (ledgerKeySource.created) {
    process.stderr.write(`!! No LEDGER_KEY_FILE: created a DEVELOPMENT ledger key: ${ledgerKeySource.path}\n!! In production keep the key off the database's host (docs/audit.md).\n\n`);
  }
  if (config.authFile !== undefined && !config.ledgerCheckpointsDir) {
    logger.warn('no LEDGER_CHECKPOINTS: signed checkpoints are kept in the database only; publish them elsewhere (docs/audit.md)');
  }

  // Staff reminders, escalations, digests: the policy (its keys are checked by the engine
  // against the procedures) and the people's addresses from the users and units files.
  const notificationPolicy = loadNotificationPolicy(config.notificationPolicyFile);
  const staffDirectory = { members: users.staff, unitMailboxes: units.mailboxes };
  logger.info(
    { notificationPolicyFile: config.notificationPolicyFile, deadlines: notificationPolicy.deadlines.size, staffWithEmail: users.staff.filter((u) => u.email).length },
    'notification policy loaded',
  );
  const postgres = isPostgresUrl(config.database);
  if (config.database !== ':memory:' && !postgres) mkdirSync(dirname(resolve(config.database)), { recursive: true });
  const engine = await createEngine({
    databasePath: config.database,
    poolSize: config.databasePoolSize,
    synchronous: config.synchronous,
    calendar,
    readings,
    targets,
    procedures,
    legacyModules: legacyProcedures,
    migrations: procedureMigrations,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    maxBackdating: config.maxBackdating,
    idempotencyRetentionMs: config.idempotencyRetentionMs,
    calendarPollMs: config.calendarPollMs,
    logger,
    units: units.directory(users.people()),
    siteReviewPeriod: config.siteReviewPeriod,
    notificationPolicy,
    staffDirectory,
    // Staff mails link the pages under STAFF_BASE_URL and name deadlines as the pages do.
    staffMailStyle: { base: config.staffBaseUrl ?? '', deadlineName: deadlineLabel },
    ledger: {
      keyPem: ledgerKeySource.pem,
      origin: config.ledgerOrigin,
      ...(config.ledgerCheckpointsDir ? { checkpointsDir: config.ledgerCheckpointsDir } : {}),
      checkpointEveryMs: config.ledgerCheckpointEveryMs,
      checkpointEveryEntries: config.ledgerCheckpointEveryEntries,
    },
  });
  if (config.trustProxy.length > 0) logger.info({ trustProxy: config.trustProxy }, 'X-Forwarded-For is believed from these proxies (TRUST_PROXY)');
  if (!config.smtpUrl) logger.warn('no SMTP_URL: e-mails stay queued and visible at /cases/{id}/messages');

  const app = await buildApp({
    calendars: { kz: calendar },
    engine,
    users,
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    intakeRateLimit: config.intakeRateLimit,
    trustProxy: config.trustProxy,
    limits: config.limits,
    writeRateLimit: config.writeRateLimit,
    authFailureLimit: config.authFailureLimit,
    publicFormFrameAncestors: config.publicFormFrameAncestors,
  });

  // INSPECT=1: the live inspector on 127.0.0.1:INSPECT_PORT (docs/inspector.md). Off, nothing
  // listens and the engine has no observer (the commit path pays one null check).
  let inspector: InspectorServer | undefined;
  if (config.inspect) {
    inspector = await startInspectorServer({
      port: config.inspectPort,
      machineOf: engineMachines(engine),
      onError: (err) => logger.error({ err }, 'inspector: could not publish a commit'),
    });
    engine.observe(inspector.observe);
    logger.warn(
      { inspector: inspector.url },
      `INSPECT is on: case data is published to local clients of ${inspector.url} (viewer: http://127.0.0.1:${inspector.port}/)`,
    );
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took over 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await app.close();
      engine.observe(undefined);
      await inspector?.close();
      await engine.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await engine.start();
  await app.listen({ port: config.port, host: config.host });
  logger.info(
    { database: postgres ? redactUrl(config.database) : resolve(config.database), calendar: calendar.version, synchronous: config.synchronous },
    `listening on http://${config.host}:${config.port} — staff pages at /, API docs at /docs`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
