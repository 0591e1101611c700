/**
 * One line about a case, as queues and lists show it: its registration number, who or what
 * it is about (the applicant, the author, the material's title), the next step, and its
 * nearest open deadline. Read from the case view the API returns (a redacted view has no
 * names: the line then shows the procedure alone).
 */
import type { CaseView, DeadlineView } from '../../engine/index.js';

export interface CaseSummary {
  registrationNumber?: string;
  /** The applicant's or author's name, or the material's title. */
  subject?: string;
  /** The open deadline due first (what the queue sorts and colours by). */
  next?: DeadlineView;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
function nameIn(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? str((v as Record<string, unknown>).name) : undefined;
}

export function summaryOf(view: CaseView): CaseSummary {
  const c = view.context;
  const open = view.deadlines.filter((d) => d.open).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  const subject = nameIn(c.applicant) ?? nameIn(c.author) ?? str(c.title);
  const registrationNumber = str(c.registrationNumber);
  return {
    ...(registrationNumber ? { registrationNumber } : {}),
    ...(subject ? { subject } : {}),
    ...(open[0] ? { next: open[0] } : {}),
  };
}
