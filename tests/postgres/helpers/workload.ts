/**
 * The write load of the PostgreSQL reliability suites (soak, restart) and its audit: every
 * command carries a unique marker in its payload (how it is found in the history) and an
 * Idempotency-Key (how it is retried when its answer was lost), as in
 * tests/reliability/sigkill-soak.test.ts.
 *
 * An answer is one of: acknowledged (2xx: must be in the history at its seq, once),
 * refused (409 version_conflict: must not be stored), in doubt (no answer, or 503: the
 * commit may or may not have happened; retried with the same key until it is answered), or
 * unexpected (anything else: a failure of the suite).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../../server/auth.js';
import { callAs, type Answer } from '../../helpers/server-process.js';

export const TOKEN = 'pg-soak-token-car';

/** The users file every server of a run shares (one `car` user: creates feedback-inquiry cases, comments). */
export function writeUsersFile(dir: string): string {
  const file = join(dir, 'users.json');
  writeFileSync(file, JSON.stringify({ users: [{ name: 'soak-car', roles: ['car'], tokenSha256: sha256Hex(TOKEN) }] }));
  return file;
}

export type { Answer };

/** One HTTP call as `car` (tests/helpers/server-process.ts `callAs`). */
export const call = callAs(TOKEN);

export interface Command {
  n: number;
  key: string;
  marker: string;
  op: 'create' | 'comment';
  caseId?: string;
  ifMatch?: number;
  /** A create whose receipt is dated `BACKDATED_DAYS` ago: its `review` deadline is past due at once. */
  backdated?: { occurredAt: string };
}
export interface Ack {
  caseId: string;
  seq: number;
}

/** Days a back-dated receipt lies in the past: more than the review's 15 calendar days (MAX_BACKDATING must allow it). */
export const BACKDATED_DAYS = 20;

export type Outcome = 'acked' | 'refused' | 'retry' | 'unexpected';

export class Workload {
  readonly commands = new Map<number, Command>();
  /** Command n → its first 2xx answer. */
  readonly acked = new Map<number, Ack>();
  /** Command n → its 409 (answered: not retried). */
  readonly refused = new Map<number, number>();
  /** Sent, answer unknown (network failure, 503): to be retried with the same key. */
  readonly inDoubt = new Set<number>();
  /** Case id → highest acknowledged seq. */
  readonly seqOf = new Map<string, number>();
  /** Answers that are none of the above (500s first of all), for the failure message. */
  readonly unexpected: string[] = [];
  readonly stats = { sent: 0, acked: 0, replayChecks: 0, replayMismatches: 0, refused409: 0, answered503: 0, networkFailures: 0, fiveHundreds: 0 };
  /** 503 answers by error code. */
  readonly codes503 = new Map<string, number>();
  #n = 0;

  constructor(private readonly o: { backdatedShare?: number; prefix?: string } = {}) {}

  /** A new command: a create (a quarter of them, or while there are few cases) or a comment, some with If-Match. */
  next(): Command {
    const ids = [...this.seqOf.keys()];
    const k = ++this.#n;
    const base = { n: k, key: `${this.o.prefix ?? 'pg'}-${k}`, marker: `m-${this.o.prefix ?? 'pg'}-${k}` };
    let c: Command;
    if (ids.length < 4 || Math.random() < 0.25) {
      c = { ...base, op: 'create' };
      if (Math.random() < (this.o.backdatedShare ?? 0)) c.backdated = { occurredAt: new Date(Date.now() - BACKDATED_DAYS * 86_400_000).toISOString() };
    } else {
      const caseId = ids[Math.floor(Math.random() * ids.length)]!;
      c = { ...base, op: 'comment', caseId, ...(Math.random() < 0.3 ? { ifMatch: this.seqOf.get(caseId)! } : {}) };
    }
    this.commands.set(k, c);
    return c;
  }

