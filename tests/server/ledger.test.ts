/**
 * The transparency log over HTTP (server/routes/ledger.ts; issue 16 §2, §3): the public key,
 * the signed checkpoints (and their files in the checkpoint directory), RFC 9162 inclusion
 * and consistency proofs checked as an auditor checks them — with lib/merkle's verifiers and
 * the root of a checkpoint note opened with the served public key — who may ask for what,
 * and that no answer carries an applicant's data.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LEDGER_ORIGIN } from '../../engine/ledger/index.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../lib/merkle.js';
import { generatePrivateKeyPem, loadPrivateKey, loadPublicKey, openNote, parseCheckpointBody, publicKeyPem, verifierKey, type Checkpoint } from '../../lib/signed-note.js';
import { HUMAN_ROLES } from '../../server/auth.js';
import { advance, buildTestApp, type TestApp } from '../helpers/app.js';

const keyPem = generatePrivateKeyPem();
const checkpointsDir = mkdtempSync(join(tmpdir(), 'qi-ledger-cps-'));
let t: TestApp;
let inquiry: string;

// Distinctive applicant data: none of it may appear in any /ledger answer.
const SECRETS = ['Зарина Уникальнова', 'Zarina-Unikalnova-7431', 'zarina.unique7431@example.kz', 'Трубопровод 7431', 'pipeline-7431', 'answer-text-7431'];
const inquiryInput = {
  applicant: { name: 'Зарина Уникальнова Zarina-Unikalnova-7431', email: 'zarina.unique7431@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Трубопровод 7431: pipeline-7431?',
};

/** A checkpoint note opened with the served public key: its body (origin, size, root). */
async function opened(note: string): Promise<Checkpoint> {
  const pem = (await t.as('auditor').get('/ledger/public-key')).body;
  return parseCheckpointBody(openNote(note, DEFAULT_LEDGER_ORIGIN, loadPublicKey(pem)));
}

async function signNow(): Promise<{ id: number; size: number; rootHash: string; signedAt: string; note: string }> {
  const res = await t.as('auditor').post('/ledger/checkpoints', {});
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const flipped = (path: string[], i = 0): Buffer[] =>
  path.map((h, j) => {
    const b = Buffer.from(h, 'base64');
    if (j === i) b[0]! ^= 0x01;
    return b;
  });

beforeAll(async () => {
  t = await buildTestApp({ ledger: { keyPem, checkpointsDir } });
  const created = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: inquiryInput });
  expect(created.statusCode, created.body).toBe(201);
  inquiry = created.json().id;
  t.clock.set('2025-03-07T05:00:00.000Z');
  await advance(t, inquiry, [
    ['car', { type: 'register', registrationNumber: 'ЗТ-7431' }],
    ['supervisor', { type: 'assign', unit: 'Департамент экспорта' }],
    ['unit', { type: 'comment', text: 'answer-text-7431 Трубопровод 7431' }],
  ]);
  await t.as('supervisor').get(`/cases/${inquiry}`);
  await t.engine.idle();
});
afterAll(async () => {
  await t.close();
  rmSync(checkpointsDir, { recursive: true, force: true });
});

describe('GET /ledger/public-key', () => {
  it('serves the key as PEM with the C2SP verifier key in X-Verifier-Key, and it opens the latest checkpoint', async () => {
    const res = await t.as('car').get('/ledger/public-key');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-pem-file/);
    const priv = loadPrivateKey(keyPem);
    expect(res.body).toBe(publicKeyPem(priv));
    expect(res.body).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(res.headers['x-verifier-key']).toBe(verifierKey(DEFAULT_LEDGER_ORIGIN, priv));

    const latest = await t.as('car').get('/ledger/checkpoint/latest');
    expect(latest.statusCode).toBe(200);
    expect(() => openNote(latest.body, DEFAULT_LEDGER_ORIGIN, loadPublicKey(res.body))).not.toThrow();
    // Another key does not open it.
    expect(() => openNote(latest.body, DEFAULT_LEDGER_ORIGIN, loadPublicKey(publicKeyPem(loadPrivateKey(generatePrivateKeyPem()))))).toThrow(/no signature/);
  });

  it('is refused without a token (401)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ledger/public-key' });
    expect(res.statusCode).toBe(401);
  });
});

