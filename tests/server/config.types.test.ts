/**
 * Type tests (not run by vitest; checked by `npx tsc --noEmit -p tsconfig.json`): `Config`
 * is derived from EnvSchema, so a setting has the schema's type, not a retyped one.
 */
import type { Config } from '../../server/config.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const is = <T extends true>(value: T): T => value;

export const synchronous = is<Equal<Config['synchronous'], 'FULL' | 'NORMAL'>>(true);
export const authFile = is<Equal<Config['authFile'], string | undefined>>(true);
export const port = is<Equal<Config['port'], number>>(true);
export const inspect = is<Equal<Config['inspect'], boolean>>(true);
export const internalTargets = is<Equal<Config['internalTargets'], Partial<Record<string, number>>>>(true);
export const siteReviewPeriod = is<Equal<Config['siteReviewPeriod'], 'quarterly' | 'monthly' | 'off'>>(true);
export const staffBaseUrl = is<Equal<Config['staffBaseUrl'], string | undefined>>(true);
export const keys = is<
  Equal<
    keyof Config,
    | 'port' | 'host' | 'database' | 'databasePoolSize' | 'synchronous' | 'authFile' | 'unitsFile' | 'smtpUrl' | 'mailFrom' | 'logLevel'
    | 'calendarStatutoryOnly' | 'deadlineReadings' | 'internalTargets' | 'siteReviewPeriod' | 'intakeRateLimit' | 'bodyLimit' | 'maxBackdating' | 'idempotencyRetentionMs' | 'inspect' | 'inspectPort'
    | 'trustProxy' | 'publicFormFrameAncestors'
    | 'limits' | 'writeRateLimit' | 'authFailureLimit' | 'notificationPolicyFile'
    | 'calendarPollMs' | 'staffBaseUrl'
    | 'ledgerKeyFile' | 'ledgerOrigin' | 'ledgerCheckpointsDir' | 'ledgerCheckpointEveryMs' | 'ledgerCheckpointEveryEntries'
  >
>(true);
// @ts-expect-error — SQLITE_SYNCHRONOUS allows FULL or NORMAL only
export const badSynchronous: Config['synchronous'] = 'OFF';
