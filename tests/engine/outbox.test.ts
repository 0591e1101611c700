import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY } from '../../engine/outbox-worker.js';
import { MAIL_TEMPLATES, renderMail } from '../../engine/mail-templates.js';
import type { Language, MailDataByTemplate, MailTemplate } from '../../machines/contract.js';
import { car, chairman, inquiry, testEngine, unit, type TestEngine } from './fixtures/helpers.js';

interface Received {
  messageId: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that records every message it accepts. */
async function smtp(port = 0): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({ messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return { port: addr.port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('outbox worker', () => {
  let t: TestEngine | undefined;
  let servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
    for (const s of servers) await s.close().catch(() => {});
    servers = [];
  });

  it('should keep mail queued and visible without SMTP_URL, and record portal notices as sent', async () => {
    t = await testEngine();
    await t.engine.start();
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    await t.engine.applyEvent(view.id, { type: 'post_notice' }, { actor: { name: 'PS', role: 'press_secretary' } });
    t.clock.advance(86_400_000);
    await t.engine.idle();
    const msgs = await t.engine.messages(view.id);
    expect(msgs.map((m) => [m.kind, m.template, m.status, m.attempts])).toEqual([
      ['mail', 'acknowledgement', 'queued', 0],
      ['portal_notice', null, 'sent', 0],
    ]);
    expect(msgs[0]!.subject).toBe('Your inquiry has been received');
    expect(msgs[0]!.text).toContain('2 calendar days');
  });

  it('should deliver to a real SMTP server and close the notice deadline with message_delivered', async () => {
    const server = await smtp();
    servers.push(server);
    t = await testEngine({ smtpUrl: `smtp://127.0.0.1:${server.port}` });
    await t.engine.start();
    const { view } = await t.engine.createCase('test-procedure', inquiry(), { actor: car });
    t.clock.advance(60_000);
    await t.engine.applyEvent(view.id, { type: 'extend', payload: { days: 5 } }, { actor: chairman });
    await t.engine.idle();
    expect(server.received).toHaveLength(2);
    expect(server.received[0]!.to).toEqual(['aigerim@example.kz']);
    // The body is quoted-printable: join its soft line breaks (`=` CRLF) before reading it.
    expect(server.received[1]!.raw.replace(/=\r?\n/g, '')).toContain('extended by 5 calendar days');
    const msgs = await t.engine.messages(view.id);
    expect(msgs.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(msgs[1]!.deliveryAttempts).toMatchObject([{ attempt: 1, outcome: 'sent' }]);
    const h = await t.engine.history(view.id);
    expect(h.map((e) => e.type)).toEqual(['created', 'extend', 'message_delivered']);
    expect(h[2]).toMatchObject({ role: 'system', payload: { messageId: msgs[1]!.id, template: 'extension_notice' } });
    const c = await t.engine.getCase(view.id);
    expect(c.deadlines.find((d) => d.key === 'notice')).toMatchObject({ status: 'met', open: false });
    expect((await t.engine.verify(view.id)).ok).toBe(true);
  });

  it('should retry with backoff while the server is down and send everything exactly once when it is back', async () => {
    const probe = await smtp();
    const port = probe.port;
    await probe.close(); // the port is now free: the server is "down"
    t = await testEngine({ smtpUrl: `smtp://127.0.0.1:${port}`, retry: { baseDelayMs: 1000, maxDelayMs: 60_000 } });
    await t.engine.start();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.engine.createCase('test-procedure', inquiry(), { actor: car })).view.id);
    await t.engine.applyEvent(ids[0]!, { type: 'reply', payload: { text: 'The answer.' } }, { actor: unit });
    await t.engine.idle();
    t.clock.advance(1000);
    await t.engine.idle();
    t.clock.advance(2000);
    await t.engine.idle();
    let msgs = (await Promise.all(ids.map((id) => t!.engine.messages(id)))).flat();
    expect(msgs).toHaveLength(4);
    // The first case's reply waits behind its acknowledgement (one case's mail in order).
    const [ack0, reply0, ...others] = msgs;
    expect(reply0).toMatchObject({ template: 'answer', status: 'queued', attempts: 0 });
    for (const m of [ack0!, ...others]) {
      expect(m).toMatchObject({ status: 'queued', attempts: 3 });
      expect(m.deliveryAttempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
      expect(m.lastError).toBeTruthy();
    }
    const server = await smtp(port);
    servers.push(server);
    t.clock.advance(3999); // the next attempt is 4 s after the third failure
    await t.engine.idle();
    expect(server.received).toHaveLength(0);
    t.clock.advance(1);
    await t.engine.idle();
    t.clock.advance(3600_000);
    await t.engine.idle();
    msgs = (await Promise.all(ids.map((id) => t!.engine.messages(id)))).flat();
    expect(msgs.map((m) => m.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(msgs.map((m) => m.deliveryAttempts.length)).toEqual([4, 1, 4, 4]);
    const idsReceived = server.received.map((r) => r.messageId);
    expect(idsReceived).toHaveLength(4);
    expect(new Set(idsReceived).size).toBe(4);
  });

  it('should back off exponentially up to a cap', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(p, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('mail templates', () => {
  // The data the machines send (machines/common/effects.ts); the exact bytes per template
  // and language are pinned in mail-templates.test.ts.
  const data: { [T in MailTemplate]: MailDataByTemplate[T] } = {
    acknowledgement: {
      receivedAt: '2025-03-06T10:00:00+05:00',
      kind: 'question',
      text: 'Вопрос',
      reviewDays: 15,
      reviewLastDay: '2025-03-26',
      reviewDueAt: '2025-03-26T19:00:00.000Z',
    },
    extension_notice: {
      days: 30,
      totalExtensionDays: 30,
      applicantReason: 'проверка',
      decidedAt: '2025-03-07T10:00:00+05:00',
      reviewLastDay: '2025-04-21',
      reviewDueAt: '2025-04-21T19:00:00.000Z',
    },
    answer: { question: 'Вопрос', text: 'Ответ', citations: ['Закон РК «О доступе к информации», ст. 11'] },
    redirect_notice: { organization: 'Министерство', reference: 'OD-1', reason: 'не по профилю', forwardedAt: '2025-03-10T10:00:00+05:00' },
  };

  it('should render every template in ru, kk and en from the data the machines send, without holes', () => {
    const render = <T extends MailTemplate>(t: T, language: Language) => renderMail(t, language, { name: 'Айгерим' }, data[t]);
    for (const template of MAIL_TEMPLATES) {
      for (const language of ['ru', 'kk', 'en'] as const) {
        const m = render(template, language);
        expect(m.subject.length).toBeGreaterThan(0);
        expect(m.text).not.toMatch(/undefined|null|NaN|\[object/);
        expect(m.text).toContain('Айгерим');
      }
    }
    for (const language of ['ru', 'kk', 'en'] as const) {
      expect(render('acknowledgement', language).text).toMatch(/15 .*2025-03-26/);
      expect(render('extension_notice', language).text).toMatch(/30 .*2025-04-21/);
      expect(render('extension_notice', language).text).toContain('проверка');
      expect(render('answer', language).text).toContain('Ответ');
      expect(render('answer', language).text).toContain('ст. 11');
      expect(render('redirect_notice', language).text).toMatch(/Министерство.*OD-1/);
    }
  });
});
