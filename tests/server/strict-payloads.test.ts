/**
 * Issue 12 §4 "Strict payloads", through HTTP: what was seen stored in the permanent
 * history (unknown fields, impossible instants, a posting "URL" that is none) is now a 400
 * `invalid_request` that names the field and writes nothing; a body nested 5,000 deep is a
 * 400, not a 500; an enum error lists the allowed values; the OpenAPI offers examples and
 * closed payload schemas, not `additionalProp1`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance, buildTestApp, token, type TestApp } from '../helpers/app.js';

let t: TestApp;
const question = { applicant: { name: 'Айгерим', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' };

beforeEach(async () => {
  t = await buildTestApp({ now: '2026-03-10T05:00:00.000Z' });
});
afterEach(async () => {
  await t.close();
});

async function created(input: Record<string, unknown> = question, occurredAt?: string): Promise<string> {
  const res = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input, ...(occurredAt ? { occurredAt, backdatingReason: 'received earlier' } : {}) });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function historyOf(id: string): Promise<{ type: string; payload: Record<string, unknown>; occurredAt: string }[]> {
  return (await t.as('auditor').get(`/cases/${id}/history`)).json().events;
}

function refused(res: { statusCode: number; json(): any }): string {
  expect(res.statusCode).toBe(400);
  expect(res.json().error.code).toBe('invalid_request');
  return res.json().error.message as string;
}

describe('unknown fields', () => {
  it('should refuse note_proposal {"coment"} naming the field and the nearest known one, storing nothing', async () => {
    const id = await created({ ...question, kind: 'proposal' });
    await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЗТ-1' }]]);
    const before = await historyOf(id);
    const res = await t.as('supervisor').post(`/cases/${id}/events`, { type: 'note_proposal', coment: 'учесть в плане' });
    expect(refused(res)).toBe('note_proposal: unknown field "coment"; did you mean "comment"?');
    expect(res.json().error.details.errors[0]).toMatchObject({ unknown: ['coment'], suggestions: { coment: 'comment' } });
    expect(await historyOf(id)).toEqual(before);
  });

  it('should refuse envelope and history fields inside a comment (recordedAt, seq, hash, role)', async () => {
    const id = await created();
    const before = await historyOf(id);
    const res = await t.as('car').post(`/cases/${id}/events`, {
      type: 'comment',
      text: 'x',
      recordedAt: '2020-01-01T00:00:00Z',
      seq: 99,
      hash: 'f'.repeat(64),
      role: 'chairman',
    });
    const message = refused(res);
    for (const f of ['recordedAt', 'seq', 'hash', 'role']) expect(message).toContain(`"${f}"`);
    expect(await historyOf(id)).toEqual(before);
  });

  it("should refuse Swagger's generated additionalProp1 in an event and in a creation input", async () => {
    const id = await created();
    const ev = await t.as('car').post(`/cases/${id}/events`, { type: 'comment', text: 'x', additionalProp1: {} });
    expect(refused(ev)).toBe('comment: unknown field "additionalProp1"');
    const create = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: { ...question, additionalProp1: {} } });
    expect(refused(create)).toBe('input: unknown field "additionalProp1"');
    expect((await t.engine.listCases({ limit: 10 })).cases).toHaveLength(1);
  });

  it('should name a nested unknown field of the creation input with its nearest known name', async () => {
    const res = await t.as('car').post('/cases', {
      procedure: 'feedback-inquiry',
      input: { ...question, applicant: { name: 'A', emial: 'a@example.kz' } },
    });
    expect(refused(res)).toBe('input/applicant: unknown field "emial"; did you mean "email"?');
    expect((await t.engine.listCases({ limit: 10 })).cases).toHaveLength(0);
  });

  it('should still take occurredAt from the event body as the envelope, not as payload', async () => {
    const id = await created(question, '2026-03-09T04:00:00Z');
    const view = await advance(t, id, [['car', { type: 'register', registrationNumber: 'ЗТ-1', occurredAt: '2026-03-09T10:00:00+05:00', backdatingReason: 'registered on paper' }]]);
    expect(view.seq).toBe(2);
    const last = (await historyOf(id)).at(-1)!;
    expect(last.payload).toEqual({ registrationNumber: 'ЗТ-1' });
    expect(last.occurredAt).toBe('2026-03-09T05:00:00.000Z');
  });
});

describe('OpenAPI and /machines', () => {
  it('should give the event and creation bodies examples and publish closed payload schemas', async () => {
    const docs = (await t.app.inject({ url: '/docs/json' })).json();
    const eventBody = docs.paths['/cases/{id}/events'].post.requestBody.content['application/json'];
    const createBody = docs.paths['/cases'].post.requestBody.content['application/json'];
    // Swagger UI's "Try it out" starts from the first example instead of `additionalProp1`.
    expect(Object.values(eventBody.examples ?? {}).length).toBeGreaterThan(0);
    expect(Object.values(createBody.examples ?? {}).length).toBeGreaterThan(0);
    expect(JSON.stringify(docs)).not.toContain('additionalProp1');
    for (const procedure of ['publication', 'feedback-inquiry', 'blog-question']) {
      const m = (await t.app.inject({ url: `/machines/${procedure}` })).json();
      expect(m.inputSchema.additionalProperties).toBe(false);
      for (const [type, schema] of Object.entries(m.eventSchemas as Record<string, { additionalProperties?: unknown }>)) {
        expect({ type, additionalProperties: schema.additionalProperties }).toEqual({ type, additionalProperties: false });
      }
    }
  });
});

describe('bounded depth and size', () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const send = (url: string, body: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token('car')}`, 'content-type': 'application/json', ...headers },
      payload: body,
    });

  it('should answer an event payload nested 5,000 deep with 400 "nested deeper than", with or without an Idempotency-Key', async () => {
    const id = await created();
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
      const res = await send(`/cases/${id}/events`, `{"type":"comment","text":"x","extra":${deep}}`, headers);
      expect(refused(res)).toMatch(/nested deeper than 32/);
    }
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('should answer a creation input nested 5,000 deep with 400', async () => {
    for (const headers of [{}, { 'idempotency-key': 'deep-2' }] as Record<string, string>[]) {
      const res = await send('/cases', `{"procedure":"feedback-inquiry","input":{"text":${deep}}}`, headers);
      expect(refused(res)).toMatch(/^input is nested deeper than 32/);
    }
  });

  it('should bound free texts and arrays by default', async () => {
    const id = await created();
    const long = await t.as('car').post(`/cases/${id}/events`, { type: 'comment', text: 'x'.repeat(20_001) });
    expect(refused(long)).toMatch(/^comment\/text: /);
  });
});

describe('impossible instants', () => {
  it('should refuse occurredAt 2026-02-30 on an event (it was stored as 2 March)', async () => {
    const id = await created(question, '2026-02-27T10:00:00Z');
    const res = await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'ЗТ-1', occurredAt: '2026-02-30T10:00:00Z' });
    expect(refused(res)).toMatch(/occurredAt .*2026-02-30T10:00:00Z/);
    expect(await historyOf(id)).toHaveLength(1);
  });

  it('should refuse occurredAt 2026-02-30 on a creation, and 24:00 or an offset hour 25', async () => {
    for (const occurredAt of ['2026-02-30T10:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T10:00:00+25:00']) {
      const res = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question, occurredAt });
      expect(refused(res)).toMatch(/occurredAt/);
    }
    expect((await t.engine.listCases({ limit: 10 })).cases).toHaveLength(0);
  });

  it('should refuse an impossible instant or date inside a payload', async () => {
    const announced = await t.as('initiator').post('/cases', {
      procedure: 'publication',
      input: { title: 'Закупка', kind: 'procurement', channels: ['site'], announcementPublishedAt: '2026-02-29T10:00:00+05:00' },
    });
    expect(refused(announced)).toMatch(/^input\/announcementPublishedAt: "2026-02-29T10:00:00\+05:00" is not a real instant/);
    const planned = await t.as('initiator').post('/cases', {
      procedure: 'publication',
      input: { title: 'Т', kind: 'regular', channels: ['site'], plannedFor: '2026-04-31' },
    });
    expect(refused(planned)).toMatch(/^input\/plannedFor: "2026-04-31" is not a real day/);
  });

  it('should refuse an impossible dueBefore in the query string', async () => {
    const res = await t.as('car').get('/cases?dueBefore=2026-02-30T10:00:00Z');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });
});

describe('enum errors', () => {
  it('should list the allowed values: input/kind: must be one of "question", "proposal"', async () => {
    const res = await t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: { ...question, kind: 'complaint' } });
    expect(refused(res)).toBe('input/kind: must be one of "question", "proposal"');
    expect(res.json().error.details.errors).toHaveLength(1);
  });
});

describe('posting URLs', () => {
  async function approvedBlogQuestion(): Promise<string> {
    const c = (
      await t.as('press_secretary').post('/cases', {
        procedure: 'blog-question',
        input: { channel: 'blog', author: { name: 'Ерлан' }, language: 'kk', text: 'Сұрақ' },
      })
    ).json();
    await advance(t, c.id, [
      ['car', { type: 'register', registrationNumber: 'ЖТ-1' }],
      ['press_secretary', { type: 'assign', unit: 'Департамент экспорта' }],
      ['unit', { type: 'submit_answer', text: 'Жауап' }],
      ['supervisor', { type: 'agree_answer' }],
      ['press_secretary', { type: 'forward_to_chairman' }],
      ['chairman', { type: 'approve' }],
    ]);
    return c.id as string;
  }

  it('should refuse a blog post whose url is not an absolute http(s) URL, then accept one that is', async () => {
    const id = await approvedBlogQuestion();
    for (const url of ['not a url', 'javascript:alert(1)', 'ftp://example.kz/a', '/blogs/1']) {
      const res = await t.as('press_secretary').post(`/cases/${id}/events`, { type: 'post', url });
      expect(refused(res)).toMatch(/^post\/url: .*is not an absolute http\(s\) URL/);
    }
    const posted = await advance(t, id, [['press_secretary', { type: 'post', url: 'https://dialog.egov.kz/blogs/1' }]]);
    expect(posted).toMatchObject({ state: 'posted', status: 'done' });
  });

  it("should refuse a publication's post url that is not http(s)", async () => {
    const c = (
      await t.as('initiator').post('/cases', {
        procedure: 'publication',
        input: { title: 'Т', kind: 'regular', channels: ['site'], plannedFor: '2026-03-20' },
      })
    ).json();
    await advance(t, c.id, [
      ['press_secretary', { type: 'accept' }],
      ['press_secretary', { type: 'send_to_administrator' }],
    ]);
    const res = await t.as('administrator').post(`/cases/${c.id}/events`, { type: 'post', channel: 'site', url: 'qazindustry.gov.kz/news/1' });
    expect(refused(res)).toMatch(/^post\/url: /);
  });
});

describe('enum errors of the HTTP envelope', () => {
  it('should list the procedures for an unknown one', async () => {
    const res = await t.as('car').post('/cases', { procedure: 'nope', input: question });
    expect(refused(res)).toBe('body.procedure: must be one of "publication", "feedback-inquiry", "blog-question", "site-content-review", "appearance", "employee-post".');
  });
});

describe('enum errors everywhere', () => {
  it('should list the allowed values for the public form and the list filter', async () => {
    const form = await t.app.inject({
      method: 'POST',
      url: '/intake/feedback',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Ivan', email: 'ivan@example.com', language: 'de', kind: 'question', text: 'Hallo' }),
    });
    expect(form.statusCode).toBe(400);
    expect(form.json().error.message).toMatch(/must be one of .*"ru".*"kk".*"en"/);
    const list = await t.as('auditor').get('/cases?status=open');
    expect(list.statusCode).toBe(400);
    expect(list.json().error.message).toMatch(/must be one of .*"active".*"done"/);
  });
});