  /** Sends `c` (the same key and body every time); throws on a network failure. */
  send(base: string, c: Command, timeoutMs?: number): Promise<Answer> {
    const headers: Record<string, string> = { 'idempotency-key': c.key };
    if (c.ifMatch !== undefined) headers['if-match'] = `"${c.ifMatch}"`;
    if (c.op === 'create') {
      const input = { applicant: { name: 'A', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: c.marker };
      const body = c.backdated
        ? { procedure: 'feedback-inquiry', input, occurredAt: c.backdated.occurredAt, backdatingReason: 'received by post, registered late (soak)' }
        : { procedure: 'feedback-inquiry', input };
      return call(base, 'POST', '/cases', body, headers, timeoutMs);
    }
    return call(base, 'POST', `/cases/${c.caseId}/events`, { type: 'comment', text: c.marker }, headers, timeoutMs);
  }

  /** Sends `c` and records the outcome; a network failure puts it in doubt. */
  async sendAndRecord(base: string, c: Command, timeoutMs?: number): Promise<{ outcome: Outcome; answer?: Answer }> {
    this.stats.sent++;
    let answer: Answer;
    try {
      answer = await this.send(base, c, timeoutMs);
    } catch {
      this.stats.networkFailures++;
      this.inDoubt.add(c.n);
      return { outcome: 'retry' };
    }
    return { outcome: this.record(c, answer), answer };
  }

  record(c: Command, r: Answer): Outcome {
    if (r.status >= 200 && r.status < 300) {
      this.inDoubt.delete(c.n);
      const ack = { caseId: String(r.body.id), seq: Number(r.body.seq) };
      const first = this.acked.get(c.n);
      if (first) {
        // A retry of an acknowledged command: the first answer again, never a second application.
        this.stats.replayChecks++;
        if (first.caseId !== ack.caseId || first.seq !== ack.seq) this.stats.replayMismatches++;
      } else {
        this.acked.set(c.n, ack);
        this.stats.acked++;
      }
      this.seqOf.set(ack.caseId, Math.max(this.seqOf.get(ack.caseId) ?? 0, ack.seq));
      return 'acked';
    }
    const code = String((r.body.error as { code?: unknown } | undefined)?.code ?? '?');
    if (r.status === 409 && code === 'version_conflict') {
      this.inDoubt.delete(c.n);
      this.refused.set(c.n, r.status);
      this.stats.refused409++;
      return 'refused';
    }
    if (r.status === 503 && (code === 'storage_unavailable' || code === 'storage_busy')) {
      this.stats.answered503++;
      this.codes503.set(code, (this.codes503.get(code) ?? 0) + 1);
      this.inDoubt.add(c.n);
      return 'retry';
    }
    if (r.status >= 500) this.stats.fiveHundreds++;
    this.unexpected.push(`${c.op} ${c.key} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return 'unexpected';
  }

  /** The case ids of every acknowledged command. */
  caseIds(): string[] {
    return [...new Set([...this.acked.values()].map((a) => a.caseId))];
  }

  /**
   * Everything acknowledged is in the history, once, at its seq; nothing refused is; every
   * chain verifies (GET /verify); each back-dated case's `review` fired `deadline_missed`
   * exactly once, at its dueAt, and no other case's did.
   */
  async audit(base: string): Promise<AuditResult> {
    const markers = new Map<string, { caseId: string; seq: number }[]>();
    const r: AuditResult = { cases: 0, lost: 0, verifyFailures: 0, appliedTwice: 0, refusedButStored: 0, backdatedCases: 0, timersFired: 0, timerProblems: [] };
    const backdatedMarkers = new Set([...this.commands.values()].filter((c) => c.backdated).map((c) => c.marker));
    for (const id of this.caseIds()) {
      r.cases++;
      const h = await call(base, 'GET', `/cases/${id}/history`);
      if (h.status !== 200) throw new Error(`GET /cases/${id}/history → ${h.status} ${JSON.stringify(h.body)}`);
      const events = h.body.events as { seq: number; type: string; occurredAt: string; payload: { text?: string; key?: string; input?: { text?: string } } }[];
      for (const ev of events) {
        const text = ev.payload.text ?? ev.payload.input?.text;
        if (typeof text === 'string' && text.startsWith('m-')) markers.set(text, [...(markers.get(text) ?? []), { caseId: id, seq: ev.seq }]);
      }
      const creation = events[0]?.payload.input?.text ?? events[0]?.payload.text;
      const missed = events.filter((e) => e.type === 'deadline_missed');
      if (creation !== undefined && backdatedMarkers.has(creation)) {
        r.backdatedCases++;
        const view = await call(base, 'GET', `/cases/${id}`);
        const review = (view.body.deadlines as { key: string; dueAt: string }[]).find((d) => d.key === 'review');
        const fired = missed.filter((e) => e.payload.key === 'review');
        r.timersFired += fired.length;
        if (fired.length !== 1 || !review || Date.parse(fired[0]!.occurredAt) !== Date.parse(review.dueAt)) {
          r.timerProblems.push(`${id}: review due ${review?.dueAt}, deadline_missed ${JSON.stringify(fired.map((e) => e.occurredAt))}`);
        }
      } else if (missed.length > 0) {
        r.timerProblems.push(`${id}: not back-dated, yet deadline_missed ${JSON.stringify(missed.map((e) => e.payload.key))}`);
      }
      const v = await call(base, 'GET', `/cases/${id}/verify`);
      if (!(v.status === 200 && v.body.ok === true)) r.verifyFailures++;
    }
    for (const [k, a] of this.acked) {
      const where = markers.get(this.commands.get(k)!.marker) ?? [];
      if (!where.some((w) => w.caseId === a.caseId && w.seq === a.seq)) r.lost++;
    }
    for (const where of markers.values()) if (where.length > 1) r.appliedTwice++;
    for (const k of this.refused.keys()) if (markers.has(this.commands.get(k)!.marker)) r.refusedButStored++;
    return r;
  }
}

export interface AuditResult {
  cases: number;
  lost: number;
  verifyFailures: number;
  appliedTwice: number;
  refusedButStored: number;
  backdatedCases: number;
  /** `deadline_missed` of `review` found on back-dated cases (one each when all is well). */
  timersFired: number;
  timerProblems: string[];
}
