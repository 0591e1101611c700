/**
 * The site's mandatory content (Правила п. 9, issue 18 §3): the register of the seven kinds
 * of information, their periodic review, and the compliance of each kind.
 *
 * - **The register** (storage `site_content_revisions`, append-only): per kind, the page
 *   URL and the responsible unit. A change is a new revision, written only against the
 *   revision the writer saw (`expected`, HTTP `If-Match`), checked in the same transaction:
 *   two editors who saw revision 3 cannot both write revision 4. Each revision is also an
 *   entry of the transparency log (engine/ledger/entries.ts `siteContentEntry`), which
 *   `ledger verify` checks the stored revisions against.
 * - **The review** (`SITE_REVIEW_PERIOD`: `quarterly`, `monthly` or `off`): once per period
 *   (Asia/Almaty) the engine opens one `site-content-review` case per kind that has a
 *   responsible unit, for that unit (machines/site-content-review). It opens none twice:
 *   a kind whose case of the period exists is skipped, and the creation carries an
 *   idempotency key of the kind and period, so two processes opening at the same moment
 *   make one case. A kind without a unit, or whose unit is no longer configured, gets
 *   none (the register names no one to ask).
 * - **Compliance** is computed, never stored: from the register and the kind's latest
 *   closed review (its outcome and instant, from the case's context).
 *   - `missing`: no page named (`no_page`), or the latest review reported the information
 *     missing and the register has not changed since (`reported_missing`);
 *   - `present`: the latest review confirmed the page in this period or the one before;
 *   - `stale`: otherwise (`never_reviewed`, or `review_due`: the last confirmation is older,
 *     or a missing report was followed by a new page nobody has reviewed yet).
 *   With the review off, the freshness is still counted in quarters.
 *
 * The register is no personal data: every staff role reads it; the press secretary (who
 * coordinates the site, п. 8) and the site administrator change it.
 */
import type { Actor } from '../machines/contract.js';
import { isHttpUrl } from '../machines/common/events.js';
import { SITE_CONTENT_KINDS, isSiteContentKind, type SiteContentKind } from '../machines/site-content-review/site-content.kinds.js';
import { formatDay, parseDay } from '../calendars/dates.js';
import type { BusinessCalendar, IsoDate } from '../calendars/types.js';
import type { CaseRecord, Repositories, SiteContentRevisionRecord } from '../storage/index.js';
import type { Clock } from './clock.js';
import { SYSTEM_ACTOR, type CreateOptions } from './commands.js';
import type { CommandResult } from './idempotency.js';
import type { CommitQueue } from './commit-queue.js';
import { EngineError, toEngineError } from './errors.js';
import type { Logger } from './logger.js';
import { PeriodicTask } from './periodic.js';
import type { UnitDirectory } from './units.js';

export const SITE_REVIEW_PROCEDURE = 'site-content-review';
export const SITE_REVIEW_PERIODS = ['quarterly', 'monthly', 'off'] as const;
export type SiteReviewPeriod = (typeof SITE_REVIEW_PERIODS)[number];

export type ComplianceStatus = 'present' | 'missing' | 'stale';
export type ComplianceReason = 'confirmed' | 'no_page' | 'reported_missing' | 'never_reviewed' | 'review_due';

export interface SiteContentReviewRef {
  caseId: string;
  period: string;
  state: string;
}

export interface SiteContentEntry {
  kind: SiteContentKind;
  /** The sub-item of п. 9 (`п. 9, пп. 4`). */
  item: string;
  /** The Rules' words for the kind (ru) and an English gloss. */
  title: { ru: string; en: string };
  url: string | null;
  unit: string | null;
  note: string | null;
  /** The current revision: 0 while the kind was never set (`If-Match: "0"` sets it first). */
  revision: number;
  changedAt: string | null;
  changedBy: string | null;
  /** The latest closed review: its outcome and when the unit gave it (the "last reviewed" date). */
  lastReview?: SiteContentReviewRef & { result: 'present' | 'missing'; at: string; url?: string; note?: string };
  /** The review open now, if any: its deadline's due instant and last day (the calendar's zone). */
  openReview?: SiteContentReviewRef & { dueAt: string | null; lastDay: string | null };
  compliance: { status: ComplianceStatus; reason: ComplianceReason };
}

