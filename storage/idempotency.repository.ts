import type { Executor } from './connection.js';
import type { IdempotencyRow } from './database.js';

export async function findIdempotencyKey(db: Executor, key: string): Promise<IdempotencyRow | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function insertIdempotencyKey(db: Executor, row: IdempotencyRow): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute();
}
