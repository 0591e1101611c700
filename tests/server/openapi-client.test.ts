/**
 * A client generated from the OpenAPI document with openapi-typescript is precise enough
 * to catch a caller's mistakes at compile time (issue 13 §4: before, `input: unknown`,
 * event bodies `{type: string} & {[key: string]: unknown}` — so `{type: 'extend', dayz: 10}`
 * compiled —, responses called "Default Response", 415 undeclared).
 *
 * The types are generated into a temp folder beside a small client (`CLIENT` below) and
 * checked with tsc on a temp tsconfig: the client must compile, and each
 * `@ts-expect-error` line must be an error (an unused one is itself an error, TS2578).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const CLIENT = `
import type { components, paths } from './api.js';

type Schemas = components['schemas'];
type EventBody = paths['/cases/{id}/events']['post']['requestBody']['content']['application/json'];
type CreateBody = paths['/cases']['post']['requestBody']['content']['application/json'];

// Event bodies: one branch per event of each procedure, closed like the payload.
export const extend: EventBody = { type: 'extend', days: 10, reason: 'A second unit must check the figures' };
export const comment: EventBody = { type: 'comment', text: 'Called the applicant', occurredAt: '2025-03-06T10:00:00+05:00' };
export const assign: Schemas['FeedbackInquiryAssignEvent'] = { type: 'assign', unit: 'Export department' };
// @ts-expect-error a misspelled payload field
export const misspelled: EventBody = { type: 'extend', dayz: 10 };
// @ts-expect-error an unknown field beside a complete payload
export const extra: EventBody = { type: 'extend', days: 10, reason: 'checks', dayz: 10 };
// @ts-expect-error an event no procedure has
export const unknownType: EventBody = { type: 'extnd', days: 10, reason: 'checks' };
// @ts-expect-error a value of the wrong type
export const wrongValue: EventBody = { type: 'extend', days: '10', reason: 'checks' };

// Creation bodies: the input by procedure.
const applicant = { name: 'Aigerim', email: 'applicant@example.kz' };
export const created: CreateBody = {
  procedure: 'feedback-inquiry',
  input: { applicant, language: 'ru', kind: 'question', text: 'When does the call open?' },
};
// @ts-expect-error an unknown input field
export const unknownInput: CreateBody = { procedure: 'feedback-inquiry', input: { applicant, language: 'ru', kind: 'question', text: 'Q', txt: 'Q' } };
// @ts-expect-error the input of another procedure
export const otherInput: CreateBody = { procedure: 'publication', input: { applicant, language: 'ru', kind: 'question', text: 'Q' } };
// @ts-expect-error a language the procedure does not have
export const badLanguage: CreateBody = { procedure: 'feedback-inquiry', input: { applicant, language: 'de', kind: 'question', text: 'Q' } };

// The case's context, by the case's procedure: its own fields, or the redacted part of them.
type View = Schemas['CaseView'];
export const extensionDays = (v: View): number | undefined => (v.procedure === 'feedback-inquiry' ? v.context.extensionDays : undefined);
export const applicantEmail = (v: View): string | undefined =>
  v.procedure === 'feedback-inquiry' && 'applicant' in v.context ? v.context.applicant.email : undefined;
export const posts = (c: Schemas['PublicationContext']): string | undefined => c.posts.site?.url;
export const deadlineDue = (c: Schemas['BlogQuestionContext']): string | undefined => c.deadlines.unit_answer?.dueAt;
// @ts-expect-error a misspelled context field
export const misspelledContext = (v: View) => (v.procedure === 'feedback-inquiry' ? v.context.extensionDayz : undefined);
// @ts-expect-error a field of another procedure's context
export const otherContext = (v: View) => (v.procedure === 'publication' ? v.context.extensionDays : undefined);
// @ts-expect-error a misspelled field of a deadline in the context
export const misspelledDeadline = (c: Schemas['BlogQuestionContext']) => c.deadlines.unit_answer?.dueAtt;

// Responses: named schemas, and the errors a body can get, 415 included.
type Created = paths['/cases']['post']['responses'][201]['content']['application/json'];
export const view = (v: Created): Schemas['CaseView'] => v;
export const deadlines = (v: Schemas['CaseView']): Schemas['Deadline'][] => v.deadlines;
export const history = (h: paths['/cases/{id}/history']['get']['responses'][200]['content']['application/json']): Schemas['HistoryEvent'][] => h.events;
export const messages = (m: paths['/cases/{id}/messages']['get']['responses'][200]['content']['application/json']): Schemas['Message'][] => m.messages;
type Unsupported = paths['/cases/{id}/events']['post']['responses'][415]['content']['application/json'];
export const code = (e: Unsupported): Schemas['Error']['error']['code'] => e.error.code;
export const media: Schemas['Error']['error']['code'] = 'unsupported_media_type';
// @ts-expect-error not an error code of the API
export const notACode: Schemas['Error']['error']['code'] = 'unsupported_media';
`;

let t: TestApp;
let dir: string;
let generated: string;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.ready();
  dir = mkdtempSync(join(tmpdir(), 'qi-openapi-client-'));
  generated = astToString(await openapiTS(t.app.swagger() as Parameters<typeof openapiTS>[0]));
  writeFileSync(join(dir, 'api.ts'), generated);
  writeFileSync(join(dir, 'client.ts'), CLIENT);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], skipLibCheck: false },
      files: ['api.ts', 'client.ts'],
    }),
  );
}, 30_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a client generated with openapi-typescript', () => {
  it('should compile, and refuse each misspelled or unknown field marked @ts-expect-error', async () => {
    const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir }).catch(
      (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
  }, 60_000);

  it('should name every response and type the input and event bodies', () => {
    expect(generated).not.toContain('Default Response');
    expect(generated).not.toMatch(/input: unknown/);
    expect(generated).toMatch(/FeedbackInquiryExtendEvent: \{/);
    expect(generated).not.toMatch(/context: \{\s*\[key: string\]: unknown;?\s*\}/);
  });
});
