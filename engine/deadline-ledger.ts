/**
 * The deadline ledger (issue 15 §2) follows the case's deadlines, as the timers do
 * (engine/timer-sync.ts): the runner syncs it in the same unit of work that stores the
 * case, so the on-time report (engine/reports.ts) never counts a deadline the case does not
 * hold. The rows are a function of the case (storage/ledger-rows.ts `ledgerRowsOf`, which
 * migration 001000's backfill uses too); a sync writes only the rows that differ, and a step
 * that changed neither the deadlines nor the unit reads nothing at all.
 */
import { ledgerRowsOf, sameLedgerRow, type CaseRecord, type DeadlineLedgerRepository } from '../storage/index.js';

/**
 * Whether a step can have changed the case's ledger rows: its deadlines moved, or its unit
 * did (the ledger names the unit). The past turns (`deadlineHistory`) and P3's extensions
 * change only together with a deadline.
 */
export function ledgerMayChange(prev: CaseRecord | undefined, next: CaseRecord, deadlinesUnchanged: boolean): boolean {
  return !deadlinesUnchanged || prev === undefined || (prev.unit ?? null) !== (next.unit ?? null) || prev.procedure !== next.procedure;
}

/** Makes the stored rows of `record`'s case those of its `context`; returns how many rows it wrote. */
export async function syncLedger(ledger: DeadlineLedgerRepository, record: CaseRecord, context: Record<string, unknown>): Promise<number> {
  const want = ledgerRowsOf({ id: record.id, procedure: record.procedure, unit: record.unit ?? null, context });
  const have = new Map((await ledger.listForCase(record.id)).map((r) => [`${r.key}\u0000${r.turn}`, r]));
  let writes = 0;
  for (const row of want) {
    const id = `${row.key}\u0000${row.turn}`;
    const old = have.get(id);
    have.delete(id);
    if (!old) await ledger.insert(row);
    else if (!sameLedgerRow(old, row)) await ledger.update(row);
    else continue;
    writes++;
  }
  for (const gone of have.values()) {
    await ledger.delete(record.id, gone.key, gone.turn);
    writes++;
  }
  return writes;
}
