import { sql, type Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

/**
 * Private iCalendar feed tokens (issue 15 §3). Frozen: never edit, add a new file.
 *
 * - `feed_tokens`: one row per token ever issued to a person (by user name, as in AUTH_FILE).
 *   Only the sha-256 of the token is stored (like AUTH_FILE's `tokenSha256`): a copy of the
 *   database opens no feed. Revoking sets `revoked_at`; rows are never deleted (who had a
 *   feed, and since when, stays answerable).
 * - `feed_tokens_hash`: a feed request finds its token by hash (unique: two people can
 *   never share one).
 * - `feed_tokens_active_user`: at most one active token per person (partial, unique): issuing
 *   a new one revokes the old in the same transaction (engine/feed-tokens.ts), and a second
 *   active one is refused by the database itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('feed_tokens')
    .$call(autoIncrementId(db))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('token_sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('feed_tokens_hash').unique().on('feed_tokens').column('token_sha256').execute();
  await db.schema
    .createIndex('feed_tokens_active_user')
    .unique()
    .on('feed_tokens')
    .column('user_name')
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
}
