/**
 * Configuration by environment. One TypeBox schema gives the defaults, the validation
 * and the type; a bad value fails start-up naming the variable.
 */
import { parseTargets } from './targets.js';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { isIP } from 'node:net';
import { parseMaxBackdating } from '../engine/backdating.js';

const Bool = Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')]);

export const EnvSchema = Type.Object({
  PORT: Type.String({ pattern: '^\\d{1,5}$', default: '3000', description: 'TCP port' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Listen address' }),
  DATABASE: Type.String({ minLength: 1, default: 'data/qazindustry.sqlite', description: 'SQLite file path' }),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL (postgres://user:password@host:5432/db); set, it is used instead of DATABASE' }),
  ),
  DATABASE_POOL_SIZE: Type.String({ pattern: '^[1-9]\\d{0,2}$', default: '10', description: 'PostgreSQL connections per process' }),
  SQLITE_SYNCHRONOUS: Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL')], { default: 'FULL' }),
  AUTH_FILE: Type.Optional(Type.String({ minLength: 1, description: 'JSON users file with sha-256 token hashes' })),
  UNITS_FILE: Type.Optional(Type.String({ minLength: 1, description: 'JSON list of the organisational units; unset = the built-in development list' })),
  NOTIFICATION_POLICY_FILE: Type.String({
    minLength: 1,
    default: 'policies/notifications.json',
    description: 'JSON policy of staff reminders, escalations and the daily digest (docs/notifications.md)',
  }),
  SMTP_URL: Type.Optional(Type.String({ minLength: 1, description: 'smtp(s)://user:pass@host:port; unset = mail stays queued' })),
  MAIL_FROM: Type.String({ default: 'QazIndustry <no-reply@qazindustry.gov.kz>' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  CALENDAR_STATUTORY_ONLY: Type.Optional(Bool),
  DEADLINE_READINGS: Type.Optional(Type.String({ description: 'key=calendar|working,… for the Rules\' unqualified "дней"' })),
  INTERNAL_TARGETS: Type.Optional(Type.String({ description: 'key=N,… internal targets switched on (N working days; P6, P7); unset: off' })),
  SITE_REVIEW_PERIOD: Type.Union([Type.Literal('quarterly'), Type.Literal('monthly'), Type.Literal('off')], {
    default: 'quarterly',
    description: "How often the review of the site's mandatory content (п. 9) opens a case per kind",
  }),
  INTAKE_RATE_LIMIT: Type.String({ pattern: '^\\d+$', default: '10', description: 'Public intake requests per minute per address' }),
  BODY_LIMIT: Type.String({ pattern: '^\\d+$', default: '262144', description: 'Largest accepted body, bytes' }),
  // The defaults are DEFAULT_LIMITS (server/plugins/connection-guard.ts).
  HEADERS_TIMEOUT_MS: Type.String({ pattern: '^[1-9]\\d{0,6}$', default: '10000', description: 'The request head must arrive within this, ms' }),
  REQUEST_TIMEOUT_MS: Type.String({ pattern: '^[1-9]\\d{0,6}$', default: '30000', description: 'The whole request must arrive within this, ms' }),
  KEEP_ALIVE_TIMEOUT_MS: Type.String({ pattern: '^[1-9]\\d{0,6}$', default: '5000', description: 'An idle kept-alive connection is closed after this, ms' }),
  CONNECTION_TIMEOUT_MS: Type.String({ pattern: '^[1-9]\\d{0,6}$', default: '60000', description: 'A socket without any traffic is closed after this, ms' }),
  MAX_CONNECTIONS_PER_ADDRESS: Type.String({ pattern: '^\\d{1,6}$', default: '100', description: 'Open connections one address may hold; 0 = no cap' }),
  WRITE_RATE_LIMIT: Type.String({ pattern: '^\\d{1,7}$', default: '600', description: 'Writes per minute per user; 0 = no limit' }),
  AUTH_FAILURE_LIMIT: Type.String({ pattern: '^\\d{1,7}$', default: '30', description: 'Failed authentications per minute per address before 429; 0 = no limit' }),
  MAX_BACKDATING: Type.String({
    pattern: '^\\d{1,3}(wd|d)$',
    default: '10wd',
    description: 'How far back a staff event may be dated: <N>wd working days or <N>d calendar days',
  }),
  TRUST_PROXY: Type.Optional(
    Type.String({
      pattern: '^[0-9A-Za-z.:/, ]+$',
      description: 'Reverse proxies whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated; unset = forwarded headers ignored',
    }),
  ),
  PUBLIC_FORM_FRAME_ANCESTORS: Type.Optional(
    Type.String({
      pattern: '^[0-9A-Za-z.:/*, -]+$',
      description: 'Origins allowed to frame the public form (/form/*), comma- or space-separated (https://qazindustry.gov.kz); unset = none',
    }),
  ),
  IDEMPOTENCY_RETENTION: Type.String({
    pattern: '^\\d{1,5}(m|h|d)$',
    default: '24h',
    description: 'How long the stored answers of Idempotency-Key commands (full case views) are kept: <N>m, <N>h or <N>d',
  }),
  INSPECT: Type.Optional(Bool),
  STAFF_BASE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
      description: 'Where staff open the pages (https://procedures.qazindustry.kz): the links in reminders, escalations and digests; unset = paths only',
    }),
  ),
  CALENDAR_POLL_INTERVAL: Type.String({
    pattern: '^\\d{1,5}(s|m|h)$',
    default: '60s',
    description: 'How often the server looks for a calendar version installed by another process (npm run calendar -- apply): <N>s, <N>m or <N>h; 0s = only at start',
  }),
  INSPECT_PORT: Type.String({ pattern: '^\\d{1,5}$', default: '5678' }),
  LEDGER_KEY_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PKCS#8 PEM of the Ed25519 key that signs the log\'s checkpoints (openssl genpkey -algorithm ed25519); required with AUTH_FILE' }),
  ),
  LEDGER_ORIGIN: Type.String({ pattern: '^[^\\s+]{1,200}$', default: 'procedures.qazindustry.kz/ledger', description: 'The log\'s name in its checkpoints (and the key\'s name)' }),
  LEDGER_CHECKPOINTS: Type.Optional(Type.String({ minLength: 1, description: 'Directory each signed checkpoint is also written to (other storage); unset = the database only' })),
  LEDGER_CHECKPOINT_INTERVAL: Type.String({ pattern: '^\\d{1,5}(s|m|h)$', default: '60m', description: 'A checkpoint at least this often: <N>s, <N>m or <N>h; 0m = not by time' }),
  LEDGER_CHECKPOINT_ENTRIES: Type.String({ pattern: '^[1-9]\\d{0,8}$', default: '10000', description: 'And after this many new log entries' }),
});
type Env = Static<typeof EnvSchema>;

