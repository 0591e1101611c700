/**
 * Issue 12 §6: one case's messages go out in the order they were queued, through an outage
 * and its retries; a finally failed message does not hold the later ones back; addresses
 * are nodemailer address objects, so any display name reaches the SMTP envelope intact.
 */
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailTransport } from '../../engine/outbox-worker.js';
import { car, chairman, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';

type Sent = Parameters<MailTransport['sendMail']>[0];

describe('outbox: order per case, failures, addresses', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('should deliver one case’s messages in the order they were queued after an outage', async () => {
    // Down until `upAt`: every attempt before fails (a transient error, retried with backoff).
    const sent: Sent[] = [];
    const attempts: string[] = [];
    let upAt = Number.POSITIVE_INFINITY;
    let now = () => 0;
    const transport: MailTransport = {
      sendMail(m) {
        attempts.push(m.messageId);
        if (now() < upAt) return Promise.reject(new Error('connect ECONNREFUSED'));
        sent.push(m);
        return Promise.resolve({ response: '250 OK' });
      },
    };
    t = await testEngine({ transport, retry: { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 100 } });
    now = () => t!.clock.now().getTime();
    await t.engine.start();
    const a = (await t.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    await t.engine.idle();
    // Queued while the acknowledgement is being retried: the extension notice, then the answer.
    t.clock.advance(1000);
    await t.engine.idle();
    await t.engine.applyEvent(a, { type: 'extend', payload: { days: 1 } }, { actor: chairman });
    t.clock.advance(2000);
    await t.engine.idle();
    await t.engine.applyEvent(a, { type: 'reply', payload: { text: 'The answer.' } }, { actor: unit });
    const b = (await t.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    for (let i = 0; i < 5; i++) {
      t.clock.advance(4000);
      await t.engine.idle();
    }
    // During the outage only the first queued message of each case was tried.
    const [ackA, noticeA, answerA] = await t.engine.messages(a);
    const [ackB] = await t.engine.messages(b);
    expect(noticeA).toMatchObject({ status: 'queued', attempts: 0 });
    expect(answerA).toMatchObject({ status: 'queued', attempts: 0 });
    expect(ackA!.attempts).toBeGreaterThan(2);
    expect(ackB!.attempts).toBeGreaterThan(1);

    upAt = now();
    for (let i = 0; i < 5; i++) {
      t.clock.advance(8000);
      await t.engine.idle();
    }
    const statuses = [...(await t.engine.messages(a)), ...(await t.engine.messages(b))].map((m) => m.status);
    expect(statuses).toEqual(['sent', 'sent', 'sent', 'sent']);
    const ofA = sent.filter((m) => m.headers?.['X-Case-Id'] === a).map((m) => m.subject);
    expect(ofA).toEqual(['Your inquiry has been received', 'The review of your inquiry has been extended', 'The answer to your inquiry']);
  });

  it('should not let a finally failed message hold back the later messages of its case', async () => {
    const sent: Sent[] = [];
    const transport: MailTransport = {
      sendMail(m) {
        // The acknowledgement is refused for good (5xx); anything else goes out.
        if (m.subject === 'Your inquiry has been received') {
          return Promise.reject(Object.assign(new Error('550 mailbox unavailable'), { responseCode: 550 }));
        }
        sent.push(m);
        return Promise.resolve({ response: '250 OK' });
      },
    };
    t = await testEngine({ transport });
    await t.engine.start();
    const id = (await t.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id;
    await t.engine.applyEvent(id, { type: 'reply', payload: { text: 'The answer.' } }, { actor: unit });
    await t.engine.idle();
    expect((await t.engine.messages(id)).map((m) => [m.template, m.status])).toEqual([
      ['acknowledgement', 'failed'],
      ['answer', 'sent'],
    ]);
    expect(sent.map((m) => m.subject)).toEqual(['The answer to your inquiry']);
  });

  it('should hand nodemailer address objects, so a display name ending in a backslash reaches the envelope intact', async () => {
    // Seen: `"Ivan \" <ivan@example.kz>` made the server refuse the recipient.
    const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const delivered: { envelope: { from: string; to: string[] }; raw: string }[] = [];
    const transport: MailTransport = {
      async sendMail(m) {
        const info = (await stream.sendMail(m)) as unknown as { envelope: { from: string; to: string[] }; message: Buffer };
        delivered.push({ envelope: info.envelope, raw: info.message.toString('utf8') });
        return { response: '250 OK' };
      },
    };
    t = await testEngine({ transport, mailFrom: 'QazIndustry "Press" \\ <no-reply@qazindustry.kz>' });
    await t.engine.start();
    const name = 'Ivan "Vanya" Petrov \\';
    const id = (await t.engine.createCase('test-procedure', { applicant: { name, email: 'ivan@example.kz' }, language: 'en' }, { actor: car })).view.id;
    await t.engine.idle();
    expect((await t.engine.messages(id))[0]).toMatchObject({ status: 'sent' });
    const [mail] = delivered;
    expect(mail!.envelope).toEqual({ from: 'no-reply@qazindustry.kz', to: ['ivan@example.kz'] });
    const header = (h: string) => new RegExp(`^${h}: (.*)$`, 'm').exec(mail!.raw)?.[1] ?? '';
    // The headers say the same name back (nodemailer encodes it; its parser reads it).
    expect(addressparser(header('To'))).toEqual([{ name, address: 'ivan@example.kz' }]);
    expect(addressparser(header('From'))[0]).toMatchObject({ address: 'no-reply@qazindustry.kz' });
  });
});
