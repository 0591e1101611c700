export * from './connection.js';
export type * from './database.js';
export * from './cases.repository.js';
export * from './events.repository.js';
export * from './timers.repository.js';
export * from './outbox.repository.js';
export * from './idempotency.repository.js';
export * from './transaction.js';
