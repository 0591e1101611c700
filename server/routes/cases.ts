/**
 * Cases: create, read, list (filters and "my queue"), advance by events, and the audit
 * views (history, messages, replay, verify). Every write goes through the engine, which
 * checks, applies and persists it in one transaction.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { partUnitsOf, type CaseView, type Engine } from '../../engine/index.js';
import { getProcedure, procedures } from '../../machines/index.js';
import type { Actor, ProcedureId, Role } from '../../machines/contract.js';
import { HUMAN_ROLES, type User } from '../auth.js';
import { formatDay, parseDay, parseInstant } from '../../calendars/dates.js';
import { ApiError } from '../errors.js';
import { actingRole, userOf } from '../plugins/authenticate.js';
import {
  accessOf,
  needsActedOn,
  OPEN_TO_ALL_EVENTS,
  readerOf,
  READ_MATRIX,
  redactHistoryEvent,
  redactMessage,
  redactView,
  writeRefusal,
} from '../read-access.js';
import { rateLimited, type WindowCounter } from '../plugins/rate-limits.js';
import {
  CaseIdParams,
  CaseViewSchema,
  CreateCaseBodySchema,
  EventBodySchema,
  HistoryEventSchema,
  MessageSchema,
  ProcedureIdSchema,
  ReadSchema,
  splitEventBody,
  VerifySchema,
} from '../schemas/cases.js';
import { errorResponses, InstantSchema, IsoDateSchema, LiteralUnion } from '../schemas/common.js';

const security = [{ bearer: [] }];
/** `/history` page sizes: a long history (79,000 comments were seen) is never one answer. */
const HISTORY_PAGE = { default: 500, max: 5_000 } as const;
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'A retry with the same key and body returns the first answer' }),
  ),
});

/**
 * `X-Acting-Role`, on every case route: the one role a person with several acts or reads
 * under. Writes: the role the event is sent as (without it, the first of the user's roles
 * that may send it). Reads: the role alone decides what the person sees (without it, the
 * union of their roles: server/read-access.ts `readerOf`). A role the user does not hold
 * is 403 `forbidden`.
 */
const ActingRoleHeaders = Type.Object({
  'x-acting-role': Type.Optional(
    LiteralUnion(HUMAN_ROLES, {
      description:
        'The role to act or read under, one of yours (else 403 `forbidden`). Without it: events are sent under the first of your ' +
        'roles that may send them, and reads see what any of your roles may see.',
    }),
  ),
});

/** The caller as a reader: their roles, or the one `X-Acting-Role` names. */
const readerOfRequest = (request: { headers: Record<string, unknown> }, user: User) => {
  const header = request.headers['x-acting-role'];
  return readerOf(user, typeof header === 'string' ? header : undefined);
};

/** `If-Match: "<seq>"` (quotes optional) → the expected seq. */
function expectedSeq(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,12})"?\s*$/.exec(String(raw));
  if (!m) throw new ApiError('invalid_request', `If-Match must be the case's seq in quotes, e.g. "3"; got ${String(raw)}.`);
  return Number(m[1]);
}

/**
 * A case view as the response schema types it. The engine's `CaseView` types `procedure`
 * as a string, though every view is built from a registered procedure (a ProcedureId);
 * only that one field is narrowed here, so any other drift between the engine's view and
 * CaseViewSchema stays a compile error. A type-only step: the view is sent as it is.
 */
type CaseViewBody = CaseView & { procedure: ProcedureId };
const asBody = (view: CaseView) => view as CaseViewBody;
const asBodies = (views: CaseView[]) => views as CaseViewBody[];

/** The engine's actor: a unit user carries their units (the engine checks the case's unit against them). */
function actorOf(user: User, role: Role): Actor {
  return role === 'unit' && user.units ? { name: user.name, role, units: user.units } : { name: user.name, role };
}

/** Idempotency keys are per user: two users who happen to pick the same key never collide. */
function scopedKey(user: string, key: string | undefined): string | undefined {
  return key === undefined ? undefined : `${user}\u0000${key}`;
}

