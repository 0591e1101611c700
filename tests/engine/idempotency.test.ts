/** engine/idempotency.ts: a retried command gets the first answer; a reused key with another request is refused. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseView } from '../../engine/case-view.js';
import { canonicalJson, sha256Hex } from '../../engine/hash.js';
import { checkIdempotency, rememberAnswer, type CommandResult } from '../../engine/idempotency.js';
import { openStorage, type IdempotencyRepository, type Storage } from '../../storage/index.js';
import { engineRejection } from './fixtures/helpers.js';

const T0 = '2025-03-06T05:00:00.000Z';

const view = (id: string, seq = 1): CaseView => ({
  id,
  procedure: 'feedback-inquiry',
  version: '1',
  state: 'open',
  status: 'active',
  seq,
  context: { applicant: { name: 'Aigerim', email: 'aigerim@example.kz' }, deadlines: {} },
  deadlines: [],
  allowedEvents: [{ type: 'reply', roles: ['unit'] }],
  waitingRoles: ['unit'],
  nextDueAt: '2025-03-08T05:00:00.000Z',
  overdue: false,
  backdated: false,
  undelivered: false,
  createdAt: T0,
  updatedAt: T0,
  deadlineHistory: [],
  pending: [],
  targets: [],
  zone: 'Asia/Almaty',
  nextDueAtLocal: '2025-03-08T10:00:00.000+05:00',
  createdAtLocal: '2025-03-06T10:00:00.000+05:00',
  updatedAtLocal: '2025-03-06T10:00:00.000+05:00',
});

describe('idempotency', () => {
  let storage: Storage;
  let repo: IdempotencyRepository;
  const request = { op: 'create', procedure: 'feedback-inquiry', input: { language: 'en', applicant: { name: 'Aigerim' } } };
  beforeEach(async () => {
    storage = await openStorage({ path: ':memory:' });
    repo = storage.read.idempotency;
  });
  afterEach(async () => {
    await storage.close();
  });

  it('should do nothing without a key', async () => {
    expect(await checkIdempotency(repo, undefined, request)).toEqual({});
  });

  it('should claim a new key with the hash of the canonical request', async () => {
    const r = await checkIdempotency(repo, 'key-1', request);
    expect(r).toEqual({ claim: { key: 'key-1', hash: sha256Hex(canonicalJson(request)) } });
    expect(r.claim!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await repo.find('key-1')).toBeUndefined();
  });

  it('should answer the same request after rememberAnswer with the stored view, replayed', async () => {
    const { claim } = await checkIdempotency(repo, 'key-1', request);
    const first: CommandResult = { status: 201, view: view('c1'), replayed: false };
    await rememberAnswer(repo, claim!, first, 'c1', T0);
    expect(await repo.find('key-1')).toMatchObject({ key: 'key-1', requestHash: claim!.hash, responseStatus: 201, caseId: 'c1', createdAt: T0 });

    const again = await checkIdempotency(repo, 'key-1', request);
    expect(again.claim).toBeUndefined();
    expect(again.hit).toEqual({ status: 201, view: view('c1'), replayed: true });
  });

  it('should keep the status of the first answer (200 for an event)', async () => {
    const req = { op: 'event', caseId: 'c1', type: 'reply', payload: { text: 'Answer' } };
    const { claim } = await checkIdempotency(repo, 'ev-1', req);
    await rememberAnswer(repo, claim!, { status: 200, view: view('c1', 2), replayed: false }, 'c1', T0);
    expect((await checkIdempotency(repo, 'ev-1', req)).hit).toEqual({ status: 200, view: view('c1', 2), replayed: true });
  });

  it('should treat the same request with its keys in another order as the same request', async () => {
    const { claim } = await checkIdempotency(repo, 'key-1', request);
    await rememberAnswer(repo, claim!, { status: 201, view: view('c1'), replayed: false }, 'c1', T0);
    const reordered = { input: { applicant: { name: 'Aigerim' }, language: 'en' }, procedure: 'feedback-inquiry', op: 'create' };
    expect((await checkIdempotency(repo, 'key-1', reordered)).hit?.replayed).toBe(true);
  });

  it('should refuse the same key with another request as idempotency_key_reused', async () => {
    const { claim } = await checkIdempotency(repo, 'key-1', request);
    await rememberAnswer(repo, claim!, { status: 201, view: view('c1'), replayed: false }, 'c1', T0);
    const other = { ...request, input: { ...request.input, language: 'ru' } };
    const e = await engineRejection(checkIdempotency(repo, 'key-1', other));
    expect(e.code).toBe('idempotency_key_reused');
    expect(e.status).toBe(422);
    expect(e.details).toEqual({ caseId: 'c1' });
  });

  it('should keep keys apart: another key with the same request is a new claim', async () => {
    const { claim } = await checkIdempotency(repo, 'key-1', request);
    await rememberAnswer(repo, claim!, { status: 201, view: view('c1'), replayed: false }, 'c1', T0);
    expect(await checkIdempotency(repo, 'key-2', request)).toEqual({ claim: { key: 'key-2', hash: claim!.hash } });
  });

  it('should count a key with a window only within it, then replace its answer (the public form: a sliding window)', async () => {
    const ms = 10 * 60_000;
    const at = (iso: string) => ({ ms, now: new Date(iso) });
    const { claim } = await checkIdempotency(repo, 'key-1', request, at(T0));
    await rememberAnswer(repo, claim!, { status: 201, view: view('c1'), replayed: false }, 'c1', T0);
    expect((await checkIdempotency(repo, 'key-1', request, at('2025-03-06T05:09:59.999Z'))).hit?.view.id).toBe('c1');

    // At the window's end the stored answer no longer counts: neither a hit nor a reuse.
    const stale = await checkIdempotency(repo, 'key-1', request, at('2025-03-06T05:10:00.000Z'));
    expect(stale).toEqual({ claim: { key: 'key-1', hash: claim!.hash, replace: true } });
    const other = { ...request, input: { ...request.input, language: 'ru' } };
    expect((await checkIdempotency(repo, 'key-1', other, at('2025-03-06T05:10:00.000Z'))).claim?.replace).toBe(true);

    const T1 = '2025-03-06T05:11:00.000Z';
    await rememberAnswer(repo, stale.claim!, { status: 201, view: view('c2'), replayed: false }, 'c2', T1);
    expect(await repo.find('key-1')).toMatchObject({ caseId: 'c2', createdAt: T1 });
    expect((await checkIdempotency(repo, 'key-1', request, at('2025-03-06T05:20:59.000Z'))).hit?.view.id).toBe('c2');
    // Without a window the key counts for good.
    expect((await checkIdempotency(repo, 'key-1', request)).hit?.view.id).toBe('c2');
  });

  it('should accept a key of 255 characters and refuse longer or empty keys as invalid_request', async () => {
    expect((await checkIdempotency(repo, 'k'.repeat(255), request)).claim?.key).toHaveLength(255);
    for (const key of ['k'.repeat(256), 'k'.repeat(1000), '']) {
      const e = await engineRejection(checkIdempotency(repo, key, request));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toBe('Idempotency-Key must be 1 to 255 characters');
    }
    const notString = await engineRejection(checkIdempotency(repo, 42 as unknown as string, request));
    expect(notString.code).toBe('invalid_request');
  });
});
