/** The repositories, written once against a `QuerySession` (storage/session.ts) and bound to one by an adapter. */
import type { Repositories } from '../port.js';
import type { QuerySession } from '../session.js';
import { caseRepository } from './cases.js';
import { eventRepository } from './events.js';
import { feedTokenRepository } from './feed-tokens.js';
import { idempotencyRepository } from './idempotency.js';
import { outboxRepository } from './outbox.js';
import { caseReadRepository } from './reads.js';
import { reminderRepository } from './reminders.js';
import { timerRepository } from './timers.js';
import { deadlineLedgerRepository } from './deadline-ledger.js';
import { calendarVersionRepository } from './calendar-versions.js';
import { ledgerRepository } from './ledger.js';
import { siteContentRepository } from './site-content.js';

export function repositories(session: QuerySession): Repositories {
  return {
    cases: caseRepository(session),
    events: eventRepository(session),
    timers: timerRepository(session),
    outbox: outboxRepository(session),
    idempotency: idempotencyRepository(session),
    reads: caseReadRepository(session),
    feedTokens: feedTokenRepository(session),
    siteContent: siteContentRepository(session),
    reminders: reminderRepository(session),
    deadlineLedger: deadlineLedgerRepository(session),
    calendarVersions: calendarVersionRepository(session),
    ledger: ledgerRepository(session),
  };
}

export { isUnitQueue, listQuery } from './cases.js';
