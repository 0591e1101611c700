/** The README's configuration table lists exactly the variables the server reads (server/config.ts EnvSchema). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnvSchema } from '../../server/config.js';

describe('README configuration table', () => {
  it('should list every variable the configuration reads, and no other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const listed = [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(Object.keys(EnvSchema.properties).sort());
  });
});
