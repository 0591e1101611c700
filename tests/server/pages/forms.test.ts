import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { errorsByField, fieldsOf, placeErrors, readEnvelope, readForm, type JsonSchema } from '../../../server/pages/forms.js';
import { getProcedure } from '../../../machines/index.js';

const asJson = (s: unknown) => JSON.parse(JSON.stringify(s)) as JsonSchema;
const opts = { label: (n: string) => `L:${n}`, idPrefix: 'f', words: { optional: 'opt', none: '—' } };

describe('forms from the machines\' schemas', () => {
  it('renders the publication input: a required title, a kind select, channels as checkboxes, a date field', () => {
    const schema = asJson(getProcedure('publication')!.inputSchema);
    const out = fieldsOf(schema, opts).value;
    expect(out).toMatch(/<label for="f-title">L:title<\/label><input id="f-title" name="title" type="text" required/);
    expect(out).toMatch(/<select id="f-kind" name="kind" required>/);
    expect(out).toContain('<input type="checkbox" name="channels" value="telegram" id="f-channels-3">');
    expect(out).toContain('name="plannedFor" type="date"');
    expect(out).toMatch(/L:plannedFor <span class="optional">\(opt\)<\/span>/);
  });

  it('escapes what the person typed when a form is shown again', () => {
    const schema = asJson(Type.Object({ text: Type.String() }));
    const out = fieldsOf(schema, { ...opts, values: { text: '</textarea><script>x</script>' } }).value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;/textarea&gt;&lt;script&gt;');
  });

  it('reads a form into the JSON the API takes: lists, nested objects, local date-times, empty optionals left out', () => {
    const schema = asJson(getProcedure('publication')!.inputSchema);
    expect(readForm(schema, { title: ' Новость ', kind: 'regular', channels: ['site', 'telegram'], plannedFor: '', body: '', bogus: 'x' }, 'Asia/Almaty')).toEqual({
      title: 'Новость',
      kind: 'regular',
      channels: ['site', 'telegram'],
    });
    const one = readForm(schema, { title: 't', kind: 'regular', channels: 'site', announcementPublishedAt: '2025-03-06T10:00' }, 'Asia/Almaty');
    expect(one.channels).toEqual(['site']);
    expect(one.announcementPublishedAt).toBe('2025-03-06T10:00:00+05:00');
    const nested = asJson(Type.Object({ applicant: Type.Object({ name: Type.String(), email: Type.Optional(Type.String()) }), n: Type.Integer() }));
    expect(readForm(nested, { 'applicant.name': 'Ә', 'applicant.email': '', n: '3' }, 'Asia/Almaty')).toEqual({ applicant: { name: 'Ә' }, n: 3 });
  });

  it('keeps a required field empty for the API to name it', () => {
    const schema = asJson(Type.Object({ comment: Type.String({ minLength: 1 }) }));
    expect(readForm(schema, {}, 'Asia/Almaty')).toEqual({ comment: '' });
  });

  it('puts the API\'s errors next to their fields', () => {
    const e = errorsByField({ errors: [{ path: '/', message: 'must have required properties comment' }, { path: '/applicant/email', message: 'bad e-mail' }] }, 'x');
    expect(e.fields.get('comment')).toBe('must have required properties comment');
    expect(e.fields.get('applicant.email')).toBe('bad e-mail');
    expect(e.form).toBeUndefined();
    expect(errorsByField(undefined, 'The case has moved on').form).toBe('The case has moved on');
  });

  it('places an engine refusal at the field its details name, or a machine refusal at the field it quotes', () => {
    const names = ['days', 'reason', 'occurredAt', 'backdatingReason'];
    // The message starts with occurredAt, but the missing field is the reason: details decide.
    const late = placeErrors({ message: 'occurredAt 2025-03-04T09:00:00+05:00 is more than 15 minutes before the recording: a back-dated event must carry "backdatingReason"', details: { field: 'backdatingReason' } }, names);
    expect([...late.fields.keys()]).toEqual(['backdatingReason']);
    expect(placeErrors({ message: 'Send "days" ≤ 10.' }, names).fields.get('days')).toBe('Send "days" ≤ 10.');
    expect(placeErrors({ message: 'The case has moved on' }, names)).toEqual({ fields: new Map(), form: 'The case has moved on' });
  });

  it('reads the envelope: a local time as an instant in the zone, anything else as typed, empty fields left out', () => {
    expect(readEnvelope({ occurredAt: '2025-03-06T10:00', backdatingReason: ' по почте ' }, 'Asia/Almaty')).toEqual({ occurredAt: '2025-03-06T10:00:00+05:00', backdatingReason: 'по почте' });
    expect(readEnvelope({ occurredAt: 'вчера' }, 'Asia/Almaty')).toEqual({ occurredAt: 'вчера' });
    expect(readEnvelope({ occurredAt: '', backdatingReason: '' }, 'Asia/Almaty')).toEqual({});
  });
});
