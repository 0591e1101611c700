/**
 * Migration 000300 on a database of the previous version: open cases get the unit and
 * assignee of their context, P3 cases stop waiting on the chairman, and the unit queue's
 * partial index serves a unit user's "my queue".
 */
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { itSqlite } from '../helpers/sqlite-file.js';
import { migrations } from '../../storage/migrations/index.js';
import { openStorage, SqliteStorage } from '../../storage/index.js';
import { tmpDir } from '../engine/fixtures/helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tmpDir('units-migration-'));
});
afterEach(() => cleanup());

const row = (id: string, o: { procedure?: string; status?: string; waiting: string; context: Record<string, unknown> }) => ({
  id,
  procedure: o.procedure ?? 'feedback-inquiry',
  machine_version: '1.0.0',
  snapshot: '{}',
  context: JSON.stringify(o.context),
  state: 'in_review',
  status: o.status ?? 'active',
  seq: 3,
  head_hash: 'h',
  next_due_at: null,
  waiting_roles: o.waiting,
  last_staff_occurred_at: null,
  created_at: `2025-03-06T05:00:0${id}.000Z`,
  updated_at: '2025-03-06T05:00:00.000Z',
});

describe('migration 2026_12_01_000300_units', () => {
  itSqlite('should copy the unit and assignee of open cases and drop the chairman from P3 queues', async () => {
    const path = join(dir, 'old.sqlite');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) });
    const migrator = new Migrator({ db, provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations } });
    const before = await migrator.migrateTo('2026_11_26_000200_work_queue_indexes');
    expect(before.error).toBeUndefined();
    await db
      .insertInto('cases')
      .values([
        row('1', { waiting: ',chairman,unit,', context: { unit: 'Департамент экспорта', assignee: 'Асель' } }),
        row('2', { waiting: ',car,chairman,', context: {} }),
        row('3', { status: 'done', waiting: ',,', context: { unit: 'Юридический департамент' } }),
        row('4', { procedure: 'blog-question', waiting: ',chairman,', context: { unit: 'Департамент экспорта' } }),
      ])
      .execute();
    await db.destroy();

    const storage = await openStorage({ path, synchronous: 'NORMAL', backgroundCheckpoints: false });
    try {
      const found = await Promise.all(['1', '2', '3', '4'].map((id) => storage.read.cases.find(id)));
      expect(found.map((c) => [c?.unit, c?.assignee, c?.waitingRoles])).toEqual([
        ['Департамент экспорта', 'Асель', ['unit']],
        [undefined, undefined, ['car']],
        [undefined, undefined, []],
        ['Департамент экспорта', undefined, ['chairman']],
      ]);
      const mine = { waitingRoles: ['unit'], unitScope: { units: ['Департамент экспорта'], person: 'Асель' } };
      expect((await storage.read.cases.list(mine)).map((c) => c.id)).toEqual(['1']);
      expect(await storage.read.cases.list({ ...mine, unitScope: { ...mine.unitScope, person: 'Берик' } })).toEqual([]);
      if (storage instanceof SqliteStorage) {
        // Its units' cases by `cases_unit_queue`, the cases awaiting its part by `cases_part_units_queue` (migration 001800): no scan.
        const plan = (await storage.explainCaseList(mine)).join(' ');
        expect(plan).toContain('cases_unit_queue');
        expect(plan).toContain('cases_part_units_queue');
        expect(plan).not.toMatch(/SCAN cases(?! USING)/);
      }
    } finally {
      await storage.close();
    }
  });
});
