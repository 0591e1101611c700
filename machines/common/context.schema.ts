/**
 * The parts of a case's context every procedure shares, as TypeBox schemas: what a case
 * view's `context` holds (issue 13 §4: a generated client got `context: unknown`).
 *
 * Each procedure's context schema (`machines/<procedure>/<procedure>.context.ts`) is built
 * from these and its own fields, closed (`additionalProperties: false`) at every level, so
 * a misspelled field does not compile in a generated client, and a field a machine starts
 * writing without its schema fails tests/machines/context-schemas.test.ts, which checks the
 * contexts of cases driven through every procedure against them.
 *
 * Documentation and tests only: the server serializes `context` as an open record
 * (server/schemas/cases.ts), so nothing a machine writes is ever dropped from an answer.
 * Besides the machine's own fields, the context of a view carries two the engine adds:
 * `children` (a running child machine's state and context: P2 translation, P5 redirection;
 * machines/runtime.ts) and `corrections` (engine/corrections.ts).
 */
import { Type, type TSchema } from 'typebox';
import { LanguageSchema } from './events.js';

const closed = { additionalProperties: false } as const;
const Str = (description?: string) => Type.String(description ? { description } : {});
/** An instant as stored: UTC ISO 8601. */
export const ContextInstant = (description?: string) => Type.String({ description: description ?? 'an instant, UTC ISO 8601' });
const IsoDate = (description?: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: description ?? 'YYYY-MM-DD' });
const Literals = (values: readonly string[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

/** The person who sent an event (`EventMeta['actor']`). */
export const ActorSchema = Type.Object({ name: Str('the user name'), role: Str('the role the event was sent under') }, closed);

const CalendarStampContextSchema = Type.Object(
  { id: Str(), version: Str(), statutoryOnly: Type.Boolean(), statutoryOnlyYears: Type.Array(Type.Integer()) },
  closed,
);

/** A deadline as the machine keeps it (`CaseDeadline`, machines/contract.ts); the view adds its `…Local` and `remaining`. */
export const ContextDeadlineSchema = Type.Object(
  {
    key: Str(),
    rule: Str('the item of the Rules, e.g. "п. 38"'),
    amount: Type.Integer(),
    unit: Literals(['days', 'working_days', 'calendar_days']),
    reading: Literals(['calendar', 'working']),
    from: Str('the instant (or, for lead times, the date) counted from'),
    lastDay: IsoDate(),
    dueAt: ContextInstant(),
    status: Literals(['pending', 'met', 'missed', 'met_late']),
    open: Type.Boolean(),
    closedAt: Type.Optional(ContextInstant()),
    observedMissedAt: Type.Optional(ContextInstant()),
    shortfall: Type.Optional(Type.Object({ amount: Type.Integer(), unit: Literals(['calendar', 'working']) }, closed)),
    calendar: CalendarStampContextSchema,
    turn: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  closed,
);

/** `context.deadlines`: by key. */
const ContextDeadlinesSchema = Type.Record(Type.String(), ContextDeadlineSchema, { description: 'The deadlines, by key' });

/** `context.undelivered` (common/record-events.ts `UndeliveredMessage`). */
const UndeliveredSchema = Type.Object(
  { messageId: Str(), template: Str(), deadline: Type.Optional(Str()), failedAt: ContextInstant() },
  { ...closed, description: 'A message the outbox finally failed to deliver, until it is resent or delivered' },
);

const ForwardRecordSchema = Type.Object({ organization: Str(), reference: Str(), at: ContextInstant() }, closed);
const CancelRecordSchema = Type.Object({ reason: Str(), at: ContextInstant() }, closed);
const OutcomeSchema = Literals(['forwarded', 'cancelled']);

/** `context.redirects` (redirection/parent.ts `RedirectRecord`). */
export const RedirectRecordSchema = Type.Object({ reason: Str(), at: ContextInstant(), outcome: Type.Optional(OutcomeSchema) }, closed);

/** `context.redirection`: what the parent keeps of a completed P5 (`RedirectionRecord`). */
export const RedirectionRecordSchema = Type.Object(
  {
    outcome: OutcomeSchema,
    reason: Str(),
    forward: Type.Optional(ForwardRecordSchema),
    cancel: Type.Optional(CancelRecordSchema),
    redirectedAt: ContextInstant(),
  },
  closed,
);

/** The context of a running P5 (redirection.machine.ts `RedirectionContext`). */
export const RedirectionChildContextSchema = Type.Object(
  {
    receivedAt: ContextInstant(),
    redirectedAt: ContextInstant(),
    reason: Str(),
    notice: Type.Union([
      Type.Object(
        { kind: Type.Literal('mail'), to: Type.Object({ name: Str(), email: Str() }, closed), language: LanguageSchema },
        closed,
      ),
      Type.Object(
        {
          kind: Type.Literal('portal'),
          data: Type.Object(
            {
              channel: Literals(['blog', 'e-otinish']),
              author: Type.Object({ name: Str(), contact: Type.Optional(Str()) }, closed),
              language: LanguageSchema,
              registrationNumber: Type.Optional(Str()),
            },
            closed,
          ),
        },
        closed,
      ),
    ]),
    forward: Type.Optional(ForwardRecordSchema),
    cancel: Type.Optional(CancelRecordSchema),
  },
  closed,
);

/** A running child machine in the view's context: its state and context (machines/runtime.ts). */
export const ChildSchema = <T extends TSchema>(context: T) => Type.Object({ state: Str(), context }, closed);

const JudgedSchema = Type.Union([Type.Object({ status: Str(), dueAt: Str(), lastDay: Str() }, closed), Type.Null()]);

/** An entry of `context.corrections` (engine/corrections.ts `CorrectionEntry`): added by the engine, never by a machine. */
const CorrectionEntrySchema = Type.Object(
  {
    seq: Type.Integer({ description: 'the `correct` event' }),
    of: Type.Object({ seq: Type.Integer(), type: Str(), field: Str() }, closed),
    from: Type.Unknown(),
    to: Type.Unknown(),
    reason: Str(),
    by: ActorSchema,
    at: ContextInstant(),
    rejudged: Type.Array(Type.Object({ key: Str(), before: JudgedSchema, after: JudgedSchema }, closed)),
  },
  closed,
);

/** The fields every procedure's context has (or may have): deadlines, undelivered messages, corrections. */
const SharedContextProperties = {
  deadlines: ContextDeadlinesSchema,
  undelivered: Type.Optional(Type.Array(UndeliveredSchema)),
  corrections: Type.Optional(Type.Array(CorrectionEntrySchema, { description: 'The corrections of the history (`correct`), in order' })),
};

export const contextSchema = <P extends Record<string, TSchema>>(properties: P, description: string) =>
  Type.Object({ ...properties, ...SharedContextProperties }, { ...closed, description });

export { IsoDate as ContextIsoDate, Literals as ContextLiterals, Str as ContextString, closed as CLOSED };
