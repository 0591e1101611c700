/**
 * iCalendar feeds (issue 15 §3): a person's deadlines and the company's days off, in their
 * own calendar program, through a private URL.
 *
 * - `/me/feed-token` (signed in, for oneself): `POST` issues a token (revoking the previous
 *   one) and answers it with the two feed URLs, once; `GET` says whether one is active and
 *   since when, never the token; `DELETE` revokes it. Only the token's sha-256 is stored
 *   (engine/feed-tokens.ts).
 * - `/feeds/{token}/deadlines.ics` and `/feeds/{token}/days-off.ics` (no other credential:
 *   a calendar program cannot send one): the token names the person; their roles and units
 *   come from the users file at each request, so a person removed from it, like an unknown
 *   or revoked token, gets 404 `not_found`, the same answer for all three. Rate-limited per
 *   address like the other public routes.
 *
 * deadlines.ics is the person's queue (`GET /cases?mine=true` for each role they hold):
 * every open deadline of the cases waiting on them, an all-day event on its last day. A
 * case is named by its registration number (or its short id), procedure and link; nothing
 * of the applicant (name, e-mail, text) is ever in a feed (i15-shared §6). days-off.ics is
 * every day off and working weekend day of the calendar's years with its reason.
 *
 * The feeds carry no personal data of applicants, but they are a person's work: `private,
 * no-store`. The token is in the path: the request log writes `/feeds/…` without it
 * (server/app.ts).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { BusinessCalendar, DayInfo } from '../../calendars/types.js';
import type { CaseView, Engine } from '../../engine/index.js';
import { writeCalendar, type IcalAllDayEvent } from '../../lib/ical.js';
import type { User, UserDirectory } from '../auth.js';
import { ApiError } from '../errors.js';
import { deadlineLabel, procedureLabel } from '../pages/labels.js';
import { userOf } from '../plugins/authenticate.js';
import { errorResponses, InstantSchema } from '../schemas/common.js';

const PRODID = '-//QazIndustry//Procedures//RU';
/** The domain part of every UID: the feeds' events are ours alone. */
const UID_DOMAIN = 'procedures.qazindustry.kz';
/** At most this many cases in one deadlines feed (pages of 500): a queue longer than that is not a calendar. */
const MAX_FEED_CASES = 5000;

/** Where the feeds of a token are, relative to the server. */
function feedPaths(token: string): { deadlines: string; daysOff: string } {
  return { deadlines: `/feeds/${token}/deadlines.ics`, daysOff: `/feeds/${token}/days-off.ics` };
}

