/**
 * What the OpenAPI document names, and the two bodies it documents more precisely than
 * the route validates them.
 *
 * Named schemas (`components.schemas`): the route schemas stay as they are; when the
 * document is built (server/plugins/swagger.ts), every part of a route schema that is one
 * of `NAMED_SCHEMAS` (the same schema, or a copy with another description, as
 * `errorResponses` makes) becomes a `$ref` to its component, so a generated client has one
 * `CaseView`, one `Error`, … instead of a copy per route.
 *
 * The procedure bodies: `POST /cases` and `POST /cases/{id}/events` are validated by the
 * route only for their envelope (`CreateCaseBodySchema`, `EventBodySchema`); the input and
 * the payload are the engine's to check against the procedure's strict schemas
 * (`inputSchema`, `eventSchemas`: machines/common/strict.ts), with its own messages (the
 * nearest known field, the event's roles before its payload). The document shows what
 * the engine accepts, built from those same module schemas, never retyped:
 * - the creation body: a `oneOf` discriminated by `procedure`, each branch with its
 *   procedure's input (`<Procedure>Input`);
 * - the event body: per procedure a `oneOf` discriminated by `type` (`<Procedure>Event`),
 *   each branch `{type, occurredAt?, backdatingReason?, …payload fields}` (the body is flat:
 *   `splitEventBody`), closed as the payload is; the body is any of the procedures' unions,
 *   since the case's procedure decides which one applies. Events only the engine sends
 *   (`system`: `deadline_missed`, `message_delivered`, …) are left out: a person sending
 *   one gets 403.
 * - the case view (`CaseView`): a `oneOf` discriminated by `procedure`, each branch
 *   (`<Procedure>CaseView`) the view with its `context` typed: the procedure's context
 *   (`<Procedure>Context`, machines/<procedure>/<procedure>.context.ts) or, for a reader who
 *   takes no part in the procedure, its redacted part (`<Procedure>RedactedContext`: the
 *   fields of `VIEW_CONTEXT_KEPT`). The route still serializes `context` as an open record,
 *   so no field a machine writes is ever dropped from an answer.
 * These schemas are documentation only: Fastify never compiles them.
 */
import type { TSchema } from 'typebox';
import { AppearanceContextSchema } from '../../machines/appearance/index.js';
import { BlogQuestionContextSchema } from '../../machines/blog-question/index.js';
import { SiteContentReviewContextSchema } from '../../machines/site-content-review/index.js';
import { EmployeePostContextSchema } from '../../machines/employee-post/index.js';
import type { ProcedureId, ProcedureModule } from '../../machines/contract.js';
import { FeedbackInquiryContextSchema } from '../../machines/feedback-inquiry/index.js';
import { PublicationContextSchema } from '../../machines/publication/index.js';
import { VIEW_CONTEXT_KEPT } from '../read-access.js';
import {
  CalendarStampSchema,
  DayInfoSchema,
  DayReasonSchema,
  DayResponseSchema,
  DeadlineResponseSchema,
  YearResponseSchema,
} from './calendar.js';
import {
  AllowedEventSchema,
  CaseViewSchema,
  CreateCaseBodySchema,
  DeadlineViewSchema,
  EventBodySchema,
  EventEnvelopeProperties,
  HistoryEventSchema,
  MessageSchema,
  PendingPartSchema,
  RemainingSchema,
  TargetSchema,
  VerifySchema,
} from './cases.js';
import { ErrorSchema } from './common.js';

type Json = Record<string, unknown>;

/**
 * The shared schemas of the API under their component names, with the description a
 * component (and a response that is one, unless the route says more) carries.
 */
