/**
 * Delivers queued mail through SMTP (nodemailer), at least once, with exponential backoff.
 * Every attempt is recorded in `delivery_attempts`. A message that closes a deadline (e.g.
 * the extension notice) makes the worker apply `message_delivered` {messageId, template}
 * (role system, occurredAt = delivery time) in the same transaction that marks it sent.
 *
 * Without a transport (no SMTP_URL) nothing is sent: messages stay `queued` and visible.
 * The Message-ID is stable per outbox row, so a resend after a crash between the SMTP
 * reply and the commit can be recognised by the receiver.
 */
import nodemailer from 'nodemailer';
import type { OutboxRecord, Storage } from '../storage/index.js';
import type { Clock } from './clock.js';
import { isEngineError } from './errors.js';
import type { Logger } from './logger.js';
import type { Runner } from './runner.js';
import { WorkerLoop } from './worker-loop.js';

/** What the worker needs from a transport (nodemailer's Transporter fits). */
export interface MailTransport {
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    messageId: string;
    headers?: Record<string, string>;
  }): Promise<{ messageId?: string; response?: string; accepted?: unknown[]; rejected?: unknown[] }>;
  close?(): void;
}

export interface RetryPolicy {
  /** Attempts before a message is marked failed. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a claimed message is reserved for one attempt (a crash mid-send retries after it). */
  leaseMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 30_000, maxDelayMs: 6 * 3600_000, leaseMs: 5 * 60_000 };

