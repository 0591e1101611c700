/**
 * P6 — a speech, interview or event appearance (п. 30–34). The press secretary organises
 * it (п. 30), names the speaker and the units in agreement with the Chairman (п. 32),
 * informs the speaker of the format (п. 31), consolidates the units' materials (п. 33) and
 * has the material agreed with the Chairman (п. 34); then the appearance is held or cancelled.
 *
 * The units are named per case, so their parts cannot be static parallel regions: the
 * units still awaited are data (`awaited`), shown as a pending part (`progress`), and each
 * unit delivers its own part with `deliver_materials {unit}` (the engine lets a unit user
 * name only one of their units: `partUnitEvents`). The Rules set no days here: the two
 * deadlines are internal targets, opened only when the deployment sets them (`deps.targets`).
 *
 * The case record has one unit: the responsible one (`unit`, the first named, п. 34), whose
 * users take and work the case. The units still awaited are also stored with the case
 * (`CaseRecord.partUnits`, from `progress`: engine/units.ts `partUnitsOf`), so a co-unit's
 * users have the case in their queue and read it while their part is awaited, and deliver
 * it like any unit user (the engine checks the part's unit against theirs); afterwards they
 * read it as anyone who acted on a case does.
 */
import { and, assign, setup } from 'xstate';
import type { Instant, IsoDate } from '../../calendars/types.js';
import type { CaseDeadline, EventMeta, MachineDeps } from '../contract.js';
import type { EffectEvent } from '../common/effects.js';
import { fromComputed, reopen } from '../common/deadlines.js';
import { ROOT_HANDLERS, sharedParentActions, closeKey, type DeadlineOpsEvent, type Deadlines } from '../common/parent.js';
import type { UndeliveredMessage } from '../common/record-events.js';
import type { CreationInput, Validator } from '../runtime.js';
import {
  appearanceDeadlinePolicies as P,
  type AppearanceDeadlineKey,
  type AppearanceEvent,
  type AppearanceInput,
} from './appearance.events.js';

export const APPEARANCE_MACHINE_ID = 'appearance';

export interface AppearanceContext {
  outlet: string;
  format: AppearanceInput['format'];
  topic: string;
  broadcast?: AppearanceInput['broadcast'];
  questions?: string[];
  place: string;
  scheduledAt: Instant;
  /** The day of the appearance (Asia/Almaty): the internal targets count back from it. */
  appearanceDay: IsoDate;
  createdBy: EventMeta['actor'];
  /** The speaker proposed (`designate`) and, once `designationAgreedAt` is set, agreed (п. 32). */
  speaker?: { name: string; position?: string };
  /** The units preparing the materials (п. 32), the responsible one first (п. 34). */
  units: string[];
  /** The responsible unit (the first of `units`); the engine copies it to the case record. */
  unit?: string;
  designatedAt?: Instant;
  designationAgreedAt?: Instant;
  designationReturns: Array<{ comment: string; at: Instant }>;
  speakerInformed?: { at: Instant; note?: string };
  /** The units whose part of the current round is still awaited, in the order named. */
  awaited: string[];
  /** Each unit's latest materials. */
  materials: Record<string, { text: string; deliveredAt: Instant; by: string }>;
  consolidated?: { text: string; at: Instant };
  materialReturns: Array<{ comment: string; units: string[]; at: Instant }>;
  materialAgreedAt?: Instant;
  held?: { at: Instant; note?: string };
  cancellation?: { reason: string; at: Instant };
  deadlines: Deadlines;
  /** Finally failed messages not yet resent or delivered (common/record-events.ts). */
  undelivered?: UndeliveredMessage[];
}

type Ev = AppearanceEvent | DeadlineOpsEvent | EffectEvent;
type Of<T extends AppearanceEvent['type']> = Extract<AppearanceEvent, { type: T }>;

/**
 * An internal target counted back from the appearance day, or undefined while the
 * deployment has not switched it on (INTERNAL_TARGETS): the N-th working day before, N the
 * deployment's amount.
 */
export function internalTarget(deps: MachineDeps, key: AppearanceDeadlineKey, day: IsoDate): CaseDeadline | undefined {
  const amount = deps.targets?.[key];
  if (typeof amount !== 'number') return undefined;
  return fromComputed(P[key], deps.calendar.workingDayBefore(day, amount), 'working', day, amount);
}

const duplicates = (xs: readonly string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);

