import { feedTokenFromRow } from '../mappers.js';
import type { FeedTokenRepository } from '../port.js';
import { affected, type QuerySession } from '../session.js';

const COLUMNS = ['user_name', 'token_sha256', 'created_at', 'revoked_at'] as const;

export function feedTokenRepository(s: QuerySession): FeedTokenRepository {
  return {
    async activeOf(userName) {
      const q = s.builder.selectFrom('feed_tokens').select(COLUMNS).where('user_name', '=', userName).where('revoked_at', 'is', null);
      const row = (await s.execute(q.compile())).rows[0];
      return row ? feedTokenFromRow(row) : undefined;
    },
    async activeByHash(tokenSha256) {
      const q = s.builder.selectFrom('feed_tokens').select(COLUMNS).where('token_sha256', '=', tokenSha256).where('revoked_at', 'is', null);
      const row = (await s.execute(q.compile())).rows[0];
      return row ? feedTokenFromRow(row) : undefined;
    },
    async revoke(userName, at) {
      const q = s.builder.updateTable('feed_tokens').set({ revoked_at: at }).where('user_name', '=', userName).where('revoked_at', 'is', null);
      return affected(await s.execute(q.compile())) > 0;
    },
    async insert(r) {
      const q = s.builder
        .insertInto('feed_tokens')
        .values({ user_name: r.userName, token_sha256: r.tokenSha256, created_at: r.createdAt, revoked_at: r.revokedAt });
      await s.execute(q.compile());
    },
  };
}