/** Delay before attempt n+1 after n failed attempts: base·2^(n−1), capped. */
export function backoffMs(policy: RetryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

export function smtpTransport(smtpUrl: string): MailTransport {
  return nodemailer.createTransport(smtpUrl) as unknown as MailTransport;
}

export interface OutboxWorkerOptions {
  storage: Storage;
  clock: Clock;
  runner: Runner;
  logger: Logger;
  transport?: MailTransport | undefined;
  from?: string;
  retry?: Partial<RetryPolicy>;
  batchSize?: number;
}

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'skipped';

export class OutboxWorker {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #runner: Runner;
  readonly #log: Logger;
  readonly #transport: MailTransport | undefined;
  readonly #from: string;
  readonly #retry: RetryPolicy;
  readonly #batch: number;
  readonly #loop: WorkerLoop;
  readonly #sending = new Set<string>();

  constructor(o: OutboxWorkerOptions) {
    this.#storage = o.storage;
    this.#clock = o.clock;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#transport = o.transport;
    this.#from = o.from ?? 'JSC QazIndustry <noreply@qazindustry.kz>';
    this.#retry = { ...DEFAULT_RETRY, ...(o.retry ?? {}) };
    this.#batch = o.batchSize ?? 20;
    this.#loop = new WorkerLoop(
      o.clock,
      () => this.#deliverDue(),
      async () => (this.#transport ? this.#storage.read.outbox.nextMailAttemptAt() : undefined),
      (e) => this.#log.error({ err: e }, 'outbox worker failed'),
    );
  }

  get enabled(): boolean {
    return this.#transport !== undefined;
  }
  start(): Promise<void> {
    return this.#loop.start();
  }
  stop(): Promise<void> {
    return this.#loop.stop();
  }
  poke(): Promise<void> {
    return this.#loop.poke();
  }
  whenIdle(): Promise<void> {
    return this.#loop.whenIdle();
  }
  get busy(): boolean {
    return this.#loop.busy;
  }

  async #deliverDue(): Promise<void> {
    if (!this.#transport) return;
    for (;;) {
      const due = await this.#storage.read.outbox.listDueMail(this.#clock.now().toISOString(), this.#batch);
      if (due.length === 0) return;
      const outcomes = await Promise.all(due.map((m) => this.deliver(m)));
      if (due.length < this.#batch || outcomes.every((o) => o === 'skipped')) return;
    }
  }

  /** One attempt at one message. */
  async deliver(message: OutboxRecord): Promise<DeliveryOutcome> {
    const transport = this.#transport;
    if (!transport) return 'skipped';
    // One attempt at a time per message in this process, even if a hung send outlives its lease.
    if (this.#sending.has(message.id)) return 'skipped';
    this.#sending.add(message.id);
    try {
      return await this.#attempt(transport, message);
    } finally {
      this.#sending.delete(message.id);
    }
  }

  async #attempt(transport: MailTransport, message: OutboxRecord): Promise<DeliveryOutcome> {
    const startedAt = this.#clock.now();
    const lease = new Date(startedAt.getTime() + this.#retry.leaseMs).toISOString();
    const claimed = await this.#runner.queue.submit((repos) => repos.outbox.claim(message.id, message.attempts, lease));
    if (!claimed) return 'skipped';
    const attempt = message.attempts + 1;
    const payload = JSON.parse(message.payloadJson) as { to: { name: string; email: string }; subject: string; text: string };
    let info: Awaited<ReturnType<MailTransport['sendMail']>>;
    try {
      info = await transport.sendMail({
        from: this.#from,
        to: payload.to.name ? `"${payload.to.name.replace(/"/g, "'")}" <${payload.to.email}>` : payload.to.email,
        subject: payload.subject,
        text: payload.text,
        messageId: `<${message.id.replace(/:/g, '.')}@engine.qazindustry.kz>`,
        headers: { 'X-Case-Id': message.caseId },
      });
    } catch (e) {
      return this.#failed(message, attempt, startedAt, e);
    }
    const sentAt = this.#clock.now().toISOString();
    await this.#runner.queue.submit(async (repos, tx) => {
      await repos.outbox.markSent(message.id, sentAt);
      await repos.outbox.insertAttempt({
        outboxId: message.id,
        attempt,
        startedAt: startedAt.toISOString(),
        finishedAt: sentAt,
        outcome: 'sent',
        error: null,
        response: info.response ?? null,
      });
      if (message.closesDeadline !== null) {
        try {
          await tx.nested(() =>
            this.#runner.applySystemEvent(repos, tx, message.caseId, {
              type: 'message_delivered',
              payload: { messageId: message.id, template: message.template ?? '' },
              occurredAt: sentAt,
            }),
          );
        } catch (e) {
          if (!isEngineError(e)) throw e;
          this.#log.warn({ caseId: message.caseId, messageId: message.id, err: e }, 'message_delivered was refused by the machine');
        }
      }
    });
    return 'sent';
  }

  async #failed(message: OutboxRecord, attempt: number, startedAt: Date, e: unknown): Promise<DeliveryOutcome> {
    const error = e instanceof Error ? e.message : String(e);
    const finishedAt = this.#clock.now();
    const final = attempt >= this.#retry.maxAttempts || isPermanent(e);
    const nextAt = new Date(finishedAt.getTime() + backoffMs(this.#retry, attempt)).toISOString();
    await this.#runner.queue.submit(async (repos) => {
      await repos.outbox.insertAttempt({
        outboxId: message.id,
        attempt,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        outcome: 'failed',
        error,
        response: null,
      });
      if (final) await repos.outbox.markFailed(message.id, error);
      else await repos.outbox.markRetry(message.id, nextAt, error);
    });
    // The record keeps the server's words (staff read them, as they read the address); the
    // log must not carry personal data, and a refusal often quotes the recipient.
    this.#log.warn({ messageId: message.id, attempt, error: redactRecipient(error, message), final }, 'mail delivery failed');
    return final ? 'failed' : 'retry';
  }
}

/** SMTP 5xx replies (other than 421-like transient ones) will not succeed on retry. */
function isPermanent(e: unknown): boolean {
  const code = (e as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** `text` without the message's recipient address and name (for logs). */
export function redactRecipient(text: string, message: OutboxRecord): string {
  let out = text;
  const to = (JSON.parse(message.payloadJson) as { to?: { name?: string; email?: string } }).to;
  for (const s of [message.recipient, to?.email, to?.name]) {
    if (s) out = out.split(s).join('[recipient]');
  }
  return out;
}
