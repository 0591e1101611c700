/** Records for tests of the storage port and of the engine parts that read and write them. */
import type { CaseDeadline } from '../../machines/contract.js';
import type { CaseRecord } from '../../storage/index.js';

export const T0 = '2025-03-06T05:00:00.000Z';

/** A stored case of the test procedure at seq 1, waiting for `unit`. */
export const caseRecord = (id: string, extra: Partial<CaseRecord> = {}): CaseRecord => ({
  id,
  procedure: 'test-procedure',
  machineVersion: '1',
  snapshotJson: '{}',
  contextJson: '{}',
  state: 'open',
  status: 'active',
  seq: 1,
  headHash: 'h1',
  nextDueAt: null,
  waitingRoles: ['unit'],
  lastStaffOccurredAt: T0,
  backdated: false,
  createdAt: T0,
  updatedAt: T0,
  ...extra,
});

/** An open, pending deadline of 2 working days counted from T0, due at `dueAt`. */
export const deadline = (key: string, dueAt: string, extra: Partial<CaseDeadline> = {}): CaseDeadline => ({
  key,
  rule: 'п. 38',
  amount: 2,
  unit: 'working_days',
  reading: 'working',
  from: T0,
  lastDay: dueAt.slice(0, 10),
  dueAt,
  status: 'pending',
  open: true,
  calendar: { id: 'kz', version: 'kz-test', statutoryOnly: false, statutoryOnlyYears: [] },
  ...extra,
});