const truthy = (v: string | undefined) => v === '1' || v === 'true';

/** `<N>m`, `<N>h`, `<N>d` (the schema's pattern) in milliseconds. */
/** `<N>s`, `<N>m` or `<N>h` in ms. */
function intervalMs(v: string): number {
  return Number(v.slice(0, -1)) * { s: 1000, m: 60_000, h: 3_600_000 }[v.slice(-1) as 's' | 'm' | 'h'];
}

function durationMs(v: string): number {
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as 'm' | 'h' | 'd'];
  return Number(v.slice(0, -1)) * unit;
}

/**
 * TRUST_PROXY as Fastify's `trustProxy` list: each entry an IPv4/IPv6 address or CIDR
 * (`10.0.0.0/8`), or one of proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. Not
 * `true` or a hop count: "believe any sender" would let every client choose its address
 * and so its rate-limit bucket.
 */
export function parseTrustProxy(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const entries = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const entry of entries) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || extra !== undefined || !prefixOk) {
      throw new Error(`Bad configuration: TRUST_PROXY: '${entry}' is not an IP address or CIDR (e.g. 10.0.0.5, 10.0.0.0/8, loopback)`);
    }
  }
  return entries;
}

/**
 * PUBLIC_FORM_FRAME_ANCESTORS as CSP `frame-ancestors` sources: each an origin
 * (`https://qazindustry.gov.kz`, a port allowed, `https://*.qazindustry.gov.kz` for its
 * subdomains), nothing else: no path, no `*` alone, no `'self'` keyword tricks, so the
 * header cannot be widened to "anybody may frame the form" by a typo.
 */
export function parseFrameAncestors(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const entries = raw.split(/[\s,]+/).filter((s) => s.length > 0);
  for (const entry of entries) {
    if (!/^https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$/.test(entry)) {
      throw new Error(`Bad configuration: PUBLIC_FORM_FRAME_ANCESTORS: '${entry}' is not an origin (e.g. https://qazindustry.gov.kz, https://*.qazindustry.gov.kz)`);
    }
  }
  return entries;
}

/**
 * Each setting as read from the validated environment. `Config` is derived from this
 * table, and the table's types from `EnvSchema`: a variable's type, default and allowed
 * values are written once, in the schema.
 */
