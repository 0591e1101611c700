/**
 * One client must not stall the server (issue 13 §2): timeouts and the per-address
 * connection cap on a real listening socket, the write and failed-authentication rate
 * limits, the paged history, and /health answering while /verify folds a long history.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function listening(options: Parameters<typeof buildTestApp>[0]): Promise<{ t: TestApp; port: number }> {
  t = await buildTestApp({ now: '2025-06-02T05:00:00.000Z', ...options });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return { t, port: address.port };
}

/** A raw TCP connection (from `localAddress`), resolved once connected; `closed` settles when the server closes it. */
function open(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const closed = new Promise<string>((res) => socket.on('close', () => res(received)));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', (error) => reject(error));
  });
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), ms))]);

const partialPost = (port: number) =>
  'POST /cases HTTP/1.1\r\n' +
  `Host: 127.0.0.1:${port}\r\n` +
  `Authorization: Bearer ${token('press_secretary')}\r\n` +
  'Content-Type: application/json\r\n' +
  'Content-Length: 1000\r\n\r\n' +
  '{"procedure":';

describe('timeouts', () => {
  it('should close a socket that sent headers and part of a body, then nothing', async () => {
    const { port } = await listening({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionTimeoutMs: 5_000 } });
    const sockets = await Promise.all(Array.from({ length: 20 }, () => open(port)));
    for (const { socket } of sockets) socket.write(partialPost(port));
    // Before the timeouts (requestTimeout and connectionTimeout 0) all 20 stayed open.
    const closedInTime = await Promise.all(sockets.map(({ closed }) => within(closed, 3_000)));
    expect(closedInTime.filter(Boolean)).toHaveLength(20);
    const answer = await sockets[0]!.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('should close a socket that sends its headers too slowly', async () => {
    const { port } = await listening({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, connectionTimeoutMs: 5_000 } });
    const { socket, closed } = await open(port);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => socket.write('X-Drip: 1\r\n'), 100);
    try {
      expect(await within(closed, 3_000)).toBe(true);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('the per-address connection cap', () => {
  it('should refuse connections beyond the cap from one address while other addresses are served', async () => {
    const { port, t } = await listening({ limits: { maxConnectionsPerAddress: 5 } });
    const logged: unknown[] = [];
    const warn = t.app.log.warn.bind(t.app.log);
    // The app's logger is off in tests; watch what the guard reports.
    t.app.log.warn = ((obj: unknown) => void logged.push(obj)) as typeof t.app.log.warn;
    try {
      const held = await Promise.all(Array.from({ length: 5 }, () => open(port, '127.0.0.2')));
      // Let the server see all five before the sixth.
      await new Promise((r) => setTimeout(r, 100));
      const extra = await Promise.all(Array.from({ length: 5 }, () => open(port, '127.0.0.2')));
      const refused = await Promise.all(extra.map(({ closed }) => within(closed, 2_000)));
      expect(refused.filter(Boolean)).toHaveLength(5);
      // The first five are still open, and serve a request.
      expect(await within(held[0]!.closed, 200)).toBe(false);
      held[0]!.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(await held[0]!.closed).toMatch(/^HTTP\/1\.1 200/);
      // Another address is not affected.
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      // Shedding is logged with the address and the count, nothing from the requests.
      expect(logged).toContainEqual(expect.objectContaining({ refusedConnections: { '127.0.0.2': 1 } }));
      for (const { socket } of held) socket.destroy();
    } finally {
      t.app.log.warn = warn;
    }
  });
});

const blogQuestion = {
  procedure: 'blog-question',
  input: { channel: 'blog', author: { name: 'Дана' }, language: 'ru', text: 'Когда будет ответ?' },
};

describe('rate limits', () => {
  it('should answer 429 rate_limited with Retry-After to a user over the write limit, and not to another user', async () => {
    t = await buildTestApp({ writeRateLimit: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.as('press_secretary').post('/cases', blogQuestion)).statusCode);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const refused = await t.as('press_secretary').post('/cases', blogQuestion);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Nothing was written by the refused ones; reads are not limited.
    const list = await t.as('press_secretary').get('/cases?procedure=blog-question');
    expect(list.statusCode).toBe(200);
    expect(list.json().cases).toHaveLength(3);
    // The limit is per user.
    const other = await t.app.inject({
      method: 'POST',
      url: '/cases',
      headers: { authorization: 'Bearer token-two-hats', 'content-type': 'application/json', 'x-acting-role': 'press_secretary' },
      payload: JSON.stringify(blogQuestion),
    });
    expect(other.statusCode).toBe(201);
  });

  it('should answer 429 to an address after too many failed authentications, valid token included', async () => {
    t = await buildTestApp({ authFailureLimit: 4 });
    const bad = () => t!.app.inject({ method: 'GET', url: '/cases', headers: { authorization: 'Bearer guess' }, remoteAddress: '10.0.0.9' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await bad()).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const good = await t.app.inject({
      method: 'GET',
      url: '/cases',
      headers: { authorization: `Bearer ${token('auditor')}` },
      remoteAddress: '10.0.0.9',
    });
    expect(good.statusCode).toBe(429);
    expect(good.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(good.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await t.as('auditor').get('/cases')).statusCode).toBe(200);
  });
});

describe('GET /cases pages', () => {
  it('should answer 50 cases by default, at most 200, and walk every case once by `next`', async () => {
    t = await buildTestApp({ writeRateLimit: 0 });
    for (let i = 0; i < 60; i++) expect((await t.as('press_secretary').post('/cases', blogQuestion)).statusCode).toBe(201);
    const first = (await t.as('auditor').get('/cases')).json() as { cases: { id: string }[]; next?: string };
    expect(first.cases).toHaveLength(50);
    expect(first.next).toEqual(expect.any(String));
    expect((await t.as('auditor').get('/cases?limit=201')).json()).toMatchObject({ error: { code: 'invalid_request' } });
    const second = (await t.as('auditor').get(`/cases?after=${first.next}`)).json() as { cases: { id: string }[]; next?: string };
    expect(second.cases).toHaveLength(10);
    expect(second.next).toBeUndefined();
    expect(new Set([...first.cases, ...second.cases].map((c) => c.id)).size).toBe(60);
  });
});

describe('a case with a long history (20,000 comments)', () => {
  const COMMENTS = 20_000;
  let long: TestApp;
  let id: string;
  beforeAll(async () => {
    long = await buildTestApp({ writeRateLimit: 0 });
    const created = await long.as('press_secretary').post('/cases', blogQuestion);
    id = created.json().id;
    // Through the engine, 500 commands per group commit: a real history, hash chain and all.
    for (let i = 0; i < COMMENTS; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) =>
          long.engine.applyEvent(id, { type: 'comment', payload: { text: `comment ${i + j}` } }, { actor: { name: 'p', role: 'press_secretary' } }),
        ),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await long.close();
  });

  it('should page /history: 500 by default, `next` to go on, at most 5000 a page', async () => {
    const first = await long.as('auditor').get(`/cases/${id}/history`);
    expect(first.statusCode).toBe(200);
    expect(first.json().events).toHaveLength(500);
    expect(first.json().next).toBe(500);
    expect((await long.as('auditor').get(`/cases/${id}/history?limit=5001`)).json()).toMatchObject({ error: { code: 'invalid_request' } });
    const seqs: number[] = [];
    let after: number | undefined = 0;
    while (after !== undefined) {
      const page = (await long.as('auditor').get(`/cases/${id}/history?after=${after}&limit=5000`)).json() as { events: { seq: number }[]; next?: number };
      expect(page.events.length).toBeLessThanOrEqual(5000);
      seqs.push(...page.events.map((e) => e.seq));
      after = page.next;
    }
    expect(seqs).toEqual(Array.from({ length: COMMENTS + 1 }, (_, i) => i + 1));
  });

  it('should answer /health while /verify and /replay fold the history', async () => {
    for (const route of ['verify', 'replay']) {
      const latencies: number[] = [];
      let done = false;
      const probe = (async () => {
        while (!done) {
          const started = performance.now();
          const res = await long.app.inject({ method: 'GET', url: '/health' });
          expect(res.statusCode).toBe(200);
          latencies.push(performance.now() - started);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const started = performance.now();
      const res = await long.as('auditor').get(`/cases/${id}/${route}`);
      const took = performance.now() - started;
      done = true;
      await probe;
      expect(res.statusCode).toBe(200);
      if (route === 'verify') expect(res.json()).toMatchObject({ ok: true, events: COMMENTS + 1 });
      // Before: the fold held the event loop for the whole call (~700 ms for verify here),
      // and a /health sent meanwhile waited for all of it.
      console.info(`${route}: ${took.toFixed(0)} ms; /health answered ${latencies.length}×, slowest ${Math.max(...latencies).toFixed(0)} ms`);
      expect(latencies.length).toBeGreaterThanOrEqual(5);
      // Generous for a loaded CI machine: before, the one /health sent meanwhile took the whole call.
      expect(Math.max(...latencies)).toBeLessThan(300);
    }
  });

  it('should answer /health while a correction re-folds the history, and store what a replay reproduces', async () => {
    const latencies: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const started = performance.now();
        const res = await long.app.inject({ method: 'GET', url: '/health' });
        expect(res.statusCode).toBe(200);
        latencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const started = performance.now();
    const res = await long
      .as('press_secretary')
      .post(`/cases/${id}/events`, { type: 'correct', seq: 1, field: 'author.name', value: 'Ерлан Б.', reason: 'the full name' });
    const took = performance.now() - started;
    done = true;
    await probe;
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json() as { seq: number; context: { author: { name: string }; corrections: { seq: number; by: { name: string }; at: string }[] } };
    expect(view.seq).toBe(COMMENTS + 2);
    expect(view.context.author.name).toBe('Ерлан Б.');
    expect(view.context.corrections).toEqual([expect.objectContaining({ seq: COMMENTS + 2, by: { name: 'press_secretary-user', role: 'press_secretary' } })]);
    // Before: the fold (twice the history: up to the correction, then again with the
    // corrected input) ran inside the unit of work, holding the event loop and the batch's
    // database connection, which /health's check waits for, for the whole call.
    console.info(`correct: ${took.toFixed(0)} ms; /health answered ${latencies.length}×, slowest ${Math.max(...latencies).toFixed(0)} ms`);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(300);
    // The fold made before the unit is what a replay of the stored history gives.
    const verified = (await long.as('auditor').get(`/cases/${id}/verify`)).json();
    expect(verified).toMatchObject({ ok: true, events: COMMENTS + 2 });
  });
});