export const appearanceValidators: Record<string, Validator> = {
  designate: (_ctx: AppearanceContext, ev: Of<'designate'>) => {
    const twice = duplicates(ev.payload.units);
    return twice.length ? `"units" names ${[...new Set(twice)].join(', ')} more than once; name each unit once.` : null;
  },
  inform_speaker: (ctx: AppearanceContext) =>
    ctx.speakerInformed ? `The speaker was already informed at ${ctx.speakerInformed.at} (п. 31).` : null,
  deliver_materials: (ctx: AppearanceContext, ev: Of<'deliver_materials'>) => {
    const { unit } = ev.payload;
    if (!ctx.units.includes(unit)) {
      return `"${unit}" prepares no materials for this appearance; the units are: ${ctx.units.join(', ')} (п. 32).`;
    }
    if (!ctx.awaited.includes(unit)) {
      return `The materials of "${unit}" were already delivered at ${ctx.materials[unit]?.deliveredAt ?? '?'}; still awaited: ${ctx.awaited.join(', ') || 'none'}.`;
    }
    return null;
  },
  return_material: (ctx: AppearanceContext, ev: Of<'return_material'>) => {
    const units = ev.payload.units ?? [];
    const foreign = units.filter((u) => !ctx.units.includes(u));
    if (foreign.length) return `"units" names ${foreign.join(', ')}, which prepare nothing here; the units are: ${ctx.units.join(', ')}.`;
    const twice = duplicates(units);
    return twice.length ? `"units" names ${[...new Set(twice)].join(', ')} more than once.` : null;
  },
  record_appearance: (ctx: AppearanceContext) =>
    ctx.speakerInformed ? null : 'The speaker has not been informed of the format (п. 31): send inform_speaker first.',
};

const valid = ({ context, event }: { context: AppearanceContext; event: Ev }) =>
  (appearanceValidators[event.type]?.(context, event) ?? null) === null;

