/**
 * Issue 12 §9: `audit replay --inspect` with the inspector's port taken printed a stack trace
 * and exited 1; errors an operator can fix exit 2 (docs/audit.md). Now: one line naming
 * the port and INSPECT_PORT, exit 2. The CLI runs as a child process, the port held by a
 * 127.0.0.1 listener.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { auditChild } from '../helpers/audit.js';
import { freePort } from './helpers.js';


let t: TestApp;
let id: string;
let busy: Server;
let port: number;

beforeAll(async () => {
  t = await buildTestApp({ now: '2025-03-06T05:00:00.000Z' });
  id = (
    await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Q' },
    })
  ).json().id;
  await t.engine.idle();
  port = await freePort();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  await t.close();
});

it('should say in one line that the inspector port is in use and exit 2', async () => {
  const { code, stdout, stderr } = await auditChild(t.databasePath, ['replay', id, '--inspect', '--exit'], { INSPECT_PORT: String(port) });
  expect(code).toBe(2);
  // The replayed state is still printed; the error is one line, no stack trace.
  expect(stdout).toContain(`case       ${id}`);
  expect(stderr).toBe(`audit: replay --inspect: inspector port ${port} on 127.0.0.1 is in use (set INSPECT_PORT)\n`);
});
