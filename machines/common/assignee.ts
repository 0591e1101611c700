/**
 * Taking a case within its unit (P3, P4): `claim {}` — a person of the responsible unit
 * takes it; `reassign {to, unit?}` — the role that names the unit (P3 supervisor, P4 press
 * secretary) hands it to another person, and to another unit with `unit`; the person who
 * took it hands it over within the unit. The engine checks beforehand that a `unit` actor
 * belongs to the case's unit and that `unit` is a configured one (engine/units.ts); these
 * are the checks that need the case's own context.
 */
import type { Actor } from '../contract.js';

interface Assignable {
  unit?: string;
  assignee?: string;
}
type TakeEvent =
  | { type: 'claim'; actor: Actor }
  | { type: 'reassign'; actor: Actor; payload: { to: string; unit?: string } };

/** Why `claim` is refused, or null. */
export function claimRefusal(ctx: Assignable, ev: { actor: Actor }): string | null {
  if (ctx.assignee === ev.actor.name) return 'You have already taken this case.';
  if (ctx.assignee !== undefined) {
    return `The case is taken by ${ctx.assignee}; they, or the role that assigns the unit, hand it over with "reassign".`;
  }
  return null;
}

/** Why `reassign` is refused, or null. */
export function reassignRefusal(ctx: Assignable, ev: { actor: Actor; payload: { to: string; unit?: string } }): string | null {
  const unit = ev.payload.unit ?? ctx.unit;
  if (ev.actor.role === 'unit') {
    if (ctx.assignee !== ev.actor.name) {
      return ctx.assignee === undefined
        ? 'Only the person who took the case hands it over: take it first with "claim".'
        : `Only the person who took the case (${ctx.assignee}) or the role that assigns the unit hands it over.`;
    }
    if (unit !== ctx.unit) return `A person of the unit hands the case over within "${ctx.unit}"; another unit is named by the role that assigns the unit.`;
  }
  if (ev.payload.to === ctx.assignee && unit === ctx.unit) return `The case is already ${ev.payload.to}'s in "${ctx.unit}".`;
  return null;
}

/** The context fields `claim` / `reassign` set (any other event: none). */
export function takeCase(ctx: Assignable, ev: { type: string } | TakeEvent): Assignable {
  if (ev.type === 'claim' && 'actor' in ev) return { assignee: ev.actor.name };
  if (ev.type === 'reassign' && 'payload' in ev) return { assignee: ev.payload.to, unit: ev.payload.unit ?? ctx.unit };
  return {};
}