/** Builds P6 with calendar arithmetic and the internal targets bound to `deps`. */
export function createAppearanceMachine(deps: MachineDeps) {
  return setup({
    types: {} as {
      context: AppearanceContext;
      events: Ev;
      input: CreationInput<AppearanceInput>;
      emitted: EffectEvent;
    },
    guards: {
      valid,
      lastPart: ({ context, event }) =>
        event.type === 'deliver_materials' && context.awaited.every((u) => u === event.payload.unit),
      severalUnits: ({ context }) => context.units.length > 1,
    },
    actions: {
      ...sharedParentActions(deps),
      designate: assign(({ context, event }) =>
        event.type === 'designate'
          ? {
              speaker: event.payload.speaker,
              units: event.payload.units,
              unit: event.payload.units[0],
              designatedAt: event.occurredAt,
            }
          : { units: context.units },
      ),
      returnDesignation: assign({
        designationReturns: ({ context, event }) =>
          event.type === 'return_designation'
            ? [...context.designationReturns, { comment: event.payload.comment, at: event.occurredAt }]
            : context.designationReturns,
      }),
      agreeDesignation: assign(({ context, event }) => {
        if (event.type !== 'agree_designation') return {};
        const deadlines = { ...context.deadlines };
        for (const key of ['speaker_informed', 'materials_ready'] as const) {
          const d = internalTarget(deps, key, context.appearanceDay);
          if (d) deadlines[key] = d;
        }
        return { designationAgreedAt: event.occurredAt, awaited: [...context.units], deadlines };
      }),
      informSpeaker: assign(({ context, event }) =>
        event.type === 'inform_speaker'
          ? {
              speakerInformed: { at: event.occurredAt, ...(event.payload.note ? { note: event.payload.note } : {}) },
              deadlines: closeKey(deps, context.deadlines, 'speaker_informed', event.occurredAt),
            }
          : {},
      ),
      deliverMaterials: assign(({ context, event }) =>
        event.type === 'deliver_materials'
          ? {
              awaited: context.awaited.filter((u) => u !== event.payload.unit),
              materials: {
                ...context.materials,
                [event.payload.unit]: { text: event.payload.text, deliveredAt: event.occurredAt, by: event.actor.name },
              },
            }
          : {},
      ),
      closeMaterials: assign({
        deadlines: ({ context, event }) =>
          event.type === 'deliver_materials' ? closeKey(deps, context.deadlines, 'materials_ready', event.occurredAt) : context.deadlines,
      }),
      consolidate: assign({
        consolidated: ({ context, event }) =>
          event.type === 'consolidate' ? { text: event.payload.text, at: event.occurredAt } : context.consolidated,
      }),
      // The units rework their part: they are awaited again, and the materials target, if
      // met, is open again with its own due date (the material is not ready yet).
      returnMaterial: assign(({ context, event }) => {
        if (event.type !== 'return_material') return {};
        const units = event.payload.units ?? context.units;
        const d = context.deadlines.materials_ready;
        return {
          awaited: context.units.filter((u) => units.includes(u)),
          materialReturns: [...context.materialReturns, { comment: event.payload.comment, units, at: event.occurredAt }],
          deadlines: d && !d.open ? { ...context.deadlines, materials_ready: reopen(d) } : context.deadlines,
        };
      }),
      agreeMaterial: assign({
        materialAgreedAt: ({ context, event }) => (event.type === 'agree_material' ? event.occurredAt : context.materialAgreedAt),
      }),
      recordAppearance: assign({
        held: ({ context, event }) =>
          event.type === 'record_appearance'
            ? { at: event.occurredAt, ...(event.payload.note ? { note: event.payload.note } : {}) }
            : context.held,
      }),
      // A cancelled appearance has no targets left to meet: the open ones are dropped (as
      // P5 drops `forward` when cancelled); the closed ones stay as judged.
      cancel: assign(({ context, event }) =>
        event.type === 'cancel'
          ? {
              cancellation: { reason: event.payload.reason, at: event.occurredAt },
              deadlines: Object.fromEntries(Object.entries(context.deadlines).filter(([, d]) => !d.open)),
            }
          : {},
      ),
    },
  }).createMachine({
    id: APPEARANCE_MACHINE_ID,
    description: 'P6 — a speech, interview or event appearance of the management or staff (п. 30–34).',
    context: ({ input: { input, meta } }) => ({
      outlet: input.outlet,
      format: input.format,
      topic: input.topic,
      ...(input.broadcast ? { broadcast: input.broadcast } : {}),
      ...(input.questions ? { questions: input.questions } : {}),
      place: input.place,
      scheduledAt: input.scheduledAt,
      appearanceDay: deps.calendar.dayOf(input.scheduledAt),
      createdBy: meta.actor,
      units: [],
      designationReturns: [],
      awaited: [],
      materials: {},
      materialReturns: [],
      deadlines: {},
    }),
    on: { ...ROOT_HANDLERS },
    initial: 'requested',
    states: {
      requested: {
        description: 'The request is in (outlet, format, topic, place and time); the press secretary proposes the speaker and the units (п. 32).',
        on: {
          designate: { guard: 'valid', target: 'designation', actions: 'designate' },
          cancel: { target: 'cancelled', actions: 'cancel' },
        },
      },
      designation: {
        description: 'The Chairman agrees the speaker and the responsible units (п. 32) or returns them.',
        on: {
          agree_designation: { target: 'preparation', actions: 'agreeDesignation' },
          return_designation: { target: 'requested', actions: 'returnDesignation' },
          cancel: { target: 'cancelled', actions: 'cancel' },
        },
      },
      preparation: {
        description: 'Each unit prepares its part of the materials (п. 32–33); the press secretary informs the speaker (п. 31).',
        meta: { deadlines: [P.speaker_informed, P.materials_ready] },
        on: {
          deliver_materials: [
            { guard: and(['valid', 'lastPart', 'severalUnits']), target: 'consolidation', actions: ['deliverMaterials', 'closeMaterials'] },
            { guard: and(['valid', 'lastPart']), target: 'material_agreement', actions: ['deliverMaterials', 'closeMaterials'] },
            { guard: 'valid', actions: 'deliverMaterials' },
          ],
          inform_speaker: { guard: 'valid', actions: 'informSpeaker' },
          cancel: { target: 'cancelled', actions: 'cancel' },
        },
      },
      consolidation: {
        description: 'Several units took part: the press secretary consolidates their materials (п. 33).',
        meta: { deadlines: [P.speaker_informed] },
        on: {
          consolidate: { target: 'material_agreement', actions: 'consolidate' },
          inform_speaker: { guard: 'valid', actions: 'informSpeaker' },
          cancel: { target: 'cancelled', actions: 'cancel' },
        },
      },
      material_agreement: {
        description: 'The press secretary has the prepared material agreed with the Chairman (п. 34).',
        meta: { deadlines: [P.speaker_informed] },
        on: {
          agree_material: { target: 'agreed', actions: 'agreeMaterial' },
          return_material: { guard: 'valid', target: 'preparation', actions: 'returnMaterial' },
          inform_speaker: { guard: 'valid', actions: 'informSpeaker' },
          cancel: { target: 'cancelled', actions: 'cancel' },
        },
      },
      agreed: {
        description: 'The material is agreed; the appearance takes place (the speaker informed, п. 31) or is cancelled.',
        meta: { deadlines: [P.speaker_informed] },
        on: {
          record_appearance: { guard: 'valid', target: 'held', actions: 'recordAppearance' },
          inform_speaker: { guard: 'valid', actions: 'informSpeaker' },
          cancel: { target: 'cancelled', actions: 'cancel' },
        },
      },
      held: { type: 'final', description: 'The appearance took place.' },
      cancelled: { type: 'final', description: 'The appearance was cancelled.' },
    },
  });
}

export type AppearanceMachine = ReturnType<typeof createAppearanceMachine>;