export interface SiteContentRegister {
  now: string;
  /** SITE_REVIEW_PERIOD, and the period now (null when the review is off). */
  reviewPeriod: SiteReviewPeriod;
  period: string | null;
  /** A confirmation at or after this instant is fresh (the start of the previous period). */
  freshSince: string;
  counts: Record<ComplianceStatus, number>;
  kinds: SiteContentEntry[];
}

export interface SiteContentChange {
  url: string | null;
  unit: string | null;
  note?: string | undefined;
}

/** The review period containing `day` (Asia/Almaty): `2026-Q4` or `2026-12`. */
export function periodOf(day: IsoDate, period: Exclude<SiteReviewPeriod, 'off'>): string {
  const year = day.slice(0, 4);
  const month = Number(day.slice(5, 7));
  return period === 'monthly' ? `${year}-${day.slice(5, 7)}` : `${year}-Q${Math.ceil(month / 3)}`;
}

/** The first day of the period before the one containing `day`. */
export function previousPeriodStart(day: IsoDate, period: Exclude<SiteReviewPeriod, 'off'>): IsoDate {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const length = period === 'monthly' ? 1 : 3;
  const first = month - ((month - 1) % length);
  let m = first - length;
  let y = year;
  if (m < 1) {
    m += 12;
    y -= 1;
  }
  return `${y}-${String(m).padStart(2, '0')}-01` as IsoDate;
}

/** A page URL as the register keeps it: absolute http(s), at most 2,000 characters (as the review's `confirm_present`). */
function checkUrl(url: string): void {
  if (url.length > 2000 || !isHttpUrl(url)) {
    throw new EngineError('invalid_request', `url must be an absolute http(s) address of a page of the site, e.g. https://qazindustry.gov.kz/news; got ${JSON.stringify(url.slice(0, 100))}`);
  }
}

interface ReviewContext {
  kind?: string;
  period?: string;
  outcome?: { result: 'present' | 'missing'; url?: string; note?: string; at: string };
  deadlines?: Record<string, { dueAt?: string; lastDay?: string } | undefined>;
}

interface ReviewCase {
  id: string;
  kind: string;
  period: string;
  state: string;
  status: 'active' | 'done';
  createdAt: string;
  context: ReviewContext;
}

export class SiteContent {
  readonly #queue: CommitQueue;
  readonly #read: Repositories;
  readonly #clock: Clock;
  readonly #calendar: () => BusinessCalendar;
  readonly #createCase: (procedure: string, input: Record<string, unknown>, o: CreateOptions) => Promise<CommandResult>;
  readonly #units: UnitDirectory | undefined;
  readonly #logger: Logger;
  readonly #task: PeriodicTask;
  readonly period: SiteReviewPeriod;