const SETTINGS = {
  port: (e) => Number(e.PORT),
  host: (e) => e.HOST,
  /** The database: DATABASE_URL (PostgreSQL) when set, else the SQLite file DATABASE. */
  database: (e) => e.DATABASE_URL ?? e.DATABASE,
  databasePoolSize: (e) => Number(e.DATABASE_POOL_SIZE),
  synchronous: (e) => e.SQLITE_SYNCHRONOUS,
  authFile: (e) => e.AUTH_FILE,
  unitsFile: (e) => e.UNITS_FILE,
  notificationPolicyFile: (e) => e.NOTIFICATION_POLICY_FILE,
  smtpUrl: (e) => e.SMTP_URL,
  mailFrom: (e) => e.MAIL_FROM,
  logLevel: (e) => e.LOG_LEVEL,
  calendarStatutoryOnly: (e) => truthy(e.CALENDAR_STATUTORY_ONLY),
  /** Raw DEADLINE_READINGS; parsed against the machines by server/readings.ts. */
  deadlineReadings: (e) => e.DEADLINE_READINGS,
  /** INTERNAL_TARGETS parsed against the machines (server/targets.ts): working days per deadline key; empty: all off. */
  internalTargets: (e) => parseTargets(e.INTERNAL_TARGETS),
  siteReviewPeriod: (e) => e.SITE_REVIEW_PERIOD,
  intakeRateLimit: (e) => Number(e.INTAKE_RATE_LIMIT),
  bodyLimit: (e) => Number(e.BODY_LIMIT),
  limits: (e) => ({
    headersTimeoutMs: Number(e.HEADERS_TIMEOUT_MS),
    requestTimeoutMs: Number(e.REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: Number(e.KEEP_ALIVE_TIMEOUT_MS),
    connectionTimeoutMs: Number(e.CONNECTION_TIMEOUT_MS),
    maxConnectionsPerAddress: Number(e.MAX_CONNECTIONS_PER_ADDRESS),
  }),
  writeRateLimit: (e) => Number(e.WRITE_RATE_LIMIT),
  authFailureLimit: (e) => Number(e.AUTH_FAILURE_LIMIT),
  maxBackdating: (e) => parseMaxBackdating(e.MAX_BACKDATING),
  trustProxy: (e) => parseTrustProxy(e.TRUST_PROXY),
  publicFormFrameAncestors: (e) => parseFrameAncestors(e.PUBLIC_FORM_FRAME_ANCESTORS),
  /** IDEMPOTENCY_RETENTION in ms. */
  idempotencyRetentionMs: (e) => durationMs(e.IDEMPOTENCY_RETENTION),
  inspect: (e) => truthy(e.INSPECT),
  /** STAFF_BASE_URL without a trailing slash. */
  staffBaseUrl: (e) => e.STAFF_BASE_URL?.replace(/\/+$/, ''),
  /** CALENDAR_POLL_INTERVAL in ms (0: only at start). */
  calendarPollMs: (e) => intervalMs(e.CALENDAR_POLL_INTERVAL),
  inspectPort: (e) => Number(e.INSPECT_PORT),
  ledgerKeyFile: (e) => e.LEDGER_KEY_FILE,
  ledgerOrigin: (e) => e.LEDGER_ORIGIN,
  ledgerCheckpointsDir: (e) => e.LEDGER_CHECKPOINTS,
  /** LEDGER_CHECKPOINT_INTERVAL in ms (0: not by time). */
  ledgerCheckpointEveryMs: (e) => intervalMs(e.LEDGER_CHECKPOINT_INTERVAL),
  ledgerCheckpointEveryEntries: (e) => Number(e.LEDGER_CHECKPOINT_ENTRIES),
} satisfies Record<string, (env: Env) => unknown>;

export type Config = { [K in keyof typeof SETTINGS]: ReturnType<(typeof SETTINGS)[K]> };

/** Reads the configuration from an environment (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const withDefaults = Value.Default(EnvSchema, picked) as Env;
  if (!Value.Check(EnvSchema, withDefaults)) {
    const first = Value.Errors(EnvSchema, withDefaults)[0];
    const name = first?.instancePath.replace(/^\//, '') || '(environment)';
    throw new Error(`Bad configuration: ${name}=${JSON.stringify(env[name])}: ${first?.message ?? 'invalid'}`);
  }
  const port = SETTINGS.port(withDefaults);
  if (port < 1 || port > 65535) throw new Error(`Bad configuration: PORT=${withDefaults.PORT}: must be 1–65535`);
  return Object.fromEntries(Object.entries(SETTINGS).map(([key, read]) => [key, read(withDefaults)])) as Config;
}
