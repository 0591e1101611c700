/**
 * Receipt and back-dating (issue 12 §2–3; PROCEDURES.md "Time"): the creation's occurredAt
 * is the receipt (`input.receivedAt` another name for it), nothing is dated in the future,
 * back-dating is bounded by MAX_BACKDATING and a back-dated event carries a reason that
 * the history keeps, hashed, and flags.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../engine/audit.js';
import { procedures } from '../../machines/index.js';
import { buildTestApp, kz, type TestApp } from '../helpers/app.js';
import { auditOn } from '../helpers/audit.js';
import { openSqliteFile, dropTripwires, itSqlite } from '../helpers/sqlite-file.js';

const question = {
  applicant: { name: 'Aigerim', email: 'aigerim@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Какие меры поддержки экспортёров действуют?',
};

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ now: '2025-03-19T05:00:00.000Z' }); // Wednesday 10:00 Almaty
});
afterEach(async () => t.close());

const create = (body: Record<string, unknown>) => t.as('car').post('/cases', { procedure: 'feedback-inquiry', input: question, ...body });

describe('the receipt is one instant', () => {
  it('should bound later events by the receivedAt given, not by the time of recording', async () => {
    const res = await create({ input: { ...question, receivedAt: '2025-03-06T10:00:00+05:00' }, backdatingReason: 'paper mail' });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id;
    const history = (await t.as('auditor').get(`/cases/${id}/history`)).json().events;
    expect(history[0]).toMatchObject({
      occurredAt: '2025-03-06T05:00:00.000Z',
      occurredAtLocal: '2025-03-06T10:00:00.000+05:00',
      recordedAtLocal: '2025-03-19T10:00:00.000+05:00',
      backdated: true,
      backdatingReason: 'paper mail',
    });
    // Seen: "earlier than the previous staff event … <today>" although the question was received on the 6th.
    const reg = await t.as('car').post(`/cases/${id}/events`, {
      type: 'register',
      registrationNumber: 'ВХ-1',
      occurredAt: '2025-03-07T10:00:00+05:00',
      backdatingReason: 'registered on paper',
    });
    expect(reg.statusCode, reg.body).toBe(200);
  });

  it('should refuse a receivedAt in the future, and promise nothing', async () => {
    const res = await create({ input: { ...question, receivedAt: '2027-06-01T10:00:00+05:00' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_request' });
    expect(res.json().error.message).toMatch(/later than the server time/);
    expect((await t.as('auditor').get('/cases')).json().cases).toHaveLength(0);
  });

  it('should refuse a receivedAt before the back-dating limit, naming the setting', async () => {
    const res = await create({ input: { ...question, receivedAt: '2022-01-10T10:00:00+05:00' }, backdatingReason: 'old' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/MAX_BACKDATING=10wd/);
    expect(res.json().error.details).toMatchObject({ setting: 'MAX_BACKDATING', field: 'occurredAt' });
  });

  it('should refuse receivedAt and occurredAt that differ, and accept them equal', async () => {
    const both = await create({
      input: { ...question, receivedAt: '2025-03-18T10:00:00+05:00' },
      occurredAt: '2025-03-17T10:00:00+05:00',
      backdatingReason: 'x',
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.message).toMatch(/both name the receipt/);
    const same = await create({
      input: { ...question, receivedAt: '2025-03-18T10:00:00+05:00' },
      occurredAt: '2025-03-18T05:00:00Z',
      backdatingReason: 'phoned in yesterday',
    });
    expect(same.statusCode, same.body).toBe(201);
  });
});

describe('back-dating, allowed and visible', () => {
  it('should refuse a case dated 40 days back, and staff events beyond the limit', async () => {
    t.clock.set('2025-04-15T05:00:00.000Z');
    const old = await create({ input: { ...question, receivedAt: '2025-03-06T10:00:00+05:00' }, backdatingReason: 'found in a drawer' });
    expect(old.statusCode).toBe(400);
    expect(old.json().error.message).toMatch(/MAX_BACKDATING/);
    // The oldest day allowed: the 10th working day before 15 April is 1 April (from 00:00 Almaty).
    const edge = await create({ input: { ...question, receivedAt: '2025-04-01T00:00:00+05:00' }, backdatingReason: 'edge' });
    expect(edge.statusCode, edge.body).toBe(201);
    const before = await create({ input: { ...question, receivedAt: '2025-03-31T23:59:00+05:00' }, backdatingReason: 'edge' });
    expect(before.statusCode).toBe(400);
    expect(before.json().error.details.notBefore).toBe('2025-03-31T19:00:00.000Z');
  });

  itSqlite('should require a reason beyond 15 minutes, keep it hashed in the history and flag the case', async () => {
    const fresh = await create({ occurredAt: '2025-03-19T09:50:00+05:00' }); // 10 minutes: within the tolerance
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(fresh.json().backdated).toBe(false);
    const noReason = await create({ occurredAt: '2025-03-19T09:40:00+05:00' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error).toMatchObject({ code: 'invalid_request', details: { field: 'backdatingReason' } });

    const id = fresh.json().id;
    const noted = await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'ВХ-2', occurredAt: '2025-03-19T09:55:00+05:00' });
    expect(noted.statusCode, noted.body).toBe(200);
    expect(noted.json().backdated).toBe(false);
    t.clock.set('2025-03-20T05:00:00.000Z');
    const late = await t.as('supervisor').post(`/cases/${id}/events`, {
      type: 'assign',
      unit: 'Департамент экспорта',
      occurredAt: '2025-03-19T12:00:00+05:00',
      backdatingReason: 'resolution signed on paper yesterday',
    });
    expect(late.statusCode, late.body).toBe(200);
    expect(late.json().backdated).toBe(true);

    const history = (await t.as('auditor').get(`/cases/${id}/history`)).json().events;
    expect(history.map((e: { backdated: boolean }) => e.backdated)).toEqual([false, false, true]);
    expect(history[2].backdatingReason).toBe('resolution signed on paper yesterday');
    expect((await t.as('auditor').get(`/cases/${id}/verify`)).json().ok).toBe(true);

    const listed = (await t.as('auditor').get('/cases?backdated=true')).json().cases.map((c: { id: string }) => c.id);
    expect(listed).toEqual([id]);

    // The reason is part of the hash: changing it afterwards breaks the chain.
    const db = openSqliteFile(t.databasePath);
    try {
      dropTripwires(db);
      db.prepare("UPDATE events SET backdating_reason = 'edited' WHERE case_id = ? AND seq = 3").run(id);
    } finally {
      db.close();
    }
    const verify = (await t.as('auditor').get(`/cases/${id}/verify`)).json();
    expect(verify.ok).toBe(false);
    expect(verify.problems[0]).toMatchObject({ seq: 3, kind: 'hash_mismatch' });
  });

  it('should refuse an extension after the term without suggesting another occurredAt', async () => {
    const id = (await create({})).json().id;
    t.clock.set('2025-04-10T05:00:00.000Z'); // the review term ended on 2025-04-03 (end of day)
    const res = await t.as('chairman').post(`/cases/${id}/events`, { type: 'extend', days: 10, reason: 'проверка' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/cannot be extended/);
    expect(res.json().error.message).not.toMatch(/occurredAt/);
  });

  it('should let the audit list the deadlines met only because of a back-dated event', async () => {
    const id = (await create({})).json().id;
    await t.as('car').post(`/cases/${id}/events`, { type: 'register', registrationNumber: 'ВХ-3' });
    await t.as('supervisor').post(`/cases/${id}/events`, { type: 'assign', unit: 'Департамент экспорта' });
    await t.as('unit').post(`/cases/${id}/events`, { type: 'submit_answer', text: 'Ответ', citations: ['Закон РК'], language: 'ru' });
    // The review term ends at the end of 3 April; the approval is recorded on the 7th, dated the 3rd.
    t.clock.set('2025-04-07T05:00:00.000Z');
    // The engine's deadline_missed first (the timer is past due), then the approval.
    await t.engine.idle();
    const approved = await t.as('supervisor').post(`/cases/${id}/events`, {
      type: 'approve_answer',
      occurredAt: '2025-04-03T17:00:00+05:00',
      backdatingReason: 'approved on paper on Thursday',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().deadlines.find((d: { key: string }) => d.key === 'review')).toMatchObject({ status: 'met' });
    // An ordinary case, not back-dated: never listed.
    await create({});
    await t.engine.idle();

    const store = await openAuditStore({ databasePath: t.databasePath, calendar: kz, procedures });
    try {
      const found = await store.backdatedJudgements();
      expect(found).toEqual([
        expect.objectContaining({
          caseId: id,
          key: 'review',
          effect: 'closed_in_time',
          status: 'met',
          seq: 6, // after the engine's deadline_missed (seq 5)
          type: 'approve_answer',
          occurredAt: '2025-04-03T12:00:00.000Z',
          recordedAt: '2025-04-07T05:00:00.000Z',
          backdatingReason: 'approved on paper on Thursday',
        }),
      ]);
    } finally {
      await store.close();
    }
    // The same list from the audit CLI, as auditors run it.
    const { code, out, err } = await auditOn(t.databasePath, ['backdated']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ caseId: id, key: 'review', effect: 'closed_in_time', backdatingReason: 'approved on paper on Thursday' })]);
    expect(err).toMatch(/^1 deadline judgement/);
    const csv = (await auditOn(t.databasePath, ['backdated', '--format', 'csv'])).out;
    expect(csv.split('\r\n')[0]).toBe('caseId,procedure,key,rule,effect,dueAt,status,seq,type,occurredAt,recordedAt,actor,role,backdatingReason');
    expect(csv).toContain(`${id},feedback-inquiry,review,"п. 38, 39",closed_in_time,`);
  });
});