describe('a server without a ledger key', () => {
  it('has no checkpoint (404 not_found), no key and cannot sign one (503 ledger_key_missing)', async () => {
    const bare = await buildTestApp({ ledger: {} });
    try {
      const latest = await bare.as('auditor').get('/ledger/checkpoint/latest');
      expect(latest.statusCode).toBe(404);
      expect(latest.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringMatching(/POST \/ledger\/checkpoints/) } });
      const key = await bare.as('auditor').get('/ledger/public-key');
      expect(key.statusCode).toBe(503);
      expect(key.json()).toMatchObject({ error: { code: 'ledger_key_missing', message: expect.stringMatching(/LEDGER_KEY_FILE/) } });
      const sign = await bare.as('auditor').post('/ledger/checkpoints', {});
      expect(sign.statusCode).toBe(503);
      expect(sign.json().error.code).toBe('ledger_key_missing');
      expect((await bare.as('auditor').get('/ledger/checkpoints')).json()).toEqual({ checkpoints: [] });
    } finally {
      await bare.close();
    }
  });
});

describe('POST /ledger/checkpoints', () => {
  it('signs the committed tree for the auditor (201) and answers the note GET /ledger/checkpoint/latest then serves', async () => {
    const head = await t.engine.ledger.head();
    const cp = await signNow();
    expect(cp).toEqual({ id: expect.any(Number), size: head.size, rootHash: head.rootHash, signedAt: t.clock.now().toISOString(), note: expect.any(String) });
    const body = await opened(cp.note);
    expect(body).toMatchObject({ origin: DEFAULT_LEDGER_ORIGIN, size: head.size });
    expect(body.rootHash.toString('hex')).toBe(head.rootHash);
    expect(body.extensions).toContain(`time ${cp.signedAt}`);
    const latest = await t.as('press_secretary').get('/ledger/checkpoint/latest');
    expect(latest.statusCode).toBe(200);
    expect(latest.headers['content-type']).toMatch(/^text\/plain/);
    expect(latest.body).toBe(cp.note);
  });

  it('is the auditor\'s only: every other role 403 forbidden, no token 401, and nothing is signed', async () => {
    const before = (await t.as('auditor').get('/ledger/checkpoints?limit=1000')).json().checkpoints.length;
    for (const role of HUMAN_ROLES.filter((r) => r !== 'auditor')) {
      const res = await t.as(role).post('/ledger/checkpoints', {});
      expect(res.statusCode, role).toBe(403);
      expect(res.json(), role).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/auditor/) } });
    }
    const anon = await t.app.inject({ method: 'POST', url: '/ledger/checkpoints', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(anon.statusCode).toBe(401);
    expect((await t.as('auditor').get('/ledger/checkpoints?limit=1000')).json().checkpoints.length).toBe(before);
  });

  it('writes each checkpoint to the checkpoint directory as its own file, even two of the same tree at the same instant', async () => {
    const filesBefore = readdirSync(checkpointsDir);
    // The clock does not move and the tree does not grow: the same size at the same time.
    const a = await signNow();
    const b = await signNow();
    expect(b.id).toBeGreaterThan(a.id);
    expect(b.size).toBe(a.size);
    const added = readdirSync(checkpointsDir).filter((f) => !filesBefore.includes(f));
    expect(added).toHaveLength(2);
    expect(added.every((f) => f.endsWith('.checkpoint'))).toBe(true);
    expect(added.map((f) => readFileSync(join(checkpointsDir, f), 'utf8')).sort()).toEqual([a.note, b.note].sort());
    // The earlier files are untouched: every file is a checkpoint the database recorded.
    const recorded = (await t.as('auditor').get('/ledger/checkpoints?limit=1000')).json().checkpoints.map((c: { note: string }) => c.note);
    for (const f of readdirSync(checkpointsDir)) expect(recorded).toContain(readFileSync(join(checkpointsDir, f), 'utf8'));
    // No temporary file is left behind.
    expect(readdirSync(checkpointsDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('a checkpoint directory that cannot be written', () => {
  it('answers 503 storage_unavailable naming LEDGER_CHECKPOINTS, records nothing, and signs again once it can', async () => {
    const where = mkdtempSync(join(tmpdir(), 'qi-ledger-cps-'));
    const blocked = join(where, 'cps');
    const u = await buildTestApp({ ledger: { keyPem, checkpointsDir: blocked } });
    try {
      const before = (await u.as('auditor').get('/ledger/checkpoints')).json().checkpoints.length;
      // Where the directory was, a file: nothing can be written there.
      rmSync(blocked, { recursive: true, force: true });
      writeFileSync(blocked, 'not a directory');
      const res = await u.as('auditor').post('/ledger/checkpoints', {});
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'storage_unavailable', message: expect.stringMatching(/LEDGER_CHECKPOINTS/) } });
      expect(res.body).not.toContain(where);
      expect((await u.as('auditor').get('/ledger/checkpoints')).json().checkpoints).toHaveLength(before);

      rmSync(blocked);
      const again = await u.as('auditor').post('/ledger/checkpoints', {});
      expect(again.statusCode, again.body).toBe(201);
      expect(readdirSync(blocked).map((f) => readFileSync(join(blocked, f), 'utf8'))).toEqual([again.json().note]);
    } finally {
      await u.close();
      rmSync(where, { recursive: true, force: true });
    }
  });
});

describe('GET /ledger/checkpoints', () => {
  it('pages oldest first with after, limit and next', async () => {
    for (let i = 0; i < 3; i++) {
      t.clock.set(new Date(t.clock.now().getTime() + 60_000).toISOString());
      await signNow();
    }
    const all = (await t.as('car').get('/ledger/checkpoints?limit=1000')).json();
    expect(all.next).toBeUndefined();
    const ids: number[] = all.checkpoints.map((c: { id: number }) => c.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);

    const paged: number[] = [];
    let after: number | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const res = await t.as('car').get(`/ledger/checkpoints?limit=2${after !== undefined ? `&after=${after}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.checkpoints.length).toBeLessThanOrEqual(2);
      paged.push(...page.checkpoints.map((c: { id: number }) => c.id));
      if (page.next === undefined) break;
      expect(page.next).toBe(page.checkpoints.at(-1).id);
      after = page.next;
    }
    expect(paged).toEqual(ids);
    const first = (await t.as('car').get('/ledger/checkpoints?limit=1')).json();
    expect(first).toEqual({ checkpoints: [all.checkpoints[0]], next: ids[0] });
  });

  it.each(['limit=0', 'limit=1001', 'limit=ten', 'limit=-1', 'after=x', 'page=2'])('refuses %s with 400 invalid_request', async (q) => {
    const res = await t.as('auditor').get(`/ledger/checkpoints?${q}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });
});

describe('GET /ledger/proof/inclusion', () => {
  it('proves every entry against the latest checkpoint\'s root, by position; a flipped path byte fails', async () => {
    const cp = await signNow();
    const root = (await opened(cp.note)).rootHash;
    expect(cp.size).toBeGreaterThan(3);
    for (let i = 0; i < cp.size; i++) {
      const res = await t.as('auditor').get(`/ledger/proof/inclusion?entry=${i}`);
      expect(res.statusCode, res.body).toBe(200);
      const p = res.json();
      expect(p).toMatchObject({ leafIndex: i, treeSize: cp.size, checkpoint: cp });
      expect(p.leafHash).toBe(leafHash(p.entry).toString('base64'));
      const path = p.inclusionPath.map((h: string) => Buffer.from(h, 'base64'));
      expect(verifyInclusion(leafHash(p.entry), i, cp.size, path, root), `entry ${i}`).toBe(true);
      if (path.length > 0) expect(verifyInclusion(leafHash(p.entry), i, cp.size, flipped(p.inclusionPath, path.length - 1), root)).toBe(false);
      // Another entry's text at this position does not verify.
      expect(verifyInclusion(leafHash(p.entry + ' '), i, cp.size, path, root)).toBe(false);
    }
  });

  it('proves an event given by case and seq, and in an older tree given by treeSize', async () => {
    const older = await signNow();
    await advance(t, inquiry, [['unit', { type: 'comment', text: 'one more' }]]);
    const cp = await signNow();
    expect(cp.size).toBeGreaterThan(older.size);
    const root = (await opened(cp.note)).rootHash;
    const res = await t.as('auditor').get(`/ledger/proof/inclusion?case=${inquiry}&seq=2`);
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(JSON.parse(p.entry)).toMatchObject({ kind: 'event', caseId: inquiry, seq: 2, type: 'register' });
    expect(verifyInclusion(leafHash(p.entry), p.leafIndex, p.treeSize, p.inclusionPath.map((h: string) => Buffer.from(h, 'base64')), root)).toBe(true);
    expect(verifyInclusion(leafHash(p.entry), p.leafIndex, p.treeSize, flipped(p.inclusionPath), root)).toBe(false);

    // In an older tree (an earlier checkpoint's size): against that checkpoint's root; no `checkpoint` in the answer.
    const o = (await t.as('auditor').get(`/ledger/proof/inclusion?case=${inquiry}&seq=2&treeSize=${older.size}`)).json();
    expect(o.checkpoint).toBeUndefined();
    expect(o.treeSize).toBe(older.size);
    const olderRoot = (await opened(older.note)).rootHash;
    expect(verifyInclusion(leafHash(o.entry), o.leafIndex, o.treeSize, o.inclusionPath.map((h: string) => Buffer.from(h, 'base64')), olderRoot)).toBe(true);
  });

  it('answers 409 not_checkpointed for an entry after the latest checkpoint, saying what to do', async () => {
    const cp = await signNow();
    const v = await advance(t, inquiry, [['unit', { type: 'comment', text: 'after the checkpoint' }]]);
    const res = await t.as('auditor').get(`/ledger/proof/inclusion?case=${inquiry}&seq=${v.seq}`);
    expect(res.statusCode).toBe(409);
    const body = res.json();
    expect(body.error.code).toBe('not_checkpointed');
    expect(body.error.message).toMatch(/POST \/ledger\/checkpoints/);
    expect(body.error.message).toMatch(/treeSize/);
    const byPosition = await t.as('auditor').get(`/ledger/proof/inclusion?entry=${cp.size}`);
    expect(byPosition.statusCode).toBe(409);
    expect(byPosition.json().error.code).toBe('not_checkpointed');
    // Once signed, it is proven.
    const next = await signNow();
    const ok = await t.as('auditor').get(`/ledger/proof/inclusion?case=${inquiry}&seq=${v.seq}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().treeSize).toBe(next.size);
  });

  it('answers 404 for an unknown event, 400 for a tree beyond the log or a bad query, 403 to every role but the auditor', async () => {
    const unknownCase = await t.as('auditor').get('/ledger/proof/inclusion?case=00000000-0000-4000-8000-000000000000&seq=1');
    expect(unknownCase.statusCode).toBe(404);
    expect(unknownCase.json().error.code).toBe('not_found');
    const unknownSeq = await t.as('auditor').get(`/ledger/proof/inclusion?case=${inquiry}&seq=999`);
    expect(unknownSeq.statusCode).toBe(404);
    expect(unknownSeq.json().error.code).toBe('not_found');

    const size = (await t.engine.ledger.head()).size;
    const beyond = await t.as('auditor').get(`/ledger/proof/inclusion?entry=0&treeSize=${size + 1}`);
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringMatching(/treeSize/) } });
    const outside = await t.as('auditor').get(`/ledger/proof/inclusion?entry=${size}&treeSize=${size}`);
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.code).toBe('invalid_request');
    for (const q of ['', 'entry=-1', 'entry=x', `case=${inquiry}`, 'seq=1', 'case=nope&seq=1', 'entry=0&extra=1']) {
      const res = await t.as('auditor').get(`/ledger/proof/inclusion?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code, q).toBe('invalid_request');
    }

    for (const role of HUMAN_ROLES.filter((r) => r !== 'auditor')) {
      const res = await t.as(role).get('/ledger/proof/inclusion?entry=0');
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    expect((await t.app.inject({ method: 'GET', url: '/ledger/proof/inclusion?entry=0' })).statusCode).toBe(401);
  });
});

describe('GET /ledger/proof/consistency', () => {
  it('proves that a later checkpoint\'s tree extends an earlier one\'s; a flipped byte fails', async () => {
    const a = await signNow();
    await advance(t, inquiry, [['unit', { type: 'comment', text: 'between checkpoints' }]]);
    await t.engine.idle();
    t.clock.set(new Date(t.clock.now().getTime() + 60_000).toISOString());
    const b = await signNow();
    expect(b.size).toBeGreaterThan(a.size);
    const [ra, rb] = [(await opened(a.note)).rootHash, (await opened(b.note)).rootHash];
    const res = await t.as('auditor').get(`/ledger/proof/consistency?from=${a.size}&to=${b.size}`);
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    expect(p).toMatchObject({ first: a.size, second: b.size });
    const path = p.consistencyPath.map((h: string) => Buffer.from(h, 'base64'));
    expect(verifyConsistency(a.size, b.size, ra, rb, path)).toBe(true);
    for (let i = 0; i < path.length; i++) expect(verifyConsistency(a.size, b.size, ra, rb, flipped(p.consistencyPath, i)), `byte of hash ${i}`).toBe(false);
    // Against the roots swapped, or another tree's root, it fails.
    expect(verifyConsistency(a.size, b.size, rb, ra, path)).toBe(false);

    // Every earlier checkpoint is consistent with the latest.
    for (const c of (await t.as('auditor').get('/ledger/checkpoints?limit=1000')).json().checkpoints as { size: number; note: string }[]) {
      if (c.size === 0) continue;
      const q = (await t.as('auditor').get(`/ledger/proof/consistency?from=${c.size}&to=${b.size}`)).json();
      expect(verifyConsistency(c.size, b.size, (await opened(c.note)).rootHash, rb, q.consistencyPath.map((h: string) => Buffer.from(h, 'base64'))), `from ${c.size}`).toBe(true);
    }
  });

  it('answers 400 for from > to, from = 0, to beyond the log, a missing bound; 403 to a non-auditor', async () => {
    const size = (await t.engine.ledger.head()).size;
    for (const q of [`from=${size}&to=${size - 1}`, `from=0&to=${size}`, `from=1&to=${size + 1}`, `to=${size}`, 'from=1', 'from=a&to=2']) {
      const res = await t.as('auditor').get(`/ledger/proof/consistency?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code, q).toBe('invalid_request');
    }
    const res = await t.as('supervisor').get(`/ledger/proof/consistency?from=1&to=${size}`);
    expect(res.statusCode).toBe(403);
  });
});

