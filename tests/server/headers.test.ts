/**
 * Issue 13 §3, headers and the edges of the protocol: security headers (and Swagger UI
 * under the CSP), the caller's X-Request-Id, the parser's own 400/431 answers over a raw
 * socket, /health's version, and TRUST_PROXY for the intake's rate limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import helmet from 'helmet';
import { buildApp } from '../../server/app.js';
import { HELMET_OPTIONS, staticHeaders } from '../../server/plugins/security-headers.js';
import { sha256Hex, UserDirectory } from '../../server/auth.js';
import { buildTestApp, kz, token, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('security headers', () => {
  it('should send nosniff, DENY and a CSP that forbids framing and inline scripts', async () => {
    for (const url of ['/health', '/docs/json', '/cases', '/no-such-route']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toMatch(/script-src 'self'(;|$)/);
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).not.toContain('upgrade-insecure-requests');
    }
  });

  it("should send exactly the headers helmet's own middleware sets on a real response, on every answer", async () => {
    // helmet run as a middleware of a plain node:http server, with the product's options,
    // on a real ServerResponse: what the API's answers must carry, computed independently
    // of staticHeaders' recording response.
    const expected = await new Promise<Record<string, string>>((resolve, reject) => {
      const server = createServer((req, res) => {
        helmet(HELMET_OPTIONS)(req, res, () => {
          const got = Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)]));
          res.end();
          server.close();
          resolve(got);
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        fetch(`http://127.0.0.1:${port}/`).catch(reject);
      });
    });
    expect(Object.keys(expected).length).toBeGreaterThan(10);
    const answers = [
      await t.app.inject({ method: 'GET', url: '/health' }),
      await t.app.inject({ method: 'GET', url: '/cases' }), // 401
      await t.app.inject({ method: 'POST', url: '/cases', headers: { 'content-type': 'application/json', authorization: `Bearer ${token('car')}` }, payload: '{"procedure":' }), // 400
      await t.app.inject({ method: 'GET', url: '/no-such-route' }), // 404
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 400, 404]);
    for (const res of answers) for (const [name, value] of Object.entries(expected)) expect(res.headers[name], `${res.statusCode} ${name}`).toBe(value);
  });

  it('should refuse a helmet configuration whose headers depend on the request', () => {
    expect(() => staticHeaders({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", (req) => `'nonce-${String((req as { id?: string }).id)}'`] } } })).toThrow(
      /not the same for every request/,
    );
  });

  it('should serve Swagger UI whose every script and style is a file from this server', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const html = page.body;
    // No inline script: each <script> has a src and an empty body.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\.\/static\//);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style/);
    const assets = [...html.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await t.app.inject({ method: 'GET', url: `/docs/${asset}` });
      expect(res.statusCode, asset).toBe(200);
    }
    // The initializer fetches the document from the same origin (connect-src falls back to
    // 'self') and draws its logo from a data: URI (img-src allows data:).
    const init = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.body).toContain("url: resolveUrl('./json')");
    expect(init.body).toContain("img.src = 'data:image/svg+xml");
    expect(page.headers['content-security-policy']).toMatch(/img-src 'self' data:/);
  });
});

describe('X-Request-Id', () => {
  it('should echo a short safe id and log under it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123.X_y' } });
    expect(res.headers['x-request-id']).toBe('abc-123.X_y');
  });

  it('should replace a 10 KB or unsafe id with its own, in the answer and in the log', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await buildApp({ calendars: { kz }, logger: { level: 'debug', stream } });
    try {
      const huge = 'a'.repeat(10 * 1024);
      for (const given of [huge, 'a'.repeat(65), 'id with spaces', 'id"quote', 'кириллица']) {
        const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': given } });
        const id = String(res.headers['x-request-id']);
        expect(id).not.toBe(given);
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).not.toContain(huge);
        const reqId = (JSON.parse(line) as { reqId?: string }).reqId;
        if (reqId !== undefined) expect(reqId.length).toBeLessThanOrEqual(64);
      }
      const atMost = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'b'.repeat(64) } });
      expect(atMost.headers['x-request-id']).toBe('b'.repeat(64));
    } finally {
      await app.close();
    }
  });
});

/** Sends raw bytes to the listening app and returns everything it answers before closing. */
function raw(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parse(answer: string): { status: number; headers: string; body: { error: { code: string; message: string } } } {
  const at = answer.indexOf('\r\n\r\n');
  const head = answer.slice(0, at);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: JSON.parse(answer.slice(at + 4)) };
}

