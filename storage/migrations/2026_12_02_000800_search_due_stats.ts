import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * The staff's queues and lists (issue 14 §2, §5): search, the due-date order, the unit
 * filter and the counts of the dashboard. Frozen: never edit, add a new file.
 *
 * - `cases_search`: an FTS5 table with the trigram tokenizer (substring search, case
 *   folded) over one column, `words`: the registration number, the applicant's and the
 *   author's names, the title and the text of the case's context. Its rowid is the case's
 *   rowid. Triggers on `cases` keep it in step with the case record inside the same
 *   statement, hence the same transaction as the event that changed the context (a batch's
 *   savepoint rolls both back together); the update trigger fires only when one of those
 *   fields changed, so a comment or a step costs one comparison, no FTS write. A query of
 *   fewer than 3 characters finds nothing with a trigram index: the API refuses it.
 *   PostgreSQL would use a `pg_trgm` GIN index on the same expression (or a tsvector
 *   column kept by a trigger) and `ILIKE '%q%'`.
 * - The due-date order (`sort=due`): the key `coalesce(next_due_at, '~')` puts the cases
 *   without an open deadline last ('~' sorts after every ISO instant); the expression
 *   indexes below end in (key, id), so a page is a walk from the cursor, no sort, as the
 *   (created_at, id) indexes of migration 000700 do for the default order. The query must
 *   spell the key exactly as the index does (storage/repositories/cases.ts `DUE_KEY`).
 *   PostgreSQL: `ORDER BY next_due_at NULLS LAST, id` on an index `(next_due_at, id)`.
 * - `unit=`: `cases_unit_created` (partial: the cases with a unit, in list order), `cases_unit_due`.
 * - `cases.closed_late`: a virtual generated column, 1 for a closed case with a deadline
 *   met late or missed (its context says `"status":"met_late"` or `"status":"missed"`);
 *   stored only in the index `cases_closed_stats` (status, updated_at, procedure, unit,
 *   closed_late), which answers "closed this month, on time / late" per procedure and
 *   unit from the index alone. `cases_open_stats` (status, procedure, unit, next_due_at)
 *   answers "open, overdue". PostgreSQL: a stored generated column, the same indexes.
 */
const WORDS = (row: 'new' | 'old' | 'cases') => sql.raw(
  `trim(coalesce(json_extract(${row}.context, '$.registrationNumber'), '') || ' ' || ` +
    `coalesce(json_extract(${row}.context, '$.applicant.name'), '') || ' ' || ` +
    `coalesce(json_extract(${row}.context, '$.author.name'), '') || ' ' || ` +
    `coalesce(json_extract(${row}.context, '$.title'), '') || ' ' || ` +
    `coalesce(json_extract(${row}.context, '$.text'), ''))`,
);
const DUE_KEY = sql.raw(`coalesce(next_due_at, '~')`);

/**
 * PostgreSQL: the words are a stored generated column, `search_words` (lower-cased, the
 * same five fields), found by `LIKE '%…%'` on a `pg_trgm` GIN index; `closed_late` is a
 * stored generated column. The due-order and stats indexes are the same.
 */
async function upPostgres(db: Kysely<any>): Promise<void> {
  const field = (path: string) => `coalesce(context::jsonb #>> '{${path}}', '')`;
  const words = ['registrationNumber', 'applicant,name', 'author,name', 'title', 'text'].map(field).join(` || ' ' || `);
  await sql`create extension if not exists pg_trgm schema public`.execute(db);
  await sql.raw(`alter table cases add column search_words text generated always as (lower(trim(${words}))) stored`).execute(db);
  await sql`create index cases_search on cases using gin (search_words public.gin_trgm_ops)`.execute(db);
  await sql`alter table cases add column closed_late integer generated always as (
    case when status = 'done' and (strpos(context, '"status":"met_late"') > 0 or strpos(context, '"status":"missed"') > 0) then 1 else 0 end) stored`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await upPostgres(db);
  else await upSqlite(db);
  await sql`create index cases_due_key on cases (${DUE_KEY}, id)`.execute(db);
  await sql`create index cases_waiting_due on cases (${DUE_KEY}, id, waiting_roles) where waiting_roles <> ',,'`.execute(db);
  await sql`create index cases_unit_queue_due on cases (${DUE_KEY}, id, unit, assignee) where waiting_roles like '%,unit,%'`.execute(db);
  await sql`create index cases_procedure_due on cases (procedure, ${DUE_KEY}, id)`.execute(db);
  await sql`create index cases_state_due on cases (state, ${DUE_KEY}, id)`.execute(db);
  await sql`create index cases_unit_due on cases (unit, ${DUE_KEY}, id)`.execute(db);
  // In list order with the unit inside, only the cases that have one: not (unit, created_at, id),
  // which SQLite would prefer for a unit user's queue over the smaller `cases_unit_queue`.
  await db.schema
    .createIndex('cases_unit_created')
    .on('cases')
    .columns(['created_at', 'id', 'unit'])
    .where(sql.ref('unit'), 'is not', null)
    .execute();
  if (!isPostgres(db)) {
    await sql`alter table cases add column closed_late integer generated always as (
    status = 'done' and (instr(context, '"status":"met_late"') > 0 or instr(context, '"status":"missed"') > 0)) virtual`.execute(db);
  }
  await db.schema.createIndex('cases_open_stats').on('cases').columns(['status', 'procedure', 'unit', 'next_due_at']).execute();
  await db.schema.createIndex('cases_closed_stats').on('cases').columns(['status', 'updated_at', 'procedure', 'unit', 'closed_late']).execute();
}

async function upSqlite(db: Kysely<any>): Promise<void> {
  await sql`create virtual table cases_search using fts5(words, tokenize = 'trigram')`.execute(db);
  await sql`insert into cases_search (rowid, words) select rowid, ${WORDS('cases')} from cases`.execute(db);
  await sql`create trigger cases_search_insert after insert on cases begin
    insert into cases_search (rowid, words) values (new.rowid, ${WORDS('new')});
  end`.execute(db);
  await sql`create trigger cases_search_update after update of context on cases when ${WORDS('old')} is not ${WORDS('new')} begin
    update cases_search set words = ${WORDS('new')} where rowid = new.rowid;
  end`.execute(db);
  await sql`create trigger cases_search_delete after delete on cases begin
    delete from cases_search where rowid = old.rowid;
  end`.execute(db);
}