/** `/feeds/<token>/…` with the token left out (for the request log). */
export function redactFeedUrl(url: string): string {
  return url.startsWith('/feeds/') ? url.replace(/^\/feeds\/[^/?#]*/, '/feeds/…') : url;
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

const FeedUrls = Type.Object({
  deadlines: Type.String({ description: 'The deadlines feed (iCalendar)' }),
  daysOff: Type.String({ description: 'The days-off feed (iCalendar)' }),
});

const FeedTokenStatusSchema = Type.Object(
  {
    active: Type.Boolean(),
    createdAt: Type.Optional(InstantSchema),
  },
  { description: 'Whether you have an active feed token, and when it was issued (never the token)' },
);

const IssuedSchema = Type.Object(
  {
    token: Type.String({ description: 'The token; shown this once and never again (only its hash is stored)' }),
    createdAt: InstantSchema,
    paths: { ...FeedUrls, description: 'The feeds, relative to this server' },
    urls: { ...FeedUrls, description: 'The feeds as absolute URLs, as this request reached the server' },
  },
  { description: 'A new token (the previous one, if any, no longer opens anything)' },
);

const security = [{ bearer: [] }];

/** The signed-in person's own feed token. Registered behind the authentication hook (server/app.ts). */
export const feedTokenRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, opts) => {
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.get(
    '/me/feed-token',
    {
      schema: {
        tags: ['feeds'],
        operationId: 'getFeedToken',
        summary: 'Whether you have an active calendar feed token (never the token itself)',
        security,
        response: { 200: FeedTokenStatusSchema, ...errorResponses('unauthorized', 'rate_limited') },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return opts.engine.feedTokens.status(userOf(request).name);
    },
  );

  app.post(
    '/me/feed-token',
    {
      schema: {
        tags: ['feeds'],
        operationId: 'issueFeedToken',
        summary: 'Issue your private calendar feed token (revokes the previous one); the token and the feed URLs are shown once',
        security,
        response: { 201: IssuedSchema, ...errorResponses('unauthorized', 'rate_limited', 'storage_unavailable') },
      },
    },
    async (request, reply) => {
      const issued = await opts.engine.feedTokens.issue(userOf(request).name);
      const paths = feedPaths(issued.token);
      const base = origin(request);
      return noStore(reply)
        .status(201)
        .send({ ...issued, paths, urls: { deadlines: base + paths.deadlines, daysOff: base + paths.daysOff } });
    },
  );

  app.delete(
    '/me/feed-token',
    {
      schema: {
        tags: ['feeds'],
        operationId: 'revokeFeedToken',
        summary: 'Revoke your calendar feed token: its feeds answer 404 from now on',
        security,
        response: {
          200: Type.Object({ revoked: Type.Boolean({ description: 'false: there was no active token' }) }, { description: 'Revoked (or there was none)' }),
          ...errorResponses('unauthorized', 'rate_limited', 'storage_unavailable'),
        },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return { revoked: await opts.engine.feedTokens.revoke(userOf(request).name) };
    },
  );
};

// ——— The feeds ———

const NO_FEED = 'No such feed: the link is unknown or was revoked. Issue a new one on your account page.';

/** The person a feed token names, as the users file has them now; 404 otherwise (the same for every reason). */
async function feedUser(engine: Engine, users: UserDirectory, token: string): Promise<User> {
  const name = await engine.feedTokens.userOf(token);
  const user = name === undefined ? undefined : users.byName(name);
  if (!user) throw new ApiError('not_found', NO_FEED);
  return user;
}

/** The cases waiting on the person: their queue, as `GET /cases?mine=true` for all their roles. */
async function queueOf(engine: Engine, user: User): Promise<{ cases: CaseView[]; truncated: boolean }> {
  const roles = user.roles.filter((r) => r !== 'auditor');
  if (roles.length === 0) return { cases: [], truncated: false };
  const cases: CaseView[] = [];
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await engine.listCases({
      waitingRoles: roles,
      status: 'active',
      ...(user.units && roles.includes('unit') ? { unitScope: { units: user.units, person: user.name } } : {}),
      limit: 500,
      ...(after ? { after } : {}),
    });
    cases.push(...page.cases);
    if (!page.next) return { cases, truncated: false };
    if (cases.length >= MAX_FEED_CASES) return { cases: cases.slice(0, MAX_FEED_CASES), truncated: true };
    after = { createdAt: page.next.createdAt, id: page.next.id };
  }
}

/** `18.12.2026`, as the company writes dates. */
function ruDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y}`;
}

/**
 * What names a case in a feed: its registration number, else its short id. Nothing else of
 * the context is read (the applicant's name, e-mail and text stay out of every feed).
 */
function caseRef(view: CaseView): string {
  const n = view.context.registrationNumber;
  return typeof n === 'string' && n.trim().length > 0 ? n.trim() : `№ ${view.id.slice(0, 8)}`;
}

/** The open deadlines of the cases as all-day events on their last days. */
function deadlineEvents(cases: readonly CaseView[], base: string): IcalAllDayEvent[] {
  const events: IcalAllDayEvent[] = [];
  for (const view of cases) {
    const link = `${base}/ui/cases/${encodeURIComponent(view.id)}`;
    const ref = caseRef(view);
    for (const d of view.deadlines) {
      if (!d.open) continue;
      const label = deadlineLabel('ru', d.key);
      const turn = d.turn ?? 1;
      events.push({
        // Stable per (case, deadline, turn): a re-counted last day moves the same event.
        uid: `${view.id}.${d.key}.${turn}@${UID_DOMAIN}`,
        date: d.lastDay,
        summary: `${ref} — ${label} (${d.rule})`,
        description: [
          `${procedureLabel('ru', view.procedure)}: ${ref}`,
          `${label} (${d.rule}), последний день ${ruDate(d.lastDay)}${d.overdue ? ', срок пропущен' : ''}`,
          link,
        ].join('\n'),
        url: link,
        categories: [view.procedure],
      });
    }
  }
  return events;
}

const KIND_WORDS: Record<Exclude<DayInfo['kind'], 'workday' | 'weekend'>, { ru: string; en: string }> = {
  holiday: { ru: 'Праздничный день', en: 'public holiday' },
  religious: { ru: 'Религиозный праздник (выходной)', en: 'religious day off' },
  carryover: { ru: 'Перенос выходного с праздника, выпавшего на выходной', en: 'carry-over of a holiday on a weekend' },
  transfer_day_off: { ru: 'День отдыха по переносу', en: 'day off by a transfer order' },
  transfer_workday: { ru: 'Рабочий выходной день по переносу', en: 'working weekend day by a transfer order' },
};

/** Every day off and working weekend day of the calendar's years, with its reason. */
function dayOffEvents(calendar: BusinessCalendar): IcalAllDayEvent[] {
  const events: IcalAllDayEvent[] = [];
  for (let year = calendar.firstYear; year <= calendar.lastYear; year++) {
    for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) {
      const date = new Date(t).toISOString().slice(0, 10);
      const day = calendar.day(date);
      const reason = day.reason;
      if (!reason) continue;
      const kind = KIND_WORDS[reason.kind];
      const lines = [reason.nameEn, `${kind.ru} / ${kind.en}`];
      for (const a of day.also ?? []) lines.push(`+ ${a.name} / ${a.nameEn}`);
      if (reason.act) lines.push(reason.act);
      lines.push(`Источник / source: ${reason.source}`);
      events.push({
        uid: `${date}.${reason.kind}@${calendar.id}.${UID_DOMAIN}`,
        date,
        summary: reason.name,
        description: lines.join('\n'),
        categories: [day.working ? 'working-day' : 'day-off', reason.kind],
      });
    }
  }
  return events;
}

const FeedParams = Type.Object({
  // Any string up to 200: a malformed token is "no such feed" (404), like an unknown one, not a 400.
  token: Type.String({ maxLength: 200, description: 'The private token of `POST /me/feed-token`' }),
});

const IcsResponse = {
  description: 'An iCalendar object (RFC 5545), `text/calendar; charset=utf-8`',
  content: { 'text/calendar': { schema: { type: 'string' } } },
};

function sendIcs(reply: FastifyReply, body: string): FastifyReply {
  return reply.header('cache-control', 'private, no-store').type('text/calendar; charset=utf-8').send(body);
}

export const feedRoutes: FastifyPluginAsyncTypebox<{ engine: Engine; users: UserDirectory; perMinute: number }> = async (app, opts) => {
  // One window per address for both feeds (the routes of this plugin only): a calendar
  // program polls each a few times an hour.
  await app.register(rateLimit, {
    global: true,
    max: opts.perMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) => {
      const error = new Error(`Too many feed requests from this address; retry in ${Math.ceil(context.ttl / 1000)} s.`) as Error & { statusCode: number };
      error.statusCode = 429;
      return error;
    },
  });
  const calendar = opts.engine.deps.calendar;

  app.get(
    '/feeds/:token/deadlines.ics',
    {
      schema: {
        tags: ['feeds'],
        operationId: 'getDeadlinesFeed',
        summary: 'Your open deadlines (the cases waiting on you) as an iCalendar feed; the token is the only credential',
        security: [],
        params: FeedParams,
        response: { 200: IcsResponse, ...errorResponses('not_found', 'rate_limited', 'storage_unavailable') },
      },
    },
    async (request, reply) => {
      const user = await feedUser(opts.engine, opts.users, request.params.token);
      const { cases, truncated } = await queueOf(opts.engine, user);
      const body = writeCalendar({
        prodId: PRODID,
        name: 'Мои сроки — QazIndustry',
        description: truncated
          ? `Сроки дел, ожидающих вас (первые ${MAX_FEED_CASES} дел очереди)`
          : 'Сроки дел, ожидающих вас (открытые сроки, последний день)',
        stamp: opts.engine.clock.now(),
        events: deadlineEvents(cases, origin(request)),
      });
      return sendIcs(reply, body);
    },
  );

  app.get(
    '/feeds/:token/days-off.ics',
    {
      schema: {
        tags: ['feeds'],
        operationId: 'getDaysOffFeed',
        summary: 'The company\'s days off and working weekend days with their reasons, as an iCalendar feed',
        security: [],
        params: FeedParams,
        response: { 200: IcsResponse, ...errorResponses('not_found', 'rate_limited', 'storage_unavailable') },
      },
    },
    async (request, reply) => {
      await feedUser(opts.engine, opts.users, request.params.token);
      const body = writeCalendar({
        prodId: PRODID,
        name: 'Выходные и праздничные дни (Казахстан)',
        description: `Производственный календарь ${calendar.id}, версия ${calendar.version}, ${calendar.firstYear}–${calendar.lastYear}`,
        stamp: opts.engine.clock.now(),
        events: dayOffEvents(calendar),
      });
      return sendIcs(reply, body);
    },
  );
};
