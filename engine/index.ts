export { createEngine, type Engine, type EngineOptions, type HistoryEvent, type MessageView, type CasePage, type CaseStats, type CaseScope, type CaseReadView } from './engine.js';
export { EngineError, ENGINE_ERROR_STATUS, isEngineError, type EngineErrorCode } from './errors.js';
export { SystemClock, SimulatedClock, type Clock } from './clock.js';
export type { CaseView, DeadlineView, Remaining, TargetView } from './case-view.js';
export type { CommandResult, CreateOptions, EventInput, EventOptions } from './runner.js';
export type { VerifyResult, VerifyProblem } from './replay.js';
export type { UnitDirectory } from './units.js';
export { partUnitsOf } from './units.js';
export { renderMail } from './mail-templates.js';
export type { Logger } from './logger.js';
export { DEFAULT_IDEMPOTENCY_RETENTION_MS, IdempotencyPurge, type CaseRead } from './reads.js';
export {
  loadNotificationPolicy,
  parseNotificationPolicy,
  type NotificationPolicy,
  type StaffDirectory,
  type StaffMember,
} from './notifications/index.js';
export { isPostgresUrl, redactDatabaseUrl } from '../storage/index.js';
