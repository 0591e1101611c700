/**
 * Who reads what (issue 13 §1): every cell of procedure × role × route, the unit users'
 * scope (their units' cases plus those they acted on), the record of reads and
 * `Cache-Control: no-store`. The expected matrix is written out here, not derived: a
 * change to the procedures' role tables that changes who reads what must change this test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock, type Engine } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { buildApp } from '../../server/app.js';
import { HUMAN_ROLES, sha256Hex, UserDirectory, type AuthFile } from '../../server/auth.js';
import { readFileSync } from 'node:fs';
import { READ_MATRIX } from '../../server/read-access.js';
import { kz } from '../helpers/app.js';

const EXPORT = 'Департамент экспорта';
const LEGAL = 'Юридический департамент';

/** Users: one per role (the unit user of EXPORT), and a unit user of LEGAL. */
const USERS = [...HUMAN_ROLES.map((r) => r as string), 'unit-legal'] as const;
type Who = (typeof USERS)[number];
const tokenOf = (who: Who) => `token-${who}`;

/** Markers of each procedure's personal data (applicant, e-mail, text) as created. */
const MARKERS = {
  'feedback-inquiry': ['Айгерим-P3', 'p3@example.kz', 'Текст-P3'],
  'blog-question': ['Ерлан-P4', 'p4@example.kz', 'Текст-P4'],
  publication: ['Материал-P1'],
  appearance: ['Тема-P6', 'Спикер-P6'],
  'employee-post': ['Сотрудник-P7', 'Пост-P7'],
} as const;
type Proc = keyof typeof MARKERS;

/** The expected matrix: who reads each procedure's personal data (everybody else: redacted). */
const FULL: Record<Proc, readonly Who[]> = {
  publication: ['initiator', 'press_secretary', 'administrator', 'car', 'auditor'],
  'feedback-inquiry': ['car', 'supervisor', 'unit', 'chairman', 'press_secretary', 'auditor'],
  'blog-question': ['press_secretary', 'car', 'unit', 'supervisor', 'chairman', 'auditor'],
  appearance: ['press_secretary', 'unit', 'chairman', 'auditor'],
  'employee-post': ['initiator', 'press_secretary', 'supervisor', 'auditor'],
};

const ROUTES = ['list', 'view', 'history', 'messages', 'replay'] as const;
type Route = (typeof ROUTES)[number];

let dir: string;
let engine: Engine;
let app: FastifyInstance;
const ids = {} as Record<Proc, string>;