/** A page cursor: the last row's sort key, as opaque base64url JSON. */
function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}
/** A cursor back to its sort key; `read` checks its shape (undefined: not this order's cursor). */
function decodeCursor<T>(cursor: string | undefined, read: (v: Record<string, unknown>) => T | undefined, hint = ''): T | undefined {
  if (cursor === undefined) return undefined;
  let key: T | undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v !== null && typeof v === 'object') key = read(v as Record<string, unknown>);
  } catch {
    // not JSON: the error below
  }
  if (key === undefined) throw new ApiError('invalid_request', `after is not a cursor from a previous page${hint}; use the \`next\` value as given.`);
  return key;
}
/** The creation order's cursor (createdAt, id). */
const createdKey = (v: Record<string, unknown>) =>
  typeof v.createdAt === 'string' && typeof v.id === 'string' ? { createdAt: v.createdAt, id: v.id } : undefined;
/** The due order's cursor: the last case's `nextDueAt` (null: past the cases with a deadline) and id. */
const dueKey = (v: Record<string, unknown>) =>
  (typeof v.due === 'string' || v.due === null) && typeof v.id === 'string' ? { nextDueAt: v.due, id: v.id } : undefined;

/** Markdown: who may send which event, from the machines' own role tables (never retyped). */
function rolesTable(): string {
  const rows = Object.values(procedures).flatMap((m) => [
    `| ${m.id} | *create* | ${m.createRoles.filter((r) => r !== 'system').join(', ')} |`,
    ...Object.entries(m.eventRoles).map(([type, roles]) => `| ${m.id} | \`${type}\` | ${roles.join(', ')} |`),
  ]);
  return ['| procedure | event | roles |', '|---|---|---|', ...rows].join('\n');
}

/** The unit of a case view (its context's `unit`), null when none. */
function unitOf(view: CaseView): string | null {
  const unit = view.context.unit;
  return typeof unit === 'string' ? unit : null;
}

/** The case's facts for read access from its view: the unit, and the units whose own part it awaits (the engine's rule, as stored in `CaseRecord.partUnits`). */
function factsOf(view: CaseView): { procedure: string; unit: string | null; partUnits: string[] } {
  const module = getProcedure(view.procedure);
  return { procedure: view.procedure, unit: unitOf(view), partUnits: module ? partUnitsOf(module, view.context, view.state) : [] };
}

/** Markdown: the read matrix (server/read-access.ts), from the machines' role tables. */
function readMatrixText(): string {
  const rows = Object.entries(READ_MATRIX).map(([p, roles]) => `| ${p} | ${[...(roles ?? [])].join(', ')}, auditor |`);
  return [
    'Personal data (applicants\' names, e-mails, texts) only to the roles that take part in the procedure ' +
      '(a `unit` user: the cases of their units and those they acted on) and the auditor; anybody else gets the same answer ' +
      'redacted (`redacted: true`: the view\'s context reduced to its deadlines, unit and kind; history payloads and messages\' ' +
      'recipient, text and data left out), never a 403. A person with several roles reads with all of them, or with the one ' +
      '`X-Acting-Role` names (one of theirs, else 403 `forbidden`). Every unredacted read is recorded (`GET /cases/{id}/reads`). ' +
      'Responses carry `Cache-Control: no-store`.',
    '',
    '| procedure | roles that read its personal data |',
    '|---|---|',
    ...rows,
  ].join('\n');
}
const READS_TEXT = readMatrixText();

