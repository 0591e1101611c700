import { BACKDATING_TOLERANCE_MS, MAX_BACKDATING_REASON } from '../../engine/backdating.js';
import { Type, type Static } from 'typebox';
import { ROLES } from '../../machines/contract.js';
import { PROCEDURE_IDS } from '../../machines/contract.js';
import { CalendarStampSchema } from './calendar.js';
import { InstantSchema, IsoDateSchema, LiteralUnion } from './common.js';

export const RoleSchema = LiteralUnion(ROLES);
export const ProcedureIdSchema = LiteralUnion(PROCEDURE_IDS);

/** An instant in the calendar's zone (`Asia/Almaty`), with its offset, beside the UTC one. */
const LocalInstant = (of: string) =>
  Type.String({
    description: `${of} in the calendar's zone (see \`zone\`), ISO 8601 with the offset the zone had then, e.g. 2026-04-06T10:00:00.000+05:00 (luxon with the IANA database; never a fixed offset)`,
  });

export const RemainingSchema = Type.Object(
  {
    today: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: "YYYY-MM-DD: the clock's day in the calendar's zone, the count's origin" }),
    calendarDays: Type.Integer({
      description: 'lastDay − today: 1 = tomorrow is the last day, 0 = today is the last day (due at its end), negative = past the last day by that many days',
    }),
    workingDays: Type.Optional(
      Type.Integer({
        description:
          'Only where the rule counts working days (reading "working"): the working days after today up to and including the last day; negative = the working days after the last day up to and including today. 0 can also be past due (a weekend right after the last day): `overdue` decides.',
      }),
    ),
  },
  { additionalProperties: false, description: 'What remains, counted from the clock (open deadlines and targets of active cases only)' },
);

export const DeadlineViewSchema = Type.Object(
  {
    key: Type.String(),
    rule: Type.String({ description: 'The item of the Rules, e.g. "п. 38"' }),
    amount: Type.Integer(),
    unit: Type.String(),
    reading: Type.Union([Type.Literal('calendar'), Type.Literal('working')]),
    from: Type.String({ description: 'The instant (or, for lead times, the date) counted from' }),
    lastDay: IsoDateSchema,
    dueAt: InstantSchema,
    status: LiteralUnion(['pending', 'met', 'missed', 'met_late']),
    open: Type.Boolean(),
    overdue: Type.Boolean({ description: 'Open and past dueAt now' }),
    closedAt: Type.Optional(InstantSchema),
    observedMissedAt: Type.Optional(InstantSchema),
    shortfall: Type.Optional(Type.Object({ amount: Type.Integer(), unit: Type.String() })),
    calendar: CalendarStampSchema,
    turn: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'A deadline that opens again on each turn of a loop (P4 `rework`): its turn, 1, 2, … (past turns are in the case\'s `deadlineHistory`)',
      }),
    ),
    dueAtLocal: LocalInstant('dueAt'),
    fromLocal: Type.Optional(LocalInstant('from, when it is an instant')),
    closedAtLocal: Type.Optional(LocalInstant('closedAt')),
    observedMissedAtLocal: Type.Optional(LocalInstant('observedMissedAt')),
    remaining: Type.Optional(RemainingSchema),
  },
  { additionalProperties: true },
);

export const AllowedEventSchema = Type.Object({ type: Type.String(), roles: Type.Array(RoleSchema) });

export const PendingPartSchema = Type.Object(
  {
    step: Type.String({ description: 'The step, e.g. `translation` (P2), `posting` (P1)' }),
    event: Type.String({ description: 'The event that delivers one part, e.g. `deliver_translation`, `post`' }),
    field: Type.String({ description: 'The payload field naming the part, e.g. `language`, `channel`' }),
    awaited: Type.Array(Type.String(), { description: 'The parts still awaited, e.g. ["en"]' }),
    done: Type.Array(Type.String(), { description: 'The parts already delivered' }),
  },
  { additionalProperties: false },
);

export const TargetSchema = Type.Object(
  {
    key: Type.String({ description: '`publication`: the planned publication date P of P1 (п. 11)' }),
    date: IsoDateSchema,
    rule: Type.String(),
    description: Type.String(),
    remaining: Type.Optional(RemainingSchema),
  },
  { additionalProperties: false },
);

