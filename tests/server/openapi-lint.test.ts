/**
 * The OpenAPI document passes `redocly lint` with the recommended rules: no error and no
 * warning (issue 13 §4: before, 11 errors and 19 warnings — `security-defined` ×8,
 * `struct` ×2, `no-empty-servers`, `operation-operationId` ×16, `operation-4xx-response`
 * ×2, `info-license`). Also `npm run lint:openapi`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const redocly = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document, read by path
type Json = any;

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

let t: TestApp;
let doc: Json;
let dir: string;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.ready();
  doc = t.app.swagger();
  dir = mkdtempSync(join(tmpdir(), 'qi-openapi-lint-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })),
  );

describe('the OpenAPI document', () => {
  it('should pass redocly lint (recommended rules) with 0 errors and 0 warnings', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    // In an empty folder (no redocly.yaml found), the built-in recommended rules, offline.
    const result = await run(process.execPath, [redocly, 'lint', file, '--format=json', '--extends=recommended'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
    const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: Problem[] };
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('should give every operation a unique operationId and every response a description of its own', () => {
    const ids = operations().map(({ at, op }) => [at, op.operationId] as const);
    expect(ids.filter(([, id]) => typeof id !== 'string')).toEqual([]);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(ids.length);
    const unnamed = operations().flatMap(({ at, op }) =>
      Object.entries(op.responses as Record<string, { description?: string }>)
        .filter(([, r]) => !r.description || r.description === 'Default Response')
        .map(([status]) => `${at} ${status}`),
    );
    expect(unnamed).toEqual([]);
  });

  it('should mark the public routes as needing no token and the others as needing the bearer token', () => {
    const security = Object.fromEntries(operations().map(({ at, op }) => [at, op.security]));
    for (const at of ['GET /health', 'GET /machines', 'GET /calendars/{calendarId}/days/{date}', 'POST /intake/feedback']) {
      expect(security[at], at).toEqual([]);
    }
    expect(security['POST /cases/{id}/events']).toEqual([{ bearer: [] }]);
  });

  it('should declare 413 and 415 on the operations that take a JSON body', () => {
    for (const { at, op } of operations().filter(({ op }) => op.requestBody)) {
      expect(Object.keys(op.responses), at).toEqual(expect.arrayContaining(['413', '415']));
    }
  });

  it('should name the shared schemas and each procedure\'s input and event bodies in components.schemas', () => {
    const schemas = doc.components.schemas as Record<string, Json>;
    for (const name of ['CaseView', 'Deadline', 'HistoryEvent', 'Message', 'Error', 'Verification', 'CalendarStamp']) {
      expect(schemas, name).toHaveProperty([name]);
    }
    for (const p of ['Publication', 'FeedbackInquiry', 'BlogQuestion', 'SiteContentReview', 'Appearance']) {
      expect(schemas, p).toHaveProperty([`${p}Input`]);
      expect(schemas[`${p}Event`].discriminator.propertyName).toBe('type');
    }
    // The payload schemas are the modules' strict ones: closed, with their own bounds.
    expect(schemas.FeedbackInquiryExtendEvent).toMatchObject({
      additionalProperties: false,
      required: ['type', 'days', 'reason'],
      properties: { type: { enum: ['extend'] }, days: { type: 'integer', minimum: 1, maximum: 30 } },
    });
    expect(schemas.FeedbackInquiryInput.additionalProperties).toBe(false);
    // A field `correct` may change later is marked as an extension (3.0 has no such keyword).
    expect(schemas.FeedbackInquiryInput.properties.applicant.properties.email['x-correctable']).toBe(true);
    // The engine's own events are not something a client sends.
    expect(Object.keys(schemas).filter((n) => /DeadlineMissed|MessageDelivered|MessageFailed/.test(n))).toEqual([]);

    const event = doc.paths['/cases/{id}/events'].post.requestBody.content['application/json'].schema;
    expect(event.anyOf).toEqual(['Publication', 'FeedbackInquiry', 'BlogQuestion', 'SiteContentReview', 'Appearance', 'EmployeePost'].map((p) => ({ $ref: `#/components/schemas/${p}Event` })));
    const create = doc.paths['/cases'].post.requestBody.content['application/json'].schema;
    expect(create.discriminator).toMatchObject({
      propertyName: 'procedure',
      mapping: { 'feedback-inquiry': '#/components/schemas/CreateFeedbackInquiryCase' },
    });
    expect(doc.paths['/cases/{id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CaseView' });
    expect(doc.paths['/cases'].post.responses['415'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });
});
