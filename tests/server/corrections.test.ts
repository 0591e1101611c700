/**
 * Corrections without rewriting history (issue 12 §5): `correct {seq, field, value, reason}`
 * supersedes one correctable field of an earlier event; the history keeps both, the view
 * shows the corrected value, and a correction that changes a deadline's judgement
 * re-judges it and says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine } from '../../engine/engine.js';
import { procedures } from '../../machines/index.js';
import { advance, buildTestApp, kz, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ now: '2025-03-19T05:00:00.000Z' });
});
afterEach(async () => t.close());

const history = async (id: string) => (await t.as('auditor').get(`/cases/${id}/history`)).json().events as { seq: number; type: string; payload: Record<string, unknown> }[];

async function published(plannedFor = '2025-03-27') {
  const created = await t.as('initiator').post('/cases', {
    procedure: 'publication',
    input: { title: 'QazIndustry на выставке', kind: 'regular', channels: ['site'], plannedFor },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json() as { id: string; deadlines: { key: string; status: string }[] };
}

describe('correct', () => {
  it('should fix a mistyped posting URL on a published case, keeping both in the history', async () => {
    const c = await published();
    const done = await advance(t, c.id, [
      ['press_secretary', { type: 'send_to_administrator' }],
      ['administrator', { type: 'post', channel: 'site', url: 'https://qazindustry.gov.kz/nwes/1' }],
    ]);
    expect(done.status).toBe('done');
    // Seen: the URL can never be fixed — posting again is "already posted".
    const again = await t.as('administrator').post(`/cases/${c.id}/events`, { type: 'post', channel: 'site', url: 'https://qazindustry.gov.kz/news/1' });
    expect(again.statusCode).toBe(409);

    const res = await t.as('administrator').post(`/cases/${c.id}/events`, {
      type: 'correct',
      seq: 3,
      field: 'url',
      value: 'https://qazindustry.gov.kz/news/1',
      reason: 'typo in the address',
    });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({ state: 'published', status: 'done', seq: 4 });
    expect(view.context.posts.site.url).toBe('https://qazindustry.gov.kz/news/1');
    expect(view.context.corrections).toEqual([
      expect.objectContaining({
        seq: 4,
        of: { seq: 3, type: 'post', field: 'url' },
        from: 'https://qazindustry.gov.kz/nwes/1',
        to: 'https://qazindustry.gov.kz/news/1',
        reason: 'typo in the address',
        rejudged: [],
      }),
    ]);
    const events = await history(c.id);
    expect(events[2]!.payload.url).toBe('https://qazindustry.gov.kz/nwes/1'); // never rewritten
    expect(events[3]).toMatchObject({ type: 'correct', payload: { seq: 3, field: 'url' } });
    expect((await t.as('auditor').get(`/cases/${c.id}/verify`)).json()).toMatchObject({ ok: true });
    // A comment after the correction keeps the corrections in the case.
    const later = await t.as('press_secretary').post(`/cases/${c.id}/events`, { type: 'comment', text: 'ok' });
    expect(later.statusCode).toBe(409); // a closed case takes no comment; the correction stays in the view
    expect((await t.as('auditor').get(`/cases/${c.id}`)).json().context.corrections).toHaveLength(1);
  });

  it('should re-judge a deadline the corrected fact decides, and say so', async () => {
    // Typed 2025-03-20 (tomorrow) instead of 2025-03-27: the submission looks late.
    const c = await published('2025-03-20');
    expect(c.deadlines.find((d) => d.key === 'submission')).toMatchObject({ status: 'met_late' });
    const res = await t.as('press_secretary').post(`/cases/${c.id}/events`, {
      type: 'correct',
      seq: 1,
      field: 'plannedFor',
      value: '2025-03-27',
      reason: 'the initiator mistyped the planned date',
    });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json();
    expect(view.deadlines.find((d: { key: string }) => d.key === 'submission')).toMatchObject({ status: 'met', lastDay: '2025-03-20' });
    expect(view.context.corrections[0].rejudged).toEqual([
      { key: 'submission', before: expect.objectContaining({ status: 'met_late' }), after: expect.objectContaining({ status: 'met', lastDay: '2025-03-20' }) },
    ]);
    // The case goes on from the corrected state.
    const next = await t.as('press_secretary').post(`/cases/${c.id}/events`, { type: 'send_to_administrator' });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json().context.corrections).toHaveLength(1);
    expect((await t.as('auditor').get(`/cases/${c.id}/verify`)).json()).toMatchObject({ ok: true });
    const replayed = (await t.as('auditor').get(`/cases/${c.id}/replay?seq=2`)).json();
    expect(replayed.deadlines.find((d: { key: string }) => d.key === 'submission')).toMatchObject({ status: 'met' });
  });

  it('should allow the original sender and the procedure\'s corrector only, and correctable fields only', async () => {
    const id = (
      await t.as('car').post('/cases', {
        procedure: 'feedback-inquiry',
        input: { applicant: { name: 'Aigerim', email: 'aigerim@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
      })
    ).json().id;
    await advance(t, id, [['car', { type: 'register', registrationNumber: 'ВХ-1O' }]]);
    const byUnit = await t.as('unit').post(`/cases/${id}/events`, { type: 'correct', seq: 2, field: 'registrationNumber', value: 'ВХ-10', reason: 'O for 0' });
    expect(byUnit.statusCode).toBe(403);
    expect(byUnit.json().error.details.roles).toEqual(['car', 'supervisor']);
    const notCorrectable = await t.as('car').post(`/cases/${id}/events`, { type: 'correct', seq: 1, field: 'text', value: 'другой', reason: 'x' });
    expect(notCorrectable.statusCode).toBe(400);
    expect(notCorrectable.json().error.message).toMatch(/correctable fields: applicant\.name, applicant\.email/);
    const badValue = await t.as('car').post(`/cases/${id}/events`, { type: 'correct', seq: 1, field: 'applicant.email', value: 'not-an-address', reason: 'x' });
    expect(badValue.statusCode).toBe(400);
    const same = await t.as('car').post(`/cases/${id}/events`, { type: 'correct', seq: 2, field: 'registrationNumber', value: 'ВХ-1O', reason: 'x' });
    expect(same.statusCode).toBe(400);
    const noEvent = await t.as('car').post(`/cases/${id}/events`, { type: 'correct', seq: 9, field: 'registrationNumber', value: 'ВХ-10', reason: 'x' });
    expect(noEvent.statusCode).toBe(400);
    expect((await history(id)).map((e) => e.type)).toEqual(['created', 'register']);

    const bySupervisor = await t.as('supervisor').post(`/cases/${id}/events`, { type: 'correct', seq: 2, field: 'registrationNumber', value: 'ВХ-10', reason: 'O for 0' });
    expect(bySupervisor.statusCode, bySupervisor.body).toBe(200);
    expect(bySupervisor.json().context.registrationNumber).toBe('ВХ-10');
    const email = await t.as('car').post(`/cases/${id}/events`, { type: 'correct', seq: 1, field: 'applicant.email', value: 'aigerim@example.com', reason: 'domain' });
    expect(email.statusCode, email.body).toBe(200);
    expect(email.json().context).toMatchObject({ applicant: { name: 'Aigerim', email: 'aigerim@example.com' }, registrationNumber: 'ВХ-10' });
    expect(email.json().context.corrections).toHaveLength(2);
    // The re-run queued no second acknowledgement.
    await t.engine.idle();
    expect((await t.as('auditor').get(`/cases/${id}/messages`)).json().messages).toHaveLength(1);
    expect((await t.as('auditor').get(`/cases/${id}/verify`)).json()).toMatchObject({ ok: true });
  });
});

describe('correct, then resend', () => {
  it('should resend a failed message to the corrected address', async () => {
    const sent: { to: { address: string } }[] = [];
    let refusing = true;
    const engine = await createEngine({
      databasePath: ':memory:',
      clock: new SimulatedClock('2025-03-19T05:00:00.000Z'),
      calendar: kz,
      procedures,
      retry: { maxAttempts: 1 },
      transport: {
        sendMail: (m) => {
          if (refusing) return Promise.reject(Object.assign(new Error('550 no such mailbox'), { responseCode: 550 }));
          sent.push(m as never);
          return Promise.resolve({ messageId: m.messageId, response: '250 OK' });
        },
      },
    });
    try {
      await engine.start();
      const car = { name: 'Dana', role: 'car' as const };
      const id = (
        await engine.createCase(
          'feedback-inquiry',
          { applicant: { name: 'Aigerim', email: 'aigerim@exmaple.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
          { actor: car },
        )
      ).view.id;
      await engine.idle();
      expect((await engine.getCase(id)).undelivered).toBe(true);
      await engine.applyEvent(id, { type: 'correct', payload: { seq: 1, field: 'applicant.email', value: 'aigerim@example.kz', reason: 'typo in the domain' } }, { actor: car });
      refusing = false;
      await engine.applyEvent(id, { type: 'resend_message', payload: { messageId: `${id}:1:0` } }, { actor: car });
      await engine.idle();
      expect(sent.map((m) => m.to.address)).toEqual(['aigerim@example.kz']);
      expect((await engine.messages(id))[0]).toMatchObject({ status: 'sent', recipient: 'aigerim@example.kz' });
      expect((await engine.getCase(id)).undelivered).toBe(false);
      expect(await engine.verify(id)).toMatchObject({ ok: true });
    } finally {
      await engine.close();
    }
  });
});
