/** P6 — `appearance`: the procedure module. */
import { defineProcedure } from '../runtime.js';
import type { CaseProgress } from '../contract.js';
import {
  AppearanceInput,
  appearanceCreateRoles,
  appearanceDeadlinePolicies,
  appearanceEventRoles,
  appearanceEventSchemas,
  appearanceOptionalEvents,
  appearancePartUnitEvents,
  appearanceUnitEvents,
  type AppearanceDeadlineKey,
  type AppearanceEventType,
} from './appearance.events.js';
import { appearanceValidators, createAppearanceMachine, type AppearanceContext } from './appearance.machine.js';

export * from './appearance.events.js';
export * from './appearance.machine.js';
export * from './appearance.context.js';

export const id = 'appearance' as const;
/** Bump on every behavioural change; cases stay on the version they were created with. */
export const VERSION = '1.0.0';

/**
 * What the case view shows beyond the deadlines: in `preparation`, the units whose
 * materials are still awaited (п. 33); and the day of the appearance as the case's target.
 */
export function appearanceProgress(context: Record<string, unknown>, state: string): CaseProgress {
  const ctx = context as unknown as AppearanceContext;
  const pending: CaseProgress['pending'] =
    state === 'preparation'
      ? [
          {
            step: 'preparation',
            event: 'deliver_materials',
            field: 'unit',
            awaited: [...ctx.awaited],
            done: ctx.units.filter((u) => !ctx.awaited.includes(u)),
          },
        ]
      : [];
  return {
    pending,
    targets: [{ key: 'appearance', date: ctx.appearanceDay, rule: 'п. 31', description: 'The day of the appearance or the recording.' }],
  };
}

export const appearance = defineProcedure<AppearanceEventType, AppearanceDeadlineKey>({
  id,
  version: VERSION,
  title: 'P6 — a speech, interview or event appearance (п. 30–34)',
  inputSchema: AppearanceInput,
  createRoles: appearanceCreateRoles,
  eventSchemas: appearanceEventSchemas,
  eventRoles: appearanceEventRoles,
  deadlinePolicies: appearanceDeadlinePolicies,
  /** Corrects any correctable field besides the sender of the original: the press secretary, who organises the appearance (п. 30). */
  correctRoles: ['press_secretary'],
  build: createAppearanceMachine,
  validators: appearanceValidators,
  optional: appearanceOptionalEvents,
  unitEvents: appearanceUnitEvents,
  partUnitEvents: appearancePartUnitEvents,
  // Informing the speaker twice is refused with the reason; once done it is no longer offered.
  unavailable: (ctx: AppearanceContext) => (ctx.speakerInformed ? (['inform_speaker'] as const) : []),
  progress: appearanceProgress,
});