export const NAMED_SCHEMAS: Readonly<Record<string, { schema: TSchema; description: string }>> = {
  Error: { schema: ErrorSchema, description: 'Every error: a machine-readable code and a message that says what to fix.' },
  CaseView: { schema: CaseViewSchema, description: 'A case: its state, deadlines, the events it accepts now and who may send them' },
  Deadline: { schema: DeadlineViewSchema, description: 'A deadline of a case: its rule, last day, exclusive end (`dueAt`) and status' },
  Remaining: { schema: RemainingSchema, description: 'What remains of a deadline or target, counted from the clock' },
  PendingPart: { schema: PendingPartSchema, description: 'The parts of the current step still awaited' },
  Target: { schema: TargetSchema, description: 'A date the case works towards that is not a deadline' },
  AllowedEvent: { schema: AllowedEventSchema, description: 'An event the case accepts now, with the roles that may send it' },
  HistoryEvent: { schema: HistoryEventSchema, description: "One event of a case's history, as stored (hash-chained)" },
  Message: { schema: MessageSchema, description: 'A message of a case (an e-mail or a portal notice) and its delivery' },
  Verification: { schema: VerifySchema, description: 'The hash chain and the replay of a case checked against the stored state' },
  CalendarStamp: { schema: CalendarStampSchema, description: 'The calendar (and its data version) a date was computed with' },
  CalendarDay: { schema: DayResponseSchema, description: 'A day of the calendar: working or not, and why' },
  DayInfo: { schema: DayInfoSchema, description: 'A day: working or not, and why' },
  DayReason: { schema: DayReasonSchema, description: 'Why a day is off or working: the holiday, carry-over or transfer, with its source' },
  CalendarYear: { schema: YearResponseSchema, description: 'A year of the calendar: working days per month and the days off' },
  CalendarDeadline: { schema: DeadlineResponseSchema, description: 'A deadline or lead time computed on the calendar' },
};

export const componentRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * The context schema of each procedure (a new procedure without one does not compile).
 * tests/machines/context-schemas.test.ts checks them against the contexts the machines write.
 */
export const CONTEXT_SCHEMAS: Readonly<Record<ProcedureId, TSchema>> = {
  'feedback-inquiry': FeedbackInquiryContextSchema,
  publication: PublicationContextSchema,
  'blog-question': BlogQuestionContextSchema,
  'site-content-review': SiteContentReviewContextSchema,
  appearance: AppearanceContextSchema,
  'employee-post': EmployeePostContextSchema,
};

/** `feedback-inquiry` → `FeedbackInquiry`, `send_for_translation` → `SendForTranslation`. */
const pascal = (id: string) =>
  id
    .split(/[-_]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

const asJson = (schema: TSchema) => schema as unknown as Json;

/** One event's body: the envelope and the payload's fields, flat, closed like the payload. */
function eventBranch(module: ProcedureModule, type: string): Json {
  const payload = asJson(module.eventSchemas[type]!);
  const fields = (payload.properties ?? {}) as Json;
  if (payload.type !== 'object' || payload.additionalProperties !== false) {
    throw new Error(`${module.id}: the payload of '${type}' is not a closed object; the OpenAPI event body cannot be flat`);
  }
  const clash = Object.keys(fields).find((k) => k === 'type' || k in EventEnvelopeProperties);
  if (clash) throw new Error(`${module.id}: the payload of '${type}' has a field '${clash}', which the event envelope already uses`);
  const roles = module.eventRoles[type]!.filter((r) => r !== 'system');
  return {
    type: 'object',
    description:
      `\`${type}\` in ${module.id} (${module.title}); roles: ${roles.join(', ')}.` +
      (typeof payload.description === 'string' ? ` ${payload.description}` : ''),
    required: ['type', ...((payload.required as string[] | undefined) ?? [])],
    properties: { type: { type: 'string', enum: [type] }, ...EventEnvelopeProperties, ...fields },
    additionalProperties: false,
  };
}

/** What a redacted view keeps of a context: the fields of `VIEW_CONTEXT_KEPT` the procedure has, each optional. */
function redactedContext(id: string, context: Json): Json {
  const properties = (context.properties ?? {}) as Json;
  const kept: readonly string[] = VIEW_CONTEXT_KEPT;
  return {
    type: 'object',
    description: `The context of a ${id} case in a redacted view (\`redacted: true\`): no personal data (README "Who reads what")`,
    properties: Object.fromEntries(Object.entries(properties).filter(([k]) => kept.includes(k))),
    additionalProperties: false,
  };
}

/**
 * The case view by procedure (see the file comment): the components `<Procedure>Context`,
 * `<Procedure>RedactedContext`, `<Procedure>CaseView` and `CaseView`, the union. `caseView`
 * is the `CaseView` component as the route schema gives it (its named parts already `$ref`s).
 */
export function caseViewDocs(modules: readonly ProcedureModule[], caseView: Json): Record<string, Json> {
  const out: Record<string, Json> = {};
  const mapping: Record<string, string> = {};
  const viewProperties = (caseView.properties ?? {}) as Json;
  for (const m of modules) {
    const P = pascal(m.id);
    const context = asJson(CONTEXT_SCHEMAS[m.id]);
    out[`${P}Context`] = context;
    out[`${P}RedactedContext`] = redactedContext(m.id, context);
    out[`${P}CaseView`] = {
      ...caseView,
      description: `A ${m.id} case (${m.title})`,
      properties: {
        ...viewProperties,
        procedure: { type: 'string', enum: [m.id] },
        context: {
          description: `The case's data: \`${P}Context\`, or \`${P}RedactedContext\` in a redacted view (\`redacted: true\`)`,
          anyOf: [componentRef(`${P}Context`), componentRef(`${P}RedactedContext`)],
        },
      },
    };
    mapping[m.id] = componentRef(`${P}CaseView`).$ref;
  }
  out.CaseView = {
    description: caseView.description,
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'procedure', mapping },
  };
  return out;
}

