/**
 * PostgreSQL's two columns of `cases` computed from the row (migration 001900): the
 * statements that write a case compute them, in SQL, from the values they write. They were
 * stored generated columns (migration 000800) until PostgreSQL 15's cost of computing them
 * on every UPDATE (five jsonb casts of the context per command) showed in the bench; a
 * trigger would cost as much (a BEFORE ROW trigger locks each row it fires on).
 *
 * - `search_words`: the lower-cased words of the list's search (the registration number,
 *   the applicant's and the author's names, the title, the text), read from the context;
 *   found by storage/repositories/cases.ts with `LIKE` on the `pg_trgm` index `cases_search`.
 *   An UPDATE computes them only when the context changes (nearly no command changes
 *   these fields; most leave the context as it was).
 * - `closed_late`: 1 for a closed case with a deadline met late or missed, else 0; counted by
 *   the closed-case statistics (`cases_closed_stats`).
 *
 * The expressions are migration 000800's own, so rows written before and after read alike.
 * Every writer of `cases` on PostgreSQL goes through these: the repository's insert and
 * update, the batch's write buffer, and the SQLite → PostgreSQL copy (storage/copy.ts).
 */
import { sql, type RawBuilder } from 'kysely';

const FIELDS = ['registrationNumber', 'applicant,name', 'author,name', 'title', 'text'];

/** The words of `context` (a text expression), its JSON parsed once. */
export function searchWordsOf(context: RawBuilder<unknown>): RawBuilder<string> {
  const words = sql.raw(FIELDS.map((f) => `coalesce(j #>> '{${f}}', '')`).join(` || ' ' || `));
  return sql<string>`(select lower(trim(${words})) from (select (${context})::jsonb as j) as words)`;
}

/** `closed_late` of a row with `status` and `context` (text expressions). */
export function closedLateOf(status: RawBuilder<unknown>, context: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(case when ${status} = 'done' and (strpos(${context}, '"status":"met_late"') > 0 or strpos(${context}, '"status":"missed"') > 0) then 1 else 0 end)`;
}

/**
 * The SET items of an UPDATE of `cases` (aliased `target`) to a row whose new `status` and
 * `context` are `status` and `context`: the words recomputed only if the context changed.
 */
export function derivedSet(target: string, status: RawBuilder<unknown>, context: RawBuilder<unknown>): RawBuilder<unknown> {
  const t = sql.raw(target);
  return sql`search_words = case when ${t}.context is distinct from ${context} then ${searchWordsOf(context)} else ${t}.search_words end, closed_late = ${closedLateOf(status, context)}`;
}

/** Computes both columns of the cases `ids` from their stored rows (after an INSERT that could not compute them inline). */
export function deriveStored(ids: readonly string[]): RawBuilder<unknown> {
  return sql`update cases set search_words = ${searchWordsOf(sql`context`)}, closed_late = ${closedLateOf(sql`status`, sql`context`)} where id = any(${[...ids]}::text[])`;
}
