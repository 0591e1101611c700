export * from './redirection.events.js';
export * from './redirection.machine.js';
/** Behaviour version of P5; part of the versions of P3 and P4, which invoke it. */
export const VERSION = '1.0.0';
export const id = 'redirection';
