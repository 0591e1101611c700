/**
 * The live inspector (docs/inspector.md): a local HTTP + WebSocket server that shows the
 * cases the engine advances. It consumes `engine.observe` and is started by server/main.ts
 * (INSPECT=1) and by `npm run audit -- replay --inspect`; the engine never imports it.
 */
export { createCaseInspector, engineMachines, type CaseInspectorOptions, type InspectionSink } from './case-inspector.js';
export type { CommitObservation, CommitObserver } from './observation.js';
export { INSPECTOR_HOST, isLocalOrigin, startInspectorServer, type InspectorServer, type InspectorServerOptions } from './server.js';