export const CaseViewSchema = Type.Object(
  {
    id: Type.String(),
    procedure: ProcedureIdSchema,
    version: Type.String({ description: 'Machine version the case is pinned to' }),
    state: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('done')]),
    seq: Type.Integer({ description: 'Number of events; send as If-Match to guard against concurrent changes' }),
    context: Type.Record(Type.String(), Type.Unknown()),
    deadlines: Type.Array(DeadlineViewSchema, { description: 'The current deadlines, one per key (of a repeated one: its current turn)' }),
    deadlineHistory: Type.Array(DeadlineViewSchema, {
      description: 'The past turns of repeated deadlines (P4 `rework` 1, 2, …), oldest first, each with its own status',
    }),
    pending: Type.Array(PendingPartSchema, {
      description: 'The parts of the current step still awaited: P2 translation languages, P1 channels not yet posted',
    }),
    targets: Type.Array(TargetSchema, { description: 'Dates the case works towards that are not deadlines: P1 planned publication date P' }),
    allowedEvents: Type.Array(AllowedEventSchema, {
      description:
        'What a person may send now, with the roles that may: never the engine\'s own events (`deadline_missed`, `message_delivered`), nor an event the case can no longer take (P3 `extend` once the 30 days of п. 39 are used)',
    }),
    waitingRoles: Type.Array(RoleSchema),
    nextDueAt: Type.Union([InstantSchema, Type.Null()]),
    overdue: Type.Boolean(),
    backdated: Type.Boolean({ description: 'Some event of the case was back-dated (see its history and `GET /cases?backdated=true`)' }),
    undelivered: Type.Boolean({
      description: 'A message to the applicant finally failed and is not resent yet (context.undelivered lists them; resend_message)',
    }),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
    zone: Type.String({ description: 'The IANA zone of every `…Local` instant: the calendar\'s (`Asia/Almaty`)' }),
    nextDueAtLocal: Type.Union([LocalInstant('nextDueAt'), Type.Null()]),
    createdAtLocal: LocalInstant('createdAt'),
    updatedAtLocal: LocalInstant('updatedAt'),
    redacted: Type.Optional(
      Type.Literal(true, { description: 'Personal data left out: the context keeps only deadlines, unit, assignee, language, kind, channel, receivedAt, extensionDays, plannedFor (README "Who reads what")' }),
    ),
  },
  { additionalProperties: true },
);

export const BackdatingReasonSchema = Type.String({
  minLength: 1,
  maxLength: MAX_BACKDATING_REASON,
  description:
    `Why the event is recorded late: required when occurredAt is more than ${BACKDATING_TOLERANCE_MS / 60_000} minutes before now ` +
    '(kept in the history, hashed, and flagged: `backdated`). occurredAt may go back at most MAX_BACKDATING.',
});

export const CreateCaseBodySchema = Type.Object(
  {
    procedure: ProcedureIdSchema,
    input: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The creation input of the procedure (its schema: `inputSchema` in /machines/{procedure}). ' +
        'Unknown fields are refused (400 `invalid_request` naming them).',
    }),
    occurredAt: Type.Optional(InstantSchema),
    backdatingReason: Type.Optional(BackdatingReasonSchema),
  },
  {
    additionalProperties: false,
    // Swagger's "Try it out" starts from these, not from a generated `additionalProp1`.
    examples: [
      {
        procedure: 'feedback-inquiry',
        input: { applicant: { name: 'Айгерим Сатпаева', email: 'applicant@example.kz' }, language: 'ru', kind: 'question', text: 'Когда откроется приём заявок?' },
      },
      { procedure: 'publication', input: { title: 'Итоги квартала', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '2025-03-26' } },
      { procedure: 'blog-question', input: { channel: 'blog', author: { name: 'Ерлан' }, language: 'kk', text: 'Сұрақ' } },
      {
        procedure: 'appearance',
        input: { outlet: 'Khabar 24', format: 'tv', topic: 'Меры поддержки экспорта', broadcast: 'live', place: 'Астана', scheduledAt: '2025-03-27T15:00:00+05:00' },
      },
      { procedure: 'employee-post', input: { kind: 'approval', employee: { name: 'Асель' }, platform: 'Facebook', text: 'Наш центр провёл форум экспортёров.' } },
    ],
  },
);