  constructor(o: {
    queue: CommitQueue;
    read: Repositories;
    clock: Clock;
    calendar: () => BusinessCalendar;
    createCase: (procedure: string, input: Record<string, unknown>, o: CreateOptions) => Promise<CommandResult>;
    logger: Logger;
    period?: SiteReviewPeriod;
    units?: UnitDirectory;
    /** How often the worker looks for a period without its reviews (default hourly). */
    everyMs?: number;
  }) {
    this.#queue = o.queue;
    this.#read = o.read;
    this.#clock = o.clock;
    this.#calendar = o.calendar;
    this.#createCase = o.createCase;
    this.#units = o.units;
    this.#logger = o.logger;
    this.period = o.period ?? 'quarterly';
    this.#task = new PeriodicTask(
      o.everyMs ?? 60 * 60 * 1000,
      async () => void (await this.openDue()),
      (e) => this.#logger.warn({ err: e }, 'site content: the review check failed; retrying at the next check'),
    );
  }

  /** The register with each kind's reviews and compliance, as of now. */
  register(): Promise<SiteContentRegister> {
    return this.#reading(async () => {
      const now = this.#clock.now();
      const calendar = this.#calendar();
      const today = calendar.dayOf(now);
      const freshness = this.period === 'off' ? 'quarterly' : this.period;
      const previous = previousPeriodStart(today, freshness);
      const freshSince = calendar.endOfDay(formatDay(parseDay(previous) - 1));
      const current = new Map((await this.#read.siteContent.current()).map((r) => [r.kind, r]));
      const reviews = await this.#reviews();
      const kinds = SITE_CONTENT_KINDS.map((k) => entryOf(k, current.get(k.key), reviews, freshSince));
      const counts: Record<ComplianceStatus, number> = { present: 0, missing: 0, stale: 0 };
      for (const k of kinds) counts[k.compliance.status] += 1;
      return {
        now: now.toISOString(),
        reviewPeriod: this.period,
        period: this.period === 'off' ? null : periodOf(today, this.period),
        freshSince,
        counts,
        kinds,
      };
    });
  }

  /** Every revision of a kind, oldest first (404 for a kind п. 9 does not have). */
  history(kind: string): Promise<SiteContentRevisionRecord[]> {
    return this.#reading(async () => {
      this.#kind(kind);
      return this.#read.siteContent.history(kind);
    });
  }

  /**
   * Writes the next revision of `kind`, if the current one is `expected` (0: never set);
   * otherwise 409 `version_conflict` with the current revision. The check and the write
   * are one transaction. Returns the new revision.
   */
  async update(kind: string, change: SiteContentChange, actor: Actor, expected: number): Promise<SiteContentRevisionRecord> {
    this.#kind(kind);
    if (change.url !== null) checkUrl(change.url);
    if (change.unit !== null) {
      if (change.unit.trim() === '' || change.unit.length > 200) throw new EngineError('invalid_request', 'unit must be a unit name of 1–200 characters, or null');
      if (this.#units && !this.#units.units.includes(change.unit)) {
        throw new EngineError('invalid_request', `unit must be one of the configured units (UNITS_FILE); got ${JSON.stringify(change.unit)}`, {
          units: this.#units.units,
        });
      }
    }
    const note = change.note === undefined || change.note.trim() === '' ? null : change.note;
    if (note !== null && note.length > 2000) throw new EngineError('invalid_request', 'note must be at most 2,000 characters');
    try {
      return await this.#queue.submit(async (repos) => {
        const history = await repos.siteContent.history(kind);
        const top = history[history.length - 1];
        const revision = top?.revision ?? 0;
        if (revision !== expected) {
          throw new EngineError('version_conflict', `the register entry of ${kind} is at revision ${revision}, not ${expected}: reload it and apply the change again`, {
            revision,
          });
        }
        if (top && top.url === change.url && top.unit === change.unit && note === null) return top;
        const record: SiteContentRevisionRecord = {
          kind,
          revision: revision + 1,
          url: change.url,
          unit: change.unit,
          note,
          changedAt: this.#clock.now().toISOString(),
          changedBy: actor.name,
          role: actor.role,
        };
        await repos.siteContent.insert(record);
        return record;
      });
    } catch (e) {
      throw toEngineError(e);
    }
  }

  /**
   * Opens the reviews of the current period that are not open yet: one per kind with a
   * responsible unit. Returns the ids of the cases it created. Nothing when the review is off.
   */
  async openDue(): Promise<string[]> {
    if (this.period === 'off') return [];
    const now = this.#clock.now();
    const period = periodOf(this.#calendar().dayOf(now), this.period);
    const [current, reviews] = await this.#reading(async () => [await this.#read.siteContent.current(), await this.#reviews()] as const);
    const opened: string[] = [];
    for (const entry of current) {
      if (entry.unit === null || !isSiteContentKind(entry.kind)) continue;
      if (reviews.some((r) => r.kind === entry.kind && r.period === period)) continue;
      if (this.#units && !this.#units.units.includes(entry.unit)) {
        // A unit gone from UNITS_FILE: a review for it would wait in nobody's queue.
        this.#logger.warn({ kind: entry.kind, period }, 'site content: the register names a unit that is not configured; no review opened until the entry is corrected');
        continue;
      }
      const input = { kind: entry.kind, unit: entry.unit, period, ...(entry.url !== null ? { url: entry.url } : {}) };
      try {
        const res = await this.#createCase(SITE_REVIEW_PROCEDURE, input, { actor: SYSTEM_ACTOR, idempotencyKey: `site-content-review/${period}/${entry.kind}` });
        if (res.status === 201) opened.push(res.view.id);
      } catch (e) {
        // One kind's failure (a unit gone from UNITS_FILE, the database away) stops no other.
        this.#logger.warn({ err: e, kind: entry.kind, period }, 'site content: the review could not be opened; retrying at the next check');
      }
    }
    if (opened.length > 0) this.#logger.info({ period, opened: opened.length }, 'site content: reviews opened');
    return opened;
  }

  /** Opens the due reviews now, then checks every `everyMs` (nothing when the review is off). */
  async start(): Promise<void> {
    if (this.period !== 'off') await this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  #kind(kind: string): asserts kind is SiteContentKind {
    if (!isSiteContentKind(kind)) {
      throw new EngineError('not_found', `п. 9 has no kind of information ${JSON.stringify(kind)}`, { kinds: SITE_CONTENT_KINDS.map((k) => k.key) });
    }
  }

  /** Every review case, newest first (a few per kind and period: all of them are read). */
  async #reviews(): Promise<ReviewCase[]> {
    const out: ReviewCase[] = [];
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page: CaseRecord[] = await this.#read.cases.list({ procedure: SITE_REVIEW_PROCEDURE, limit: 500, ...(after ? { after } : {}) });
      for (const r of page) {
        const context = JSON.parse(r.contextJson) as ReviewContext;
        out.push({ id: r.id, kind: String(context.kind), period: String(context.period), state: r.state, status: r.status, createdAt: r.createdAt, context });
      }
      const last = page[page.length - 1];
      if (page.length < 500 || !last) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
    return out.reverse();
  }

  async #reading<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toEngineError(e);
    }
  }
}

