/**
 * The standalone entry: read the configuration, build the app, listen, and shut down
 * gracefully on SIGINT/SIGTERM (stop accepting, drain, close resources).
 */
import { loadCalendar } from '../calendars/index.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const calendar = loadCalendar('kz', { allowStatutoryOnly: config.calendarStatutoryOnly });
  const app = await buildApp({
    calendars: { kz: calendar },
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimit,
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info({ calendar: calendar.version }, `API docs at http://${config.host}:${config.port}/docs`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