export const caseRoutes: FastifyPluginAsyncTypebox<{ engine: Engine; writes?: WindowCounter }> = async (app, opts) => {
  const { engine, writes } = opts;
  // Writes per user (WRITE_RATE_LIMIT): every write of this scope is a POST; the user is
  // known, the parent scope's onRequest hook authenticated them.
  if (writes && writes.limit > 0) {
    app.addHook('onRequest', (request, reply, done) => {
      if (request.method !== 'POST') return done();
      const wait = writes.hit(userOf(request).name);
      if (wait > 0) {
        request.log.warn({ limit: writes.limit }, 'shedding load: a user is over the write rate limit');
        return done(rateLimited(reply, wait, `Over ${writes.limit} writes per minute for this user`));
      }
      done();
    });
  }

  // Case answers carry personal data: no browser or proxy may keep them.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  /** The access of the caller to a case, looking up what it needs (its unit; whether they acted on it). */
  const caseAccess = async (user: User, id: string) => {
    const scope = await engine.scope(id);
    const facts = { procedure: scope.procedure, unit: scope.unit, partUnits: scope.partUnits };
    const actedOn = needsActedOn(user, facts) && (await engine.actedOn(user.name, [id])).has(id);
    return accessOf(user, { ...facts, actedOn });
  };
  /** Records one unredacted read of a case (no record for a redacted answer). */
  const recordRead = (user: User, access: ReturnType<typeof accessOf>, caseId: string, route: string) =>
    access.full ? engine.recordReads([{ caseId, actor: user.name, role: access.role, route }]) : Promise.resolve();
  /** A case view as this caller may see it, the read recorded. */
  const shownView = async (user: User, view: CaseView, route: string) => {
    const facts = factsOf(view);
    const actedOn = needsActedOn(user, facts) && (await engine.actedOn(user.name, [view.id])).has(view.id);
    const access = accessOf(user, { ...facts, actedOn });
    await recordRead(user, access, view.id, route);
    return access.full ? view : redactView(view);
  };

  app.post(
    '/cases',
    {
      schema: {
        tags: ['cases'],
        operationId: 'createCase',
        summary: 'Create a case (the creation is the first event of its history)',
        description:
          'Roles: `publication` — initiator; `feedback-inquiry` — car; `blog-question` — press_secretary; `appearance` — press_secretary; ' +
          '`employee-post` — initiator (`kind: approval`, п. 21) or press_secretary (`kind: removal`, п. 28); ' +
          '`site-content-review` — none (the engine opens the reviews, SITE_REVIEW_PERIOD). ' +
          '`occurredAt` is the receipt of a question or the submission of a material (`input.receivedAt` is ' +
          'another name for it; both given and different is a 400). It may be earlier than now, never later, ' +
          'never before the MAX_BACKDATING limit; more than 15 minutes earlier needs `backdatingReason`.',
        security,
        headers: Type.Object({ ...IdempotencyHeaders.properties, ...ActingRoleHeaders.properties }),
        body: CreateCaseBodySchema,
        response: {
          201: { ...CaseViewSchema, description: 'The new case' },
          200: { ...CaseViewSchema, description: 'An idempotent retry: the first answer' },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'payload_too_large',
            'unsupported_media_type',
            'idempotency_key_reused',
            'rate_limited',
            'calendar_year_unknown',
            'storage_unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      const module = getProcedure(request.body.procedure);
      if (!module) throw new ApiError('not_found', `No procedure '${request.body.procedure}'.`);
      const user = userOf(request);
      // The role to act under; whether it may create this procedure is the engine's check
      // (403 `forbidden` with `details.roles`), made once, inside the command.
      const role = actingRole(request, module.createRoles);
      const result = await engine.createCase(module.id, request.body.input, {
        actor: { name: user.name, role },
        occurredAt: request.body.occurredAt,
        backdatingReason: request.body.backdatingReason,
        idempotencyKey: scopedKey(user.name, request.headers['idempotency-key']),
      });
      return reply.status(result.replayed ? 200 : 201).send(asBody(result.view));
    },
  );

  /** Search only where the caller reads personal data (the read matrix), so a redacted case is never found by a name. */
  const searchReadable = (user: User) => {
    if (user.roles.includes('auditor')) return {};
    const procedures: string[] = [];
    const unitProcedures: string[] = [];
    for (const [procedure, taking] of Object.entries(READ_MATRIX)) {
      if (user.roles.some((r) => r !== 'unit' && taking?.has(r))) procedures.push(procedure);
      else if (user.roles.includes('unit') && taking?.has('unit')) unitProcedures.push(procedure);
    }
    return { readable: { procedures, unitProcedures, units: user.units ?? [] } };
  };

  app.get(
    '/cases',
    {
      schema: {
        tags: ['cases'],
        operationId: 'listCases',
        summary: 'A page of cases, oldest first, filtered',
        description:
          '`overdue=true`: cases with an open deadline past due now. `dueBefore`: an open deadline due at or before ' +
          'this instant or date. `backdated=true`: cases with an event recorded more than 15 minutes after it occurred. ' +
          '`mine=true`: "my queue", the cases whose next step waits on one of the caller\'s roles ' +
          'and, for a unit step, on one of the caller\'s units and (once a person of the unit took the case with `claim`) on the caller; ' +
          'a step that is merely possible (an extension, `claim`, `reassign`, a comment) is not waiting. ' +
          '`undelivered=true`: cases with a message to the applicant that finally failed and is not resent yet (`resend_message`). ' +
          'With `X-Acting-Role`, `mine=true` is the queue of that role alone; without it, of all the caller\'s roles. ' +
          '`unit`: the cases of that responsible unit. `q`: search (at least 3 characters, any case) in the registration number, ' +
          'the applicant\'s or author\'s name, the title and the text, among the cases whose personal data the caller reads: ' +
          'a case the caller sees redacted is never found by its words. ' +
          '`sort=due`: by the nearest open deadline\'s due instant (`nextDueAt`), then id, the cases without an open deadline last. ' +
          'Pagination: pass `next` from a page as `after` (with the same `sort`).\n\n' +
          READS_TEXT,
        security,
        headers: ActingRoleHeaders,
        querystring: Type.Object(
          {
            procedure: Type.Optional(ProcedureIdSchema),
            state: Type.Optional(Type.String({ minLength: 1 })),
            status: Type.Optional(LiteralUnion(['active', 'done'])),
            overdue: Type.Optional(Type.Boolean()),
            undelivered: Type.Optional(Type.Boolean({ description: 'only cases with (true) or without (false) an undelivered message' })),
            dueBefore: Type.Optional(Type.Union([InstantSchema, IsoDateSchema])),
            mine: Type.Optional(Type.Boolean()),
            backdated: Type.Optional(Type.Boolean({ description: 'Only cases with a back-dated event' })),
            dueWithin: Type.Optional(Type.Integer({ minimum: 0, maximum: 366, description: 'An open deadline due by the end of the N-th day from today (0: today), in the calendar\'s zone' })),
            unit: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only the cases of this responsible unit' })),
            q: Type.Optional(Type.String({ minLength: 3, maxLength: 200, description: 'Search text (at least 3 characters)' })),
            sort: Type.Optional(LiteralUnion(['created', 'due'], { description: '`created` (default): oldest first; `due`: nearest due date first' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            after: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { cases: Type.Array(CaseViewSchema), next: Type.Optional(Type.String({ description: 'The cursor of the next page (pass as `after`); absent on the last page' })) },
            { description: 'A page of cases' },
          ),
          ...errorResponses('invalid_request', 'unauthorized', 'forbidden', 'rate_limited', 'calendar_year_unknown'),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const user = readerOfRequest(request, userOf(request));
      let dueBefore: string | undefined;
      if (q.dueBefore !== undefined) {
        // A date means "due by the end of that day" in the calendar's zone: dueAt is the exclusive
        // end instant, so a deadline whose last day is that date has dueAt = the calendar's
        // endOfDay (the next midnight). Instants and dates are read by the calendar's own strict
        // parsers (2025-02-30 or an instant without an offset is a 400); a date in a year the
        // calendar has no data for is its 422 `calendar_year_unknown`.
        if (q.dueBefore.length === 10) {
          dueBefore = engine.deps.calendar.endOfDay(q.dueBefore);
        } else {
          dueBefore = new Date(parseInstant(q.dueBefore)).toISOString();
        }
      }
      if (q.dueWithin !== undefined) {
        const today = engine.deps.calendar.dayOf(engine.clock.now());
        const within = engine.deps.calendar.endOfDay(formatDay(parseDay(today) + q.dueWithin));
        if (dueBefore === undefined || within < dueBefore) dueBefore = within;
      }
      const byDue = q.sort === 'due';
      // "Mine" is the acting role's queue when the caller names one (a person with several hats picks one).
      const queueRoles = request.headers['x-acting-role'] ? [actingRole(request, [])] : user.roles;
      const page = await engine.listCases({
        procedure: q.procedure,
        unit: q.unit,
        ...(q.q !== undefined ? { search: { text: q.q, ...searchReadable(user) } } : {}),
        sort: byDue ? 'due' : 'created',
        ...(byDue ? { afterDue: decodeCursor(q.after, dueKey, ' of sort=due (with the same sort)') } : { after: decodeCursor(q.after, createdKey) }),
        state: q.state,
        status: q.status,
        overdue: q.overdue,
        undelivered: q.undelivered,
        dueBefore,
        waitingRoles: q.mine ? queueRoles.filter((r) => r !== 'auditor') : undefined,
        backdated: q.backdated,
        ...(q.mine && user.units && queueRoles.includes('unit') ? { unitScope: { units: user.units, person: user.name } } : {}),
        limit: q.limit ?? 50,
      });
      const next = encodeCursor(page.next && (byDue ? { due: page.next.nextDueAt, id: page.next.id } : { createdAt: page.next.createdAt, id: page.next.id }));
      // Who reads what: one look-up for the whole page (which cases a unit user acted on).
      const unsure = page.cases.filter((v) => needsActedOn(user, factsOf(v))).map((v) => v.id);
      const acted = unsure.length > 0 ? await engine.actedOn(user.name, unsure) : new Set<string>();
      const reads: { caseId: string; actor: string; role: string; route: string }[] = [];
      const shown = page.cases.map((v) => {
        const access = accessOf(user, { ...factsOf(v), actedOn: acted.has(v.id) });
        if (!access.full) return redactView(v);
        reads.push({ caseId: v.id, actor: user.name, role: access.role, route: 'GET /cases' });
        return v;
      });
      await engine.recordReads(reads);
      const cases = asBodies(shown);
      return next ? { cases, next } : { cases };
    },
  );

  app.get(
    '/cases/:id',
    {
      schema: {
        tags: ['cases'],
        operationId: 'getCase',
        summary: 'The case view: state, deadlines with status, the events it accepts and who may send them',
        description: READS_TEXT,
        security,
        headers: ActingRoleHeaders,
        params: CaseIdParams,
        response: { 200: CaseViewSchema, ...errorResponses('unauthorized', 'rate_limited', 'not_found') },
      },
    },
    async (request) => asBody(await shownView(readerOfRequest(request, userOf(request)), await engine.getCase(request.params.id), 'GET /cases/{id}')),
  );

  app.post(
    '/cases/:id/events',
    {
      schema: {
        tags: ['cases'],
        operationId: 'applyCaseEvent',
        summary: 'Advance a case by one event',
        description:
          'Body `{type, occurredAt?, …payload}`. The roles allowed per event are in the case view ' +
          '(`allowedEvents`) and in `/machines/{procedure}`. `If-Match: "<seq>"` fails with 409 ' +
          '`version_conflict` when the case has moved on; `Idempotency-Key` makes a retry return the first answer. ' +
          'An event the state does not accept is 409 `event_not_allowed` with `details.allowed`. ' +
          'Payload schemas per event: `GET /machines/{procedure}`. `system` events are the engine\'s own. ' +
          '`comment` and `correct`, listed for every staff role, also need a part in the case\'s procedure (the roles that read ' +
          'its personal data): a role that sees the case redacted gets 403 `forbidden`; the auditor never writes.\n\n' +
          rolesTable(),
        security,
        params: CaseIdParams,
        headers: Type.Object({
          ...IdempotencyHeaders.properties,
          ...ActingRoleHeaders.properties,
          'if-match': Type.Optional(Type.String({ description: 'The seq the client saw, e.g. "3"' })),
        }),
        body: EventBodySchema,
        response: {
          200: { ...CaseViewSchema, description: 'The case after the event (or, for an idempotent retry, the first answer)' },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'not_found',
            'payload_too_large',
            'unsupported_media_type',
            'not_your_unit',
            'event_not_allowed',
            'version_conflict',
            'idempotency_key_reused',
            'calendar_year_unknown',
            'rate_limited',
            'storage_unavailable',
          ),
        },
      },
    },
    async (request) => {
      const seq = expectedSeq(request.headers['if-match']);
      const event = splitEventBody(request.body);
      const { type } = event;
      const user = userOf(request);
      // The role to act under. A single-role user, or an explicit X-Acting-Role, needs no
      // look at the case (the engine checks the role against the case's procedure, before
      // the payload). Only a multi-role user without the header makes us read which
      // procedure the case follows, to pick the role that may send this event.
      let role: Role;
      let procedure: string | undefined;
      const explicit = request.headers['x-acting-role'];
      if (user.roles.length === 1 || (typeof explicit === 'string' && explicit.length > 0)) {
        role = actingRole(request, user.roles);
      } else {
        const current = await engine.getCase(request.params.id);
        procedure = current.procedure;
        const module = getProcedure(current.procedure);
        // Own keys only: a type such as 'constructor' must not find Object.prototype's members.
        const allowedRoles = module && Object.hasOwn(module.eventRoles, type) ? module.eventRoles[type]! : [];
        // A comment or a correction: under a role that takes part in the case, if the user has one.
        const taking = allowedRoles.filter((r) => writeRefusal(current.procedure, type, r) === null);
        role = actingRole(request, taking.length > 0 ? taking : allowedRoles);
      }
      // A comment or a correction needs a part in the case's procedure (server/read-access.ts).
      if (OPEN_TO_ALL_EVENTS.has(type)) {
        const refusal = writeRefusal(procedure ?? (await engine.procedureOf(request.params.id)), type, role);
        if (refusal) throw refusal;
      }
      const result = await engine.applyEvent(
        request.params.id,
        event,
        { actor: actorOf(user, role), expectedSeq: seq, idempotencyKey: scopedKey(user.name, request.headers['idempotency-key']) },
      );
      // The answer of a command is no read to record (the event is in the history), but a
      // role without a part in the procedure (a comment) gets it redacted, like its reads.
      const view = result.view;
      return asBody(accessOf(readerOfRequest(request, user), { ...factsOf(view), actedOn: true }).full ? view : redactView(view));
    },
  );

  app.get(
    '/cases/:id/history',
    {
      schema: {
        tags: ['audit'],
        operationId: 'getCaseHistory',
        summary: 'The events of the case, from the creation (seq 1), with both times, actor, role and hashes; paged',
        description:
          `A page of at most \`limit\` events (default ${HISTORY_PAGE.default}, at most ${HISTORY_PAGE.max}) with seq > \`after\` ` +
          '(default 0: from the creation), in seq order. When more follow, `next` is the seq to pass as `after` ' +
          'for the next page; the last page has no `next`.\n\n' +
          READS_TEXT,
        security,
        headers: ActingRoleHeaders,
        params: CaseIdParams,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e12, description: 'Only events with a greater seq (the `next` of the previous page)' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE.max, default: HISTORY_PAGE.default })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              events: Type.Array(HistoryEventSchema),
              next: Type.Optional(Type.Integer({ minimum: 1, description: 'Pass as `after` for the next page; absent on the last page' })),
            },
            { description: 'A page of the history, oldest first' },
          ),
          ...errorResponses('invalid_request', 'unauthorized', 'rate_limited', 'not_found'),
        },
      },
    },
    async (request) => {
      const user = readerOfRequest(request, userOf(request));
      const limit = request.query.limit ?? HISTORY_PAGE.default;
      // One more than the page, to know whether another page follows.
      const events = await engine.history(request.params.id, { after: request.query.after ?? 0, limit: limit + 1 });
      const page = events.length <= limit ? events : events.slice(0, limit);
      // Whether the person acted on the case is asked of the whole history, not of this page.
      const scope = await engine.scope(request.params.id);
      const facts = { procedure: scope.procedure, unit: scope.unit, partUnits: scope.partUnits };
      const actedOn = needsActedOn(user, facts) && (await engine.actedOn(user.name, [request.params.id])).has(request.params.id);
      const access = accessOf(user, { ...facts, actedOn });
      await recordRead(user, access, request.params.id, 'GET /cases/{id}/history');
      const shown = access.full ? page : page.map(redactHistoryEvent);
      return events.length <= limit ? { events: shown } : { events: shown, next: page[page.length - 1]!.seq };
    },
  );

  app.get(
    '/cases/:id/messages',
    {
      schema: {
        tags: ['audit'],
        operationId: 'listCaseMessages',
        summary: 'The messages of the case (e-mails, portal notices) with their delivery status and attempts',
        description: READS_TEXT,
        security,
        headers: ActingRoleHeaders,
        params: CaseIdParams,
        response: {
          200: Type.Object({ messages: Type.Array(MessageSchema) }, { description: 'The messages, oldest first' }),
          ...errorResponses('unauthorized', 'rate_limited', 'not_found'),
        },
      },
    },
    async (request) => {
      const user = readerOfRequest(request, userOf(request));
      const access = await caseAccess(user, request.params.id);
      const messages = await engine.messages(request.params.id);
      await recordRead(user, access, request.params.id, 'GET /cases/{id}/messages');
      return { messages: access.full ? messages : messages.map(redactMessage) };
    },
  );

  app.get(
    '/cases/:id/replay',
    {
      schema: {
        tags: ['audit'],
        operationId: 'replayCase',
        summary: 'The case view as it was after event `seq` (default: the last), rebuilt from the history',
        description: READS_TEXT,
        security,
        headers: ActingRoleHeaders,
        params: CaseIdParams,
        querystring: Type.Object({ seq: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        response: { 200: { ...CaseViewSchema, description: 'The case as it was after event `seq`' }, ...errorResponses('invalid_request', 'unauthorized', 'rate_limited', 'not_found') },
      },
    },
    async (request) => {
      const user = readerOfRequest(request, userOf(request));
      // Access by the case as it is now (its current unit), not as it was at `seq`.
      const access = await caseAccess(user, request.params.id);
      const view = await engine.replay(request.params.id, request.query.seq);
      await recordRead(user, access, request.params.id, 'GET /cases/{id}/replay');
      return asBody(access.full ? view : redactView(view));
    },
  );

  app.get(
    '/cases/:id/verify',
    {
      schema: {
        tags: ['audit'],
        operationId: 'verifyCase',
        summary: 'Hash chain intact and the replay reproduces the stored state; problems name the seq',
        security,
        params: CaseIdParams,
        response: { 200: VerifySchema, ...errorResponses('unauthorized', 'rate_limited', 'not_found') },
      },
    },
    async (request) => engine.verify(request.params.id),
  );

  app.get(
    '/cases/:id/reads',
    {
      schema: {
        tags: ['audit'],
        operationId: 'listCaseReads',
        summary: 'Who read the personal data of the case: person, role, route and time of every unredacted read (auditor only)',
        security,
        headers: ActingRoleHeaders,
        params: CaseIdParams,
        response: {
          200: Type.Object({ reads: Type.Array(ReadSchema) }, { description: 'The recorded reads, oldest first' }),
          ...errorResponses('unauthorized', 'rate_limited', 'forbidden', 'not_found'),
        },
      },
    },
    async (request) => {
      const user = readerOfRequest(request, userOf(request));
      if (!user.roles.includes('auditor')) throw new ApiError('forbidden', 'Only the auditor lists the reads of a case.', { roles: ['auditor'] });
      return { reads: await engine.reads(request.params.id) };
    },
  );
};
