import { Type } from 'typebox';
import { ROLES } from '../../machines/contract.js';
import { PROCEDURE_IDS } from '../../machines/contract.js';
import { CalendarStampSchema } from './calendar.js';
import { InstantSchema, IsoDateSchema, LiteralUnion } from './common.js';

export const RoleSchema = LiteralUnion(ROLES);
export const ProcedureIdSchema = LiteralUnion(PROCEDURE_IDS);

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
  },
  { additionalProperties: true },
);

export const AllowedEventSchema = Type.Object({ type: Type.String(), roles: Type.Array(RoleSchema) });

export const CaseViewSchema = Type.Object(
  {
    id: Type.String(),
    procedure: ProcedureIdSchema,
    version: Type.String({ description: 'Machine version the case is pinned to' }),
    state: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('done')]),
    seq: Type.Integer({ description: 'Number of events; send as If-Match to guard against concurrent changes' }),
    context: Type.Record(Type.String(), Type.Unknown()),
    deadlines: Type.Array(DeadlineViewSchema),
    allowedEvents: Type.Array(AllowedEventSchema),
    waitingRoles: Type.Array(RoleSchema),
    nextDueAt: Type.Union([InstantSchema, Type.Null()]),
    overdue: Type.Boolean(),
    undelivered: Type.Boolean({
      description: 'A message to the applicant finally failed and is not resent yet (context.undelivered lists them; resend_message)',
    }),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
  },
  { additionalProperties: true },
);

export const CreateCaseBodySchema = Type.Object(
  {
    procedure: ProcedureIdSchema,
    input: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The creation input of the procedure (see the procedure\'s input schema in /machines/{procedure})',
    }),
    occurredAt: Type.Optional(InstantSchema),
  },
  { additionalProperties: false },
);

export const EventBodySchema = Type.Object(
  {
    type: Type.String({ minLength: 1, description: 'The event type; the rest of the body is its payload' }),
    occurredAt: Type.Optional(InstantSchema),
  },
  { additionalProperties: true, description: '`{type, occurredAt?, …payload}`' },
);

export const CaseIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const HistoryEventSchema = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  role: Type.String(),
  actor: Type.String(),
  occurredAt: InstantSchema,
  recordedAt: InstantSchema,
  payload: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String(),
  prevHash: Type.String(),
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
  },
  { additionalProperties: true },
);

export const VerifySchema = Type.Object({
  ok: Type.Boolean(),
  events: Type.Integer(),
  problems: Type.Array(Type.Object({ seq: Type.Union([Type.Integer(), Type.Null()]), kind: Type.String(), message: Type.String() }, { additionalProperties: true })),
});
