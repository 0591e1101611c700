import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKzCalendar } from '../../calendars/index.js';
import { SimulatedClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { EngineError } from '../../engine/errors.js';
import { procedures } from '../../machines/index.js';
import type { Actor } from '../../machines/contract.js';
import { tmpDir } from './fixtures/helpers.js';

const car: Actor = { name: 'Dana', role: 'car' };
const supervisor: Actor = { name: 'Deputy', role: 'supervisor' };
const unit: Actor = { name: 'Legal unit', role: 'unit' };
const chairman: Actor = { name: 'Chairman', role: 'chairman' };
const press: Actor = { name: 'PS', role: 'press_secretary' };

const question = {
  applicant: { name: 'Айгерим', email: 'aigerim@example.kz' },
  language: 'ru',
  kind: 'question',
  text: 'Как подать заявку на экспортную поддержку?',
};

async function smtp(): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _s, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('engine with the real feedback-inquiry procedure', () => {
  let engine: Engine;
  let clock: SimulatedClock;
  let mail: Awaited<ReturnType<typeof smtp>>;
  let cleanup: () => void;
  beforeEach(async () => {
    const d = tmpDir('fi-');
    cleanup = d.cleanup;
    mail = await smtp();
    clock = new SimulatedClock('2025-03-06T05:00:00Z'); // Thursday 10:00 in Almaty
    engine = await createEngine({
      databasePath: join(d.dir, 'fi.db'),
      clock,
      calendar: loadKzCalendar(),
      procedures,
      smtpUrl: `smtp://127.0.0.1:${mail.port}`,
    });
    await engine.start();
  });
  afterEach(async () => {
    await engine.close();
    await mail.close();
    cleanup();
  });

  it('should run a question from receipt to the answer, with mail, the extension notice and a verifiable history', async () => {
    const created = await engine.createCase('feedback-inquiry', question, { actor: car });
    const id = created.view.id;
    expect(created.view.deadlines.find((d) => d.key === 'review')).toMatchObject({ lastDay: '2025-03-26', status: 'pending' });
    await engine.idle();
    expect(mail.received).toHaveLength(1);
    expect((await engine.messages(id))[0]).toMatchObject({ template: 'acknowledgement', status: 'sent', language: 'ru' });
    expect((await engine.messages(id))[0]!.text).toContain('2025-03-26');

    clock.advance(3600_000);
    await engine.applyEvent(id, { type: 'register', payload: { registrationNumber: 'ЗТ-1' } }, { actor: car });
    await engine.applyEvent(id, { type: 'assign', payload: { unit: 'Legal' } }, { actor: supervisor });
    await engine.applyEvent(id, { type: 'extend', payload: { days: 30, reason: 'проверка' } }, { actor: chairman });
    await engine.idle();
    let view = await engine.getCase(id);
    expect(view.deadlines.find((d) => d.key === 'review')).toMatchObject({ lastDay: '2025-04-21' });
    expect(view.deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ status: 'met', open: false });
    const history = await engine.history(id);
    expect(history.map((e) => e.type)).toEqual(['created', 'register', 'assign', 'extend', 'message_delivered']);

    clock.advance(3600_000);
    await engine.applyEvent(
      id,
      { type: 'submit_answer', payload: { text: 'Ответ по существу.', citations: ['Правила, п. 40'], language: 'ru' } },
      { actor: unit },
    );
    const done = await engine.applyEvent(id, { type: 'approve_answer', payload: {} }, { actor: supervisor, expectedSeq: 6 });
    expect(done.view).toMatchObject({ status: 'done', seq: 7 });
    await engine.idle();
    expect(mail.received).toHaveLength(3);
    expect((await engine.messages(id)).map((m) => [m.template, m.status])).toEqual([
      ['acknowledgement', 'sent'],
      ['extension_notice', 'sent'],
      ['answer', 'sent'],
    ]);
    expect(await engine.verify(id)).toMatchObject({ ok: true, events: 7, problems: [] });
    view = await engine.replay(id, 4);
    expect(view.deadlines.find((d) => d.key === 'extension_notice')).toMatchObject({ open: true });
  });

  it('should fire deadline_missed for the review term and keep the case going', async () => {
    const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
    clock.set('2025-03-27T00:00:00Z'); // after 24:00 of 2025-03-26 in Almaty (19:00Z)
    await engine.idle();
    const h = await engine.history(view.id);
    expect(h.map((e) => [e.type, e.occurredAt])).toContainEqual(['deadline_missed', '2025-03-26T19:00:00.000Z']);
    const c = await engine.getCase(view.id);
    expect(c.overdue).toBe(true);
    expect(c.deadlines.find((d) => d.key === 'review')!.status).toBe('missed');
    expect((await engine.listCases({ overdue: true })).cases.map((x) => x.id)).toEqual([view.id]);
    expect((await engine.verify(view.id)).ok).toBe(true);
  });

  it('should refuse bad input with a precise path and wrong roles with forbidden', async () => {
    const e = await engine.createCase('feedback-inquiry', { ...question, applicant: { name: 'A' } }, { actor: car }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('invalid_request');
    expect((e as EngineError).message).toContain('/applicant');
    const { view } = await engine.createCase('feedback-inquiry', question, { actor: car });
    const f = await engine.applyEvent(view.id, { type: 'register', payload: { registrationNumber: 'X' } }, { actor: press }).catch((x: unknown) => x);
    expect((f as EngineError).code).toBe('forbidden');
  });

  it('should refuse a year the calendar does not know', async () => {
    clock.set('2031-01-10T05:00:00Z');
    const e = await engine.createCase('feedback-inquiry', question, { actor: car }).catch((x: unknown) => x);
    expect((e as EngineError).code).toBe('calendar_year_unknown');
  });
});