describe('the OpenAPI document', () => {
  it('lists the ledger routes', async () => {
    await t.app.ready();
    const paths = Object.keys((t.app.swagger() as { paths: Record<string, unknown> }).paths);
    for (const p of ['/ledger/public-key', '/ledger/checkpoints', '/ledger/checkpoint/latest', '/ledger/proof/inclusion', '/ledger/proof/consistency']) expect(paths).toContain(p);
  });
});

describe('no applicant data in the log', () => {
  it('no /ledger answer carries the applicant\'s name, e-mail or texts', async () => {
    // Another case with its own distinctive data, through to an answer.
    const blog = await t.as('press_secretary').post('/cases', {
      procedure: 'blog-question',
      input: { channel: 'blog', author: { name: 'Зарина Уникальнова Zarina-Unikalnova-7431' }, language: 'ru', text: 'pipeline-7431 Трубопровод 7431' },
    });
    expect(blog.statusCode, blog.body).toBe(201);
    await t.engine.idle();
    const cp = await signNow();
    const bodies: string[] = [];
    const get = async (url: string) => {
      const res = await t.as('auditor').get(url);
      expect(res.statusCode, url).toBe(200);
      bodies.push(res.body);
    };
    await get('/ledger/public-key');
    await get('/ledger/checkpoint/latest');
    await get('/ledger/checkpoints?limit=1000');
    for (let i = 0; i < cp.size; i++) await get(`/ledger/proof/inclusion?entry=${i}`);
    await get(`/ledger/proof/consistency?from=1&to=${cp.size}`);
    const all = bodies.join('\n');
    // The answers are JSON: the texts could be there \u-escaped, so decoded entries are checked too.
    const entries = bodies.filter((b) => b.startsWith('{"leafIndex"')).map((b) => (JSON.parse(b) as { entry: string }).entry);
    expect(entries).toHaveLength(cp.size);
    expect(entries.some((e) => e.includes(inquiry))).toBe(true);
    for (const s of SECRETS) {
      expect(all, s).not.toContain(s);
      for (const e of entries) expect(e, s).not.toContain(s);
    }
    // Nor the number alone (the registration number ЗТ-7431 …), other than by chance inside
    // a hash: hex and base64 tokens are made of [0-9A-Za-z+/=] (a bare /7431/ failed on a
    // random hash about one run in ten).
    expect(all).not.toMatch(/(^|[^0-9A-Za-z+/=])7431|7431($|[^0-9A-Za-z+/=])/);
  });
});
