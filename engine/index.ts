export { createEngine, type Engine, type EngineOptions, type HistoryEvent, type MessageView, type CasePage } from './engine.js';
export { EngineError, ENGINE_ERROR_STATUS, isEngineError, type EngineErrorCode } from './errors.js';
export { SystemClock, SimulatedClock, type Clock } from './clock.js';
export type { CaseView, DeadlineView } from './case-view.js';
export type { CommandResult, CreateOptions, EventInput, EventOptions } from './runner.js';
export type { VerifyResult, VerifyProblem } from './replay.js';
export type { UnitDirectory } from './units.js';
export { renderMail } from './mail-templates.js';
export type { Logger } from './logger.js';
