/**
 * The applicant's e-mails must keep their bytes: outbox rows already stored hold the
 * subject and text rendered when they were queued, and the machines' effect data is
 * stored with them. `fixtures/mail-renderings.json` was captured from the code before
 * the typed effects (issue 11 §3) by running `scenarioEffects()` and rendering each mail.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMail } from '../../engine/mail-templates.js';
import { scenarioEffects } from './fixtures/mail-scenarios.js';

interface Pinned {
  name: string;
  /** `JSON.stringify(effect)`: what the outbox payload is built from (key order included). */
  effect: string;
  subject?: string;
  text?: string;
}

const pinned = JSON.parse(readFileSync(new URL('./fixtures/mail-renderings.json', import.meta.url), 'utf8')) as Pinned[];

describe('mail templates: the bytes of what the machines send', () => {
  const actual = scenarioEffects();

  it('should cover every template in every language, and the portal notice', () => {
    const kinds = new Set(actual.map(({ name, effect }) => `${effect.kind === 'mail' ? effect.template : effect.kind}/${name.split('/')[1]}`));
    for (const t of ['acknowledgement', 'extension_notice', 'answer', 'redirect_notice', 'portal_notice']) {
      for (const l of ['ru', 'kk', 'en']) expect(kinds).toContain(`${t}/${l}`);
    }
  });

  it('should emit the same effects, in the same order, with the same JSON bytes', () => {
    expect(actual.map(({ name, effect }) => ({ name, effect: JSON.stringify(effect) }))).toEqual(
      pinned.map(({ name, effect }) => ({ name, effect })),
    );
  });

  it('should render each mail with the same subject and text bytes', () => {
    const rendered = actual.map(({ name, effect }) => ({
      name,
      ...(effect.kind === 'mail' ? renderMail(effect.template, effect.language, effect.to, effect.data) : {}),
    }));
    expect(rendered).toEqual(pinned.map(({ name, subject, text }) => ({ name, ...(subject !== undefined ? { subject, text } : {}) })));
  });
});
