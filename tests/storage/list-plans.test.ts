/**
 * Every filter of `GET /cases` (and the combinations the route allows) is served by an
 * index, in the list's order (issue 13 §2): SQLite's plan on a database with enough rows
 * must not scan the `cases` table without an index, nor sort into a temporary B-tree.
 * Seen before: the list with no filter over 100,000 cases was a scan plus a sort
 * (150–210 ms), and a few clients looping on it stalled the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type CaseFilter, type CaseRecord, type SqliteStorage } from '../../storage/index.js';
import { caseRecord } from '../helpers/records.js';

const PROCEDURES = ['publication', 'feedback-inquiry', 'blog-question', 'redirection'];
const STATES = ['received', 'registered', 'assigned', 'answered', 'closed'];
const ROLES = ['car', 'unit', 'supervisor', 'chairman', 'press_secretary'];
const UNITS = ['Департамент экспорта', 'Юридический департамент', 'Пресс-служба'];
const ROWS = 20_000;

let dir: string;
let storage: SqliteStorage;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qi-plans-'));
  storage = (await openStorage({ path: join(dir, 'plans.db') })) as SqliteStorage;
  const base = Date.parse('2024-01-01T00:00:00.000Z');
  const records: CaseRecord[] = [];
  for (let i = 0; i < ROWS; i++) {
    const done = i % 5 !== 0;
    const at = new Date(base + i * 600_000).toISOString();
    records.push(
      caseRecord(`c${String(i).padStart(6, '0')}`, {
        procedure: PROCEDURES[i % PROCEDURES.length]!,
        state: done ? 'closed' : STATES[i % (STATES.length - 1)]!,
        status: done ? 'done' : 'active',
        waitingRoles: done ? [] : [ROLES[i % ROLES.length]!],
        nextDueAt: done ? null : new Date(base + i * 600_000 + 86_400_000 * 10).toISOString(),
        unit: done || i % 3 ? null : UNITS[i % UNITS.length]!,
        contextJson: JSON.stringify({ registrationNumber: `ВХ-${i}`, applicant: { name: i % 2 ? 'Иванова' : 'Ахметов' }, text: `вопрос ${i}` }),
        assignee: i % 7 === 0 ? 'Асель' : null,
        undelivered: i % 997 === 0,
        backdated: i % 499 === 0,
        createdAt: at,
        updatedAt: at,
      }),
    );
  }
  for (let i = 0; i < records.length; i += 1000) await storage.read.cases.insertMany(records.slice(i, i + 1000));
}, 60_000);
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const due = '2024-03-01T00:00:00.000Z';
const unitScope = { units: [UNITS[0]!], person: 'Асель' };
/** The filters as the route builds them (engine/engine.ts listCases: overdue becomes dueBefore). */
const FILTERS: Record<string, CaseFilter> = {
  'no filter': {},
  procedure: { procedure: 'feedback-inquiry' },
  state: { state: 'registered' },
  'status=active': { status: 'active' },
  'status=done': { status: 'done' },
  'procedure+state': { procedure: 'feedback-inquiry', state: 'registered' },
  'procedure+status': { procedure: 'feedback-inquiry', status: 'active' },
  'state+status': { state: 'registered', status: 'active' },
  'procedure+state+status': { procedure: 'feedback-inquiry', state: 'registered', status: 'active' },
  'overdue / dueBefore': { dueBefore: due },
  'dueBefore+procedure': { procedure: 'publication', dueBefore: due },
  'dueBefore+status': { status: 'active', dueBefore: due },
  'dueBefore+state': { state: 'registered', dueBefore: due },
  'mine (one role)': { waitingRoles: ['car'] },
  'mine (several roles)': { waitingRoles: ['car', 'supervisor', 'chairman'] },
  'mine (unit user)': { waitingRoles: ['unit'], unitScope },
  'mine (unit and another role)': { waitingRoles: ['unit', 'supervisor'], unitScope },
  'mine+procedure': { waitingRoles: ['car'], procedure: 'feedback-inquiry' },
  'mine+overdue': { waitingRoles: ['car'], dueBefore: due },
  'mine+state': { waitingRoles: ['car'], state: 'registered' },
  backdated: { backdated: true },
  'backdated+procedure': { backdated: true, procedure: 'publication' },
  'undelivered=true': { undelivered: true },
  'undelivered=true+procedure': { undelivered: true, procedure: 'feedback-inquiry' },
  'undelivered=false': { undelivered: false },
  'undelivered=false+procedure': { undelivered: false, procedure: 'feedback-inquiry' },
  unit: { unit: UNITS[0]! },
  'unit+status': { unit: UNITS[0]!, status: 'active' },
  'search (names, numbers, texts)': { search: { text: 'ова 12' } },
  'search+mine': { search: { text: 'ова' }, waitingRoles: ['car'] },
  'search within the readable cases': { search: { text: 'ова', readable: { procedures: ['publication'], unitProcedures: ['feedback-inquiry'], units: [UNITS[0]!] } } },
};