describe('what the HTTP parser refuses, over a raw socket', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = await buildApp({ calendars: { kz } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['a bad request line', 'NOT HTTP AT ALL\r\n\r\n', 400],
    ['an unencoded Cyrillic query string', Buffer.from('GET /calendars/kz?q=привет HTTP/1.1\r\nHost: a\r\n\r\n', 'utf8'), 400],
    ['headers over the size limit', `GET /health HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
  ])('should answer %s in the API error shape', async (_what, bytes, status) => {
    const answer = parse(await raw(port, bytes));
    expect(answer.status).toBe(status);
    expect(answer.headers).toContain('content-type: application/json');
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.message.length).toBeGreaterThan(10);
    expect(Object.keys(answer.body)).toEqual(['error']);
  });

  it('should still serve a well-formed request', async () => {
    const answer = await raw(port, 'GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('GET /health', () => {
  it('should show the version only to an authenticated caller', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/health' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).not.toHaveProperty('version');
    expect(anonymous.json()).toMatchObject({ status: 'ok', database: 'ok' });
    const unknown = await t.app.inject({ method: 'GET', url: '/health', headers: { authorization: 'Bearer nobody' } });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).not.toHaveProperty('version');
    const known = await t.as('auditor').get('/health');
    expect(known.json().version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('TRUST_PROXY and the intake rate limit', () => {
  const submission = JSON.stringify({ name: 'A', email: 'a@example.kz', language: 'ru', kind: 'question', text: 'Q' });

  async function appWith(trustProxy: string[] | undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'qi-proxy-'));
    const engine = await createEngine({
      databasePath: join(dir, 'test.sqlite'),
      synchronous: 'NORMAL',
      calendar: kz,
      procedures,
      clock: new SimulatedClock('2025-03-06T05:00:00.000Z'),
    });
    const users = new UserDirectory({ users: [{ name: 'a', roles: ['auditor'], tokenSha256: sha256Hex(token('auditor')) }] });
    const app = await buildApp({ calendars: { kz }, engine, users, intakeRateLimit: 2, ...(trustProxy ? { trustProxy } : {}) });
    let n = 0;
    // Each submission differs (another text), so the double-submission guard does not answer it.
    const post = (forwardedFor: string) =>
      app.inject({
        method: 'POST',
        url: '/intake/feedback',
        remoteAddress: '10.0.0.5',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        payload: submission.replace('"Q"', `"Q${++n}"`),
      });
    return {
      post,
      async close() {
        await app.close();
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  it('should ignore X-Forwarded-For without TRUST_PROXY (one bucket for the proxy)', async () => {
    const a = await appWith(undefined);
    try {
      expect((await a.post('203.0.113.1')).statusCode).toBe(201);
      expect((await a.post('203.0.113.2')).statusCode).toBe(201);
      const third = await a.post('203.0.113.3');
      expect(third.statusCode).toBe(429);
      expect(third.json().error.code).toBe('rate_limited');
    } finally {
      await a.close();
    }
  });

  it('should key the limit on the real client behind a trusted proxy', async () => {
    const a = await appWith(['10.0.0.0/8']);
    try {
      for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        expect((await a.post(client)).statusCode, client).toBe(201);
        expect((await a.post(client)).statusCode, client).toBe(201);
      }
      // The same client over its limit, whatever it puts in front of the chain.
      expect((await a.post('203.0.113.1')).statusCode).toBe(429);
      expect((await a.post('198.51.100.7, 203.0.113.1')).statusCode).toBe(429);
    } finally {
      await a.close();
    }
  });
});

describe('TRUST_PROXY configuration', () => {
  it('should read addresses, CIDRs and proxy-addr names, and refuse anything else naming the variable', async () => {
    const { loadConfig } = await import('../../server/config.js');
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.0.0.0/8,::1,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['true', '2', '10.0.0.0/33', '10.0.0.300', 'proxy.example.kz', '10.0.0.0/8/1', '*']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });
});