const get = (who: Who, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokenOf(who)}` } });
const post = async (who: Who, url: string, body: unknown) => {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${tokenOf(who)}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  if (res.statusCode >= 300) throw new Error(`${who} POST ${url} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
  return res.json() as { id: string } & Record<string, unknown>;
};
const urlOf = (route: Route, p: Proc) =>
  route === 'list' ? `/cases?procedure=${p}&limit=200` : `/cases/${ids[p]}${route === 'view' ? '' : `/${route}`}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qi-reads-'));
  const clock = new SimulatedClock('2025-03-06T05:00:00.000Z');
  const people = new Map<string, readonly string[]>([
    ['unit-user', [EXPORT]],
    ['unit-legal-user', [LEGAL]],
  ]);
  engine = await createEngine({
    databasePath: join(dir, 'reads.sqlite'),
    synchronous: 'NORMAL',
    calendar: kz,
    procedures,
    clock,
    units: { units: [EXPORT, LEGAL], people },
  });
  const users: AuthFile['users'] = USERS.map((who) => {
    const role = who === 'unit-legal' ? 'unit' : who;
    return {
      name: `${who}-user`,
      roles: [role as (typeof HUMAN_ROLES)[number]],
      ...(role === 'unit' ? { units: [who === 'unit' ? EXPORT : LEGAL] } : {}),
      tokenSha256: sha256Hex(tokenOf(who)),
    };
  });
  app = await buildApp({ calendars: { kz }, engine, users: new UserDirectory({ users }) });

  const p3 = await post('car', '/cases', {
    procedure: 'feedback-inquiry',
    input: { applicant: { name: 'Айгерим-P3', email: 'p3@example.kz' }, language: 'ru', kind: 'question', text: 'Текст-P3' },
  });
  ids['feedback-inquiry'] = p3.id;
  await post('car', `/cases/${p3.id}/events`, { type: 'register', registrationNumber: 'ЗТ-1' });
  await post('supervisor', `/cases/${p3.id}/events`, { type: 'assign', unit: EXPORT });

  const p4 = await post('press_secretary', '/cases', {
    procedure: 'blog-question',
    input: { channel: 'blog', author: { name: 'Ерлан-P4', contact: 'p4@example.kz' }, language: 'ru', text: 'Текст-P4' },
  });
  ids['blog-question'] = p4.id;
  await post('car', `/cases/${p4.id}/events`, { type: 'register', registrationNumber: 'БЛ-1' });
  await post('press_secretary', `/cases/${p4.id}/events`, { type: 'assign', unit: EXPORT });

  const p1 = await post('initiator', '/cases', {
    procedure: 'publication',
    input: { title: 'Материал-P1', kind: 'regular', channels: ['site'], plannedFor: '2025-03-26' },
  });
  ids.publication = p1.id;

  const p6 = await post('press_secretary', '/cases', {
    procedure: 'appearance',
    input: { outlet: 'Khabar', format: 'tv', topic: 'Тема-P6', place: 'Astana', scheduledAt: '2025-03-27T15:00:00+05:00' },
  });
  ids.appearance = p6.id;
  await post('press_secretary', `/cases/${p6.id}/events`, { type: 'designate', speaker: { name: 'Спикер-P6' }, units: [EXPORT] });
  await post('chairman', `/cases/${p6.id}/events`, { type: 'agree_designation' });
  const p7 = await post('initiator', '/cases', {
    procedure: 'employee-post',
    input: { kind: 'approval', employee: { name: 'Сотрудник-P7' }, platform: 'Facebook', text: 'Пост-P7' },
  });
  ids['employee-post'] = p7.id;
  await engine.idle();
});
afterAll(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The part of a route's answer about the case (the list: its entry). */
function about(route: Route, p: Proc, body: unknown): unknown {
  if (route !== 'list') return body;
  const entry = (body as { cases: { id: string }[] }).cases.find((c: { id: string }) => c.id === ids[p]);
  expect(entry, `the case is listed for ${p}`).toBeDefined();
  return entry;
}

describe('the read matrix as documented', () => {
  it('should be the one derived from the machines, in the README and the OpenAPI descriptions', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Who reads what'));
    for (const p of Object.keys(MARKERS) as Proc[]) {
      const derived = [...READ_MATRIX[p]!, 'auditor'];
      expect(derived.sort()).toEqual([...FULL[p]].sort());
      const row = new RegExp('^\\| `' + p + '` [^|]*\\| ([^|]+) \\|', 'm').exec(section);
      expect(row, p).not.toBeNull();
      const roles = row![1]!.replace(/\(see below\)/g, '').split(/[,;]/).map((r) => r.trim()).filter(Boolean);
      expect(roles.sort(), p).toEqual([...FULL[p]].sort());
    }
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/cases', '/cases/{id}', '/cases/{id}/history', '/cases/{id}/messages', '/cases/{id}/replay']) {
      expect(doc.paths[path].get.description, path).toContain('| feedback-inquiry | car, supervisor, unit, chairman, press_secretary, auditor |');
    }
  });
});

describe('who reads what: every procedure × role × route', () => {
  it('should have the P3 messages the Seen item is about (an acknowledgement e-mail with the text)', async () => {
    const res = await get('auditor', `/cases/${ids['feedback-inquiry']}/messages`);
    expect(res.body).toContain('p3@example.kz');
    expect(res.body).toContain('Айгерим-P3');
  });

  for (const p of Object.keys(MARKERS) as Proc[]) {
    for (const who of USERS) {
      const full = FULL[p].includes(who);
      for (const route of ROUTES) {
        it(`${p} × ${who} × ${route}: ${full ? 'full' : 'redacted'}`, async () => {
          const res = await get(who, urlOf(route, p));
          expect(res.statusCode, res.body).toBe(200);
          expect(res.headers['cache-control']).toBe('no-store');
          const part = JSON.stringify(about(route, p, res.json()));
          if (route === 'messages' && p !== 'feedback-inquiry') {
            // P1 and P4 (so far) send no e-mail: nothing to show or to hide.
            expect(res.json()).toEqual({ messages: [] });
          } else if (full) {
            expect(part).toContain(MARKERS[p][0]);
            expect(part).not.toContain('"redacted":true');
          } else {
            for (const m of MARKERS[p]) expect(part).not.toContain(m);
            expect(part).toContain('"redacted":true');
          }
        });
      }
    }
  }

  it('Seen: initiator and administrator no longer list P3 e-mails nor read the e-mail texts', async () => {
    for (const who of ['initiator', 'administrator'] as const) {
      const list = await get(who, '/cases?procedure=feedback-inquiry');
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain('p3@example.kz');
      expect(list.body).not.toContain('Айгерим-P3');
      const messages = await get(who, `/cases/${ids['feedback-inquiry']}/messages`);
      expect(messages.statusCode).toBe(200);
      const m = messages.json().messages as { recipient: unknown; text: unknown }[];
      expect(m.length).toBeGreaterThan(0);
      expect(m.every((x) => x.recipient === null && x.text === null)).toBe(true);
      expect(messages.body).not.toContain('p3@example.kz');
    }
  });

});

describe('who writes a comment or a correction: every procedure × role', () => {
  const raw = (who: Who, url: string, body: unknown) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokenOf(who)}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const seqOf = async (p: Proc) => (await get('auditor', `/cases/${ids[p]}`)).json().seq as number;

  for (const p of Object.keys(MARKERS) as Proc[]) {
    for (const who of USERS) {
      // Those who read the case in full write on it, but the auditor never writes.
      const writes = FULL[p].includes(who) && who !== 'auditor';
      it(`${p} × ${who}: comment ${writes ? 'accepted' : 'refused (403)'}`, async () => {
        const before = await seqOf(p);
        const res = await raw(who, `/cases/${ids[p]}/events`, { type: 'comment', text: 'заметка' });
        if (writes) {
          expect(res.statusCode, res.body).toBe(200);
          expect(res.json().redacted).toBeUndefined();
          return;
        }
        expect(res.statusCode, res.body).toBe(403);
        const { error } = res.json() as { error: { code: string; message: string } };
        if (who === 'unit' || who === 'unit-legal') {
          // The engine's unit rule (not their unit's case) answers first, with its own code.
          expect(error.code).toBe('not_your_unit');
        } else if (who === 'auditor') {
          expect(error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/auditor .*never writes/) });
        } else {
          expect(error.code).toBe('forbidden');
          expect(error.message).toContain(`The role ${who} takes no part in ${p} cases and sees them redacted`);
        }
        expect(await seqOf(p)).toBe(before);
      });

      if (!writes && who !== 'unit' && who !== 'unit-legal') {
        it(`${p} × ${who}: correct refused (403) for the same reason`, async () => {
          const before = await seqOf(p);
          const res = await raw(who, `/cases/${ids[p]}/events`, { type: 'correct', seq: 1, field: 'text', value: 'другой', reason: 'опечатка' });
          expect(res.statusCode, res.body).toBe(403);
          expect(res.json().error.code).toBe('forbidden');
          expect(res.json().error.message).toMatch(who === 'auditor' ? /never writes/ : /takes no part/);
          expect(await seqOf(p)).toBe(before);
        });
      }
    }
  }

  it('Seen: an initiator, who takes no part in P3, may no longer comment on a P3 case (before: accepted, answered redacted)', async () => {
    const res = await raw('initiator', `/cases/${ids['feedback-inquiry']}/events`, { type: 'comment', text: 'посмотрел' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details.roles).toEqual([...READ_MATRIX['feedback-inquiry']!]);
  });
});

describe('a unit user: the cases of their units, plus those they acted on', () => {
  it('should keep a case the unit user acted on after it moved to another unit', async () => {
    const c = await post('car', '/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Перевод-P3', email: 'moved@example.kz' }, language: 'ru', kind: 'question', text: 'Т' },
    });
    await post('car', `/cases/${c.id}/events`, { type: 'register', registrationNumber: 'ЗТ-2' });
    // Before the assignment: no unit holds it.
    expect((await get('unit', `/cases/${c.id}`)).json().redacted).toBe(true);
    await post('supervisor', `/cases/${c.id}/events`, { type: 'assign', unit: EXPORT });
    expect((await get('unit', `/cases/${c.id}`)).json().redacted).toBeUndefined();
    expect((await get('unit-legal', `/cases/${c.id}`)).json().redacted).toBe(true);
    await post('unit', `/cases/${c.id}/events`, { type: 'comment', text: 'не наш вопрос' });
    await post('supervisor', `/cases/${c.id}/events`, { type: 'reassign', unit: LEGAL, to: 'unit-legal-user' });
    // Now LEGAL's; EXPORT's user acted on it and still reads it, on every route.
    for (const who of ['unit', 'unit-legal'] as const) {
      expect((await get(who, `/cases/${c.id}`)).json().redacted, who).toBeUndefined();
      expect((await get(who, `/cases/${c.id}/history`)).body, who).toContain('moved@example.kz');
      expect((await get(who, `/cases/${c.id}/messages`)).body, who).toContain('moved@example.kz');
      expect((await get(who, `/cases/${c.id}/replay`)).body, who).toContain('moved@example.kz');
      const list = (await get(who, '/cases?procedure=feedback-inquiry&limit=200')).json().cases as { id: string; redacted?: true }[];
      expect(list.find((x) => x.id === c.id)?.redacted, who).toBeUndefined();
    }
    // The other EXPORT case is not LEGAL's user's.
    expect((await get('unit-legal', `/cases/${ids['feedback-inquiry']}`)).json().redacted).toBe(true);
  });
});

describe('the record of reads', () => {
  it('should record every unredacted read (who, role, route, when) and none of a redacted one; the auditor lists them', async () => {
    const c = await post('car', '/cases', {
      procedure: 'feedback-inquiry',
      input: { applicant: { name: 'Читатель', email: 'r@example.kz' }, language: 'ru', kind: 'question', text: 'Т' },
    });
    await get('supervisor', `/cases/${c.id}`);
    await get('chairman', `/cases/${c.id}/history`);
    await get('initiator', `/cases/${c.id}/messages`); // redacted: not a read of personal data
    await get('press_secretary', `/cases/${c.id}/replay`);
    await get('car', `/cases?procedure=feedback-inquiry&limit=200`);
    const res = await get('auditor', `/cases/${c.id}/reads`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const reads = res.json().reads as { actor: string; role: string; route: string; readAt: string; caseId: string }[];
    expect(reads.map((r) => [r.actor, r.role, r.route])).toEqual([
      ['supervisor-user', 'supervisor', 'GET /cases/{id}'],
      ['chairman-user', 'chairman', 'GET /cases/{id}/history'],
      ['press_secretary-user', 'press_secretary', 'GET /cases/{id}/replay'],
      ['car-user', 'car', 'GET /cases'],
    ]);
    expect(reads.every((r) => r.caseId === c.id && r.readAt === '2025-03-06T05:00:00.000Z')).toBe(true);
    // The auditor's own reads are reads too.
    await get('auditor', `/cases/${c.id}`);
    expect((await get('auditor', `/cases/${c.id}/reads`)).json().reads.at(-1)).toMatchObject({ actor: 'auditor-user', role: 'auditor' });
  });

  it('should let only the auditor list reads, and say 404 for an unknown case', async () => {
    for (const who of USERS.filter((u) => u !== 'auditor')) {
      const res = await get(who, `/cases/${ids.publication}/reads`);
      expect(res.statusCode, who).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    const missing = await get('auditor', '/cases/nope/reads');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });
});