/**
 * The fields of an event body that are not its payload (the body is flat: `{type,
 * occurredAt?, …payload}`). The one place that says so: `splitEventBody` takes exactly
 * these out, so an envelope field added here (one line, plus the engine's `EventInput`)
 * is never stored as payload, and every other field is the payload, checked by the
 * event's strict schema (an unknown field, `recordedAt` or `seq` included, is a 400).
 */
export const EventEnvelopeProperties = {
  occurredAt: Type.Optional(InstantSchema),
  backdatingReason: Type.Optional(BackdatingReasonSchema),
};
type Envelope = Static<ReturnType<typeof Type.Object<typeof EventEnvelopeProperties>>>;
const ENVELOPE_KEYS = Object.keys(EventEnvelopeProperties);

/** An event body split into the engine's `{type, payload, …envelope}`. */
export function splitEventBody(body: { type: string } & Record<string, unknown>): { type: string; payload: Record<string, unknown> } & Envelope {
  const envelope: Record<string, unknown> = {};
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'type') continue;
    if (ENVELOPE_KEYS.includes(k)) envelope[k] = v;
    else payload[k] = v;
  }
  return { type: body.type, payload, ...(envelope as Envelope) };
}

export const EventBodySchema = Type.Object(
  {
    type: Type.String({ minLength: 1, description: 'The event type; the rest of the body is its payload' }),
    ...EventEnvelopeProperties,
  },
  {
    // The payload's fields are checked by the event's own schema (`eventSchemas` in
    // /machines/{procedure}), closed: a field it does not name is a 400.
    additionalProperties: true,
    description: '`{type, occurredAt?, backdatingReason?, …payload}`; the payload fields of each event: `eventSchemas` in /machines/{procedure}',
    examples: [
      { type: 'register', registrationNumber: 'ЗТ-1' },
      { type: 'assign', unit: 'Департамент экспорта' },
      { type: 'comment', text: 'Позвонили заявителю' },
    ],
  },
);

export const CaseIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const HistoryEventSchema = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  role: Type.String(),
  actor: Type.String(),
  occurredAt: InstantSchema,
  recordedAt: InstantSchema,
  occurredAtLocal: Type.String({ description: 'occurredAt in Asia/Almaty time, e.g. 2025-03-06T10:00:00.000+05:00' }),
  recordedAtLocal: Type.String({ description: 'recordedAt in Asia/Almaty time' }),
  payload: Type.Record(Type.String(), Type.Unknown()),
  backdated: Type.Boolean({ description: 'A staff event recorded more than 15 minutes after its occurredAt' }),
  backdatingReason: Type.Optional(Type.String({ description: 'Why it was recorded late (hashed with the event)' })),
  machineVersion: Type.String({ description: 'The machine version the event was applied under: the case\'s creation version, changed by `procedure_migrated`' }),
  hash: Type.String(),
  prevHash: Type.String(),
  redacted: Type.Optional(Type.Literal(true, { description: 'Personal data left out: payload and backdatingReason (README "Who reads what")' })),
});

export const MessageSchema = Type.Object(
  {
    id: Type.String(),
    eventSeq: Type.Integer(),
    kind: Type.String(),
    template: Type.Union([Type.String(), Type.Null()]),
    recipient: Type.Union([Type.String(), Type.Null()]),
    language: Type.Union([Type.String(), Type.Null()]),
    subject: Type.Union([Type.String(), Type.Null()]),
    text: Type.Union([Type.String(), Type.Null()]),
    status: Type.String(),
    attempts: Type.Integer(),
    nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    closesDeadline: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    sentAt: Type.Union([Type.String(), Type.Null()]),
    redacted: Type.Optional(Type.Literal(true, { description: 'Personal data left out: recipient, text, data and errors are null or empty (README "Who reads what")' })),
  },
  { additionalProperties: true },
);

export const ReadSchema = Type.Object({
  caseId: Type.String(),
  actor: Type.String({ description: 'The person (user name)' }),
  role: Type.String({ description: 'The role that gave the access' }),
  route: Type.String({ description: 'e.g. `GET /cases/{id}/history`' }),
  readAt: InstantSchema,
  readAtLocal: Type.String({ description: 'readAt in Asia/Almaty time' }),
});

export const VerifySchema = Type.Object({
  ok: Type.Boolean(),
  events: Type.Integer(),
  problems: Type.Array(Type.Object({ seq: Type.Union([Type.Integer(), Type.Null()]), kind: Type.String(), message: Type.String() }, { additionalProperties: true })),
});
