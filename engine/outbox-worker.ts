/**
 * Delivers queued mail through SMTP (nodemailer), at least once, with exponential backoff.
 * Every attempt is recorded in `delivery_attempts`. A message that closes a deadline (e.g.
 * the extension notice) makes the worker apply `message_delivered` {messageId, template,
 * deadline} (role system, occurredAt = delivery time) in the same transaction that marks
 * it sent, whatever the case's state (a closed case records it too). A message that
 * finally fails makes it apply `message_failed` {messageId, template, deadline?} in the
 * transaction that marks it failed: the case shows it as undelivered until staff resend
 * it (`resend_message`, which requeues the row for a new round of attempts).
 *
 * One case's mail goes out in the order it was queued: the storage lists only the first
 * queued message of each case (storage/port.ts `listDueMail`), so a later one waits while
 * an earlier one is retried; a finally failed one holds nothing back.
 *
 * Addresses are nodemailer address objects (`{name, address}`), never text put together
 * here: nodemailer encodes the display name, whatever it contains (quotes, `\`, `<`).
 *
 * Without a transport (no SMTP_URL) nothing is sent: messages stay `queued` and visible.
 * The Message-ID is stable per outbox row, so a resend after a crash between the SMTP
 * reply and the commit can be recognised by the receiver.
 */
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { OutboxRecord, Repositories, Storage } from '../storage/index.js';
import type { Clock } from './clock.js';
import type { TxContext } from './commit-queue.js';
import { isEngineError } from './errors.js';
import type { Logger } from './logger.js';
import type { Runner } from './runner.js';
import { LoopWorker, WorkerLoop } from './worker-loop.js';

/** A mailbox as nodemailer takes it: the name is encoded by nodemailer, never by us. */
export interface MailAddress {
  name: string;
  address: string;
}

/** What the worker needs from a transport (nodemailer's Transporter fits). */
export interface MailTransport {
  sendMail(message: {
    from: MailAddress;
    to: MailAddress;
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

export class OutboxWorker extends LoopWorker {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #runner: Runner;
  readonly #log: Logger;
  readonly #transport: MailTransport | undefined;
  readonly #from: MailAddress;
  readonly #retry: RetryPolicy;
  readonly #batch: number;
  protected readonly loop: WorkerLoop;
  readonly #sending = new Set<string>();

  constructor(o: OutboxWorkerOptions) {
    super();
    this.#storage = o.storage;
    this.#clock = o.clock;
    this.#runner = o.runner;
    this.#log = o.logger;
    this.#transport = o.transport;
    this.#from = parseMailbox(o.from ?? 'JSC QazIndustry <noreply@qazindustry.kz>');
    this.#retry = { ...DEFAULT_RETRY, ...(o.retry ?? {}) };
    this.#batch = o.batchSize ?? 20;
    this.loop = new WorkerLoop(
      o.clock,
      () => this.#deliverDue(),
      async () => (this.#transport ? this.#storage.read.outbox.nextMailAttemptAt() : undefined),
      (e) => this.#log.error({ err: e }, 'outbox worker failed'),
    );
  }

  get enabled(): boolean {
    return this.#transport !== undefined;
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
        to: { name: payload.to.name, address: payload.to.email },
        subject: payload.subject,
        text: payload.text,
        messageId: `<${message.id.replace(/:/g, '.')}@engine.qazindustry.kz>`,
        ...(message.caseId !== null ? { headers: { 'X-Case-Id': message.caseId } } : {}),
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
        await this.#record(repos, tx, message, 'message_delivered', sentAt);
      }
    });
    return 'sent';
  }

  /**
   * Applies the system event `type` about `message` to its case in the open unit (its own
   * savepoint): {messageId, template, deadline?}. No error text: it may quote the
   * recipient, and the history is permanent; the attempts keep it. A refusal (which the
   * record events should never meet) is logged and leaves the outbox write in place.
   */
  async #record(repos: Repositories, tx: TxContext, message: OutboxRecord, type: 'message_delivered' | 'message_failed', occurredAt: string): Promise<void> {
    const caseId = message.caseId;
    if (caseId === null) return;
    const payload = {
      messageId: message.id,
      template: message.template ?? '',
      ...(message.closesDeadline !== null ? { deadline: message.closesDeadline } : {}),
    };
    try {
      await tx.nested(() => this.#runner.applySystemEvent(repos, tx, caseId, { type, payload, occurredAt }));
    } catch (e) {
      if (!isEngineError(e)) throw e;
      this.#log.warn({ caseId: message.caseId, messageId: message.id, code: e.code }, `${type} was refused by the machine`);
    }
  }

  async #failed(message: OutboxRecord, attempt: number, startedAt: Date, e: unknown): Promise<DeliveryOutcome> {
    const error = e instanceof Error ? e.message : String(e);
    const finishedAt = this.#clock.now();
    // A resent message has a new round of attempts, counted from the resend.
    const inRound = attempt - (message.resentAtAttempt ?? 0);
    const final = inRound >= this.#retry.maxAttempts || isPermanent(e);
    const nextAt = new Date(finishedAt.getTime() + backoffMs(this.#retry, inRound)).toISOString();
    await this.#runner.queue.submit(async (repos, tx) => {
      await repos.outbox.insertAttempt({
        outboxId: message.id,
        attempt,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        outcome: 'failed',
        error,
        response: null,
      });
      if (final) {
        await repos.outbox.markFailed(message.id, error);
        // Staff mail is not the applicant's: its failure is the outbox's (and the log's), not the case's.
        if (message.kind === 'mail') await this.#record(repos, tx, message, 'message_failed', finishedAt.toISOString());
      } else await repos.outbox.markRetry(message.id, nextAt, error);
    });
    // The record keeps the server's words (staff read them, as they read the address); the
    // log must not carry personal data, and a refusal often quotes the recipient.
    this.#log.warn({ messageId: message.id, attempt, error: redactRecipient(error, message), final }, 'mail delivery failed');
    return final ? 'failed' : 'retry';
  }
}

/**
 * The configured sender (`MAIL_FROM`, e.g. `QazIndustry <no-reply@example.kz>`) as one
 * address object, read once by nodemailer's own parser; anything but exactly one mailbox
 * with an address is a configuration error.
 */
export function parseMailbox(text: string): MailAddress {
  const parsed = addressparser(text);
  const one = parsed.length === 1 ? parsed[0] : undefined;
  if (!one || 'group' in one || !one.address || !one.address.includes('@')) {
    throw new Error(`the sender must be one mailbox, e.g. "QazIndustry <no-reply@example.kz>"; got ${JSON.stringify(text)}`);
  }
  return { name: one.name ?? '', address: one.address };
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