/** The due order (issue 14): the same filters, walked in (nextDueAt, id) order, those without a deadline last. */
const DUE_FILTERS: Record<string, CaseFilter> = {
  'no filter': {},
  procedure: { procedure: 'feedback-inquiry' },
  state: { state: 'registered' },
  unit: { unit: UNITS[0]! },
  'overdue / dueBefore': { dueBefore: due },
  'mine (one role)': { waitingRoles: ['car'] },
  'mine (several roles)': { waitingRoles: ['car', 'supervisor', 'chairman'] },
  'mine (unit user)': { waitingRoles: ['unit'], unitScope },
  'mine (unit and another role)': { waitingRoles: ['unit', 'supervisor'], unitScope },
  'mine+procedure': { waitingRoles: ['car'], procedure: 'feedback-inquiry' },
  'mine+overdue': { waitingRoles: ['car'], dueBefore: due },
  'search': { search: { text: 'ова' } },
  'search+mine': { search: { text: 'ова' }, waitingRoles: ['car'] },
};

/** The plan's faults: a scan of `cases` without an index, or a sort of the result. */
const faults = (plan: string[]) => plan.filter((line) => /^SCAN cases$/.test(line) || /TEMP B-TREE/.test(line));

describe('GET /cases: every filter served by an index, in list order', () => {
  const after = { createdAt: '2024-02-01T00:00:00.000Z', id: 'c000100' };
  for (const [name, filter] of Object.entries(FILTERS)) {
    it(`should plan ${name} without a table scan or a sort (first page and a later one)`, async () => {
      for (const f of [filter, { ...filter, after }]) {
        const plan = await storage.explainCaseList({ ...f, limit: 51 });
        expect({ filter: f, faults: faults(plan) }).toEqual({ filter: f, faults: [] });
        // And the list answers in order.
        const ids = (await storage.read.cases.list({ ...f, limit: 51 })).map((c) => c.id);
        expect(ids).toEqual([...ids].sort());
      }
    });
  }
});

describe('GET /cases?sort=due: every filter served by an index, in due order', () => {
  const afterDue = { nextDueAt: '2024-02-20T00:00:00.000Z', id: 'c000100' };
  const key = (c: CaseRecord) => `${c.nextDueAt ?? '~'}\u0000${c.id}`;
  for (const [name, filter] of Object.entries(DUE_FILTERS)) {
    it(`should plan ${name} without a table scan or a sort (first page and a later one)`, async () => {
      for (const f of [filter, { ...filter, afterDue }, { ...filter, afterDue: { nextDueAt: null, id: 'c000100' } }]) {
        const q: CaseFilter = { ...f, sort: 'due', limit: 51 };
        const plan = await storage.explainCaseList(q);
        expect({ filter: f, faults: faults(plan) }).toEqual({ filter: f, faults: [] });
        const keys = (await storage.read.cases.list(q)).map(key);
        expect(keys).toEqual([...keys].sort());
      }
    });
  }
});