export interface ProcedureDocs {
  /** Component schemas: per procedure its input, creation body, event union and each event's body. */
  components: Record<string, Json>;
  /** The documented body of `POST /cases`. */
  createCaseBody: Json;
  /** The documented body of `POST /cases/{id}/events`. */
  eventBody: Json;
}

/** The procedures' inputs and event bodies as OpenAPI schemas (see the file comment). */
export function procedureDocs(modules: readonly ProcedureModule[]): ProcedureDocs {
  const components: Record<string, Json> = {};
  const createBranches: Record<string, string> = {};
  const eventUnions: string[] = [];
  const { procedure: _procedure, input: _input, ...createEnvelope } = CreateCaseBodySchema.properties;
  for (const m of modules) {
    const P = pascal(m.id);
    components[`${P}Input`] = { ...asJson(m.inputSchema), description: `The creation input of ${m.id}: ${m.title}` };
    components[`Create${P}Case`] = {
      type: 'object',
      description: `A new ${m.id} case; roles: ${m.createRoles.filter((r) => r !== 'system').join(', ')}.`,
      required: ['procedure', 'input'],
      properties: { procedure: { type: 'string', enum: [m.id] }, input: componentRef(`${P}Input`), ...createEnvelope },
      additionalProperties: false,
    };
    createBranches[m.id] = `Create${P}Case`;

    const mapping: Record<string, string> = {};
    for (const type of Object.keys(m.eventSchemas)) {
      if (!m.eventRoles[type]?.some((r) => r !== 'system')) continue;
      const name = `${P}${pascal(type)}Event`;
      components[name] = eventBranch(m, type);
      mapping[type] = componentRef(name).$ref;
    }
    components[`${P}Event`] = {
      description: `An event a person may send to a ${m.id} case, by \`type\`.`,
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: 'type', mapping },
    };
    eventUnions.push(`${P}Event`);
  }
  return {
    components,
    createCaseBody: {
      description:
        'The new case: `procedure` decides the schema of `input` (the engine checks it: an unknown field is a 400 naming it).',
      oneOf: Object.values(createBranches).map(componentRef),
      discriminator: {
        propertyName: 'procedure',
        mapping: Object.fromEntries(Object.entries(createBranches).map(([id, name]) => [id, componentRef(name).$ref])),
      },
      examples: (CreateCaseBodySchema as unknown as Json).examples,
    },
    eventBody: {
      description:
        '`{type, occurredAt?, backdatingReason?, …payload}`: one of the events of the case\'s procedure ' +
        '(`<Procedure>Event`, by `type`). The engine checks the payload (an unknown field is a 400 naming it).',
      anyOf: eventUnions.map(componentRef),
      examples: (EventBodySchema as unknown as Json).examples,
    },
  };
}
