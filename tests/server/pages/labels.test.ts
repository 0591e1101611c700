import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { legacyProcedures, procedures } from '../../../machines/index.js';
import type { ProcedureModule } from '../../../machines/contract.js';
import { enumValues, type JsonSchema } from '../../../server/pages/forms.js';
import { LANGS } from '../../../server/pages/i18n/index.js';
import { deadlineLabel, eventLabel, fieldLabel, stateLabel, valueLabel } from '../../../server/pages/labels.js';
import { kz } from '../../helpers/app.js';
import type { MailTemplate } from '../../../machines/contract.js';
import type { StaffTemplate } from '../../../engine/notifications/staff-templates.js';
import type { OutboxRecord } from '../../../storage/index.js';

const modules: ProcedureModule[] = [...Object.values(procedures), ...legacyProcedures];
const asJson = (s: unknown) => JSON.parse(JSON.stringify(s)) as JsonSchema;

/** Every state of a machine, dotted, nested ones included. */
function statesOf(m: ProcedureModule): string[] {
  const machine = m.machine({ calendar: kz }) as AnyStateMachine;
  const out: string[] = [];
  const visit = (n: AnyStateNode) => {
    if (n.path.length > 0) out.push(n.path.join('.'));
    for (const c of Object.values(n.states) as AnyStateNode[]) visit(c);
  };
  visit(machine.root as AnyStateNode);
  return out;
}

/** Every field (dotted) of a schema, with its allowed values when it is an enumeration. */
function fieldsOf(schema: JsonSchema, prefix = '', out = new Map<string, string[]>()): Map<string, string[]> {
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${k}`;
    out.set(name, [...(out.get(name) ?? []), ...(enumValues(s) ?? (s.items ? (enumValues(s.items) ?? []) : []))]);
    if (s.type === 'object' && s.properties) fieldsOf(s, `${name}.`, out);
  }
  return out;
}

describe('labels: every identifier of every procedure has a name in ru, kk and en', () => {
  for (const m of modules) {
    describe(`${m.id} ${m.version}`, () => {
      const fields = fieldsOf(asJson(m.inputSchema));
      for (const s of Object.values(m.eventSchemas)) fieldsOf(asJson(s), '', fields);
      for (const lang of LANGS) {
        it(`${lang}: states, events, deadlines, fields, allowed values`, () => {
          const missing: string[] = [];
          for (const s of statesOf(m)) if (stateLabel(lang, m.id, s) === s) missing.push(`state ${s}`);
          for (const e of Object.keys(m.eventSchemas)) if (eventLabel(lang, m.id, e) === e) missing.push(`event ${e}`);
          for (const d of Object.keys(m.deadlinePolicies)) if (deadlineLabel(lang, d) === d) missing.push(`deadline ${d}`);
          for (const [f, values] of fields) {
            if (fieldLabel(lang, f) === f) missing.push(`field ${f}`);
            for (const v of values) if (valueLabel(lang, f, v) === v) missing.push(`value ${f}=${v}`);
          }
          expect(missing).toEqual([]);
        });
      }
    });
  }

  it('names nested states by their deepest known part and falls back to the identifier', () => {
    expect(stateLabel('ru', 'feedback-inquiry', 'in_review')).toBe('На рассмотрении');
    expect(stateLabel('en', 'feedback-inquiry', 'redirection.forwarding')).toBe('Being redirected');
    expect(stateLabel('kk', 'publication', 'nope')).toBe('nope');
    expect(valueLabel('kk', 'channels', 'site')).toBe('Сайт');
    expect(valueLabel('en', 'deadline', 'review')).toBe('Review of the inquiry');
  });

  it('names every message template and kind of the outbox, the staff mails included', () => {
    const templates = ['acknowledgement', 'extension_notice', 'answer', 'redirect_notice', 'staff_reminder', 'staff_escalation', 'staff_digest'] satisfies (MailTemplate | StaffTemplate)[];
    const kinds = ['mail', 'portal_notice', 'staff_mail'] satisfies OutboxRecord['kind'][];
    for (const lang of LANGS) {
      expect(templates.filter((t) => valueLabel(lang, 'template', t) === t)).toEqual([]);
      expect(kinds.filter((k) => valueLabel(lang, 'messageKind', k) === k)).toEqual([]);
    }
    expect(valueLabel('ru', 'template', 'staff_reminder')).toBe('Напоминание сотруднику о сроке');
  });
});