function entryOf(
  k: (typeof SITE_CONTENT_KINDS)[number],
  rev: SiteContentRevisionRecord | undefined,
  reviews: readonly ReviewCase[],
  freshSince: string,
): SiteContentEntry {
  const mine = reviews.filter((r) => r.kind === k.key);
  const closed = mine
    .filter((r) => r.context.outcome !== undefined)
    .sort((a, b) => (a.context.outcome!.at < b.context.outcome!.at ? 1 : a.context.outcome!.at > b.context.outcome!.at ? -1 : 0))[0];
  const open = mine.find((r) => r.status === 'active');
  const outcome = closed?.context.outcome;
  const entry: SiteContentEntry = {
    kind: k.key,
    item: k.item,
    title: { ru: k.ru, en: k.en },
    url: rev?.url ?? null,
    unit: rev?.unit ?? null,
    note: rev?.note ?? null,
    revision: rev?.revision ?? 0,
    changedAt: rev?.changedAt ?? null,
    changedBy: rev?.changedBy ?? null,
    ...(closed && outcome
      ? {
          lastReview: {
            caseId: closed.id,
            period: closed.period,
            state: closed.state,
            result: outcome.result,
            at: outcome.at,
            ...(outcome.url !== undefined ? { url: outcome.url } : {}),
            ...(outcome.note !== undefined ? { note: outcome.note } : {}),
          },
        }
      : {}),
    ...(open ? { openReview: { caseId: open.id, period: open.period, state: open.state, dueAt: open.context.deadlines?.['review']?.dueAt ?? null, lastDay: open.context.deadlines?.['review']?.lastDay ?? null } } : {}),
    compliance: complianceOf(rev, outcome, freshSince),
  };
  return entry;
}

function complianceOf(
  rev: SiteContentRevisionRecord | undefined,
  outcome: ReviewContext['outcome'],
  freshSince: string,
): SiteContentEntry['compliance'] {
  if (!rev || rev.url === null) return { status: 'missing', reason: 'no_page' };
  if (!outcome) return { status: 'stale', reason: 'never_reviewed' };
  if (outcome.result === 'missing') {
    // A new page named after the report is not confirmed yet: to be reviewed, not missing.
    return rev.changedAt > outcome.at ? { status: 'stale', reason: 'review_due' } : { status: 'missing', reason: 'reported_missing' };
  }
  return outcome.at >= freshSince ? { status: 'present', reason: 'confirmed' } : { status: 'stale', reason: 'review_due' };
}
