/** INTERNAL_TARGETS (server/targets.ts): parsed at configuration time against the machines' internal-target policies. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { parseTargets, settableTargets } from '../../server/targets.js';

describe('INTERNAL_TARGETS', () => {
  it('is off by default: no target set', () => {
    expect(loadConfig({}).internalTargets).toEqual({});
    expect(parseTargets('  ')).toEqual({});
  });

  it('sets working days per internal-target key', () => {
    expect(loadConfig({ INTERNAL_TARGETS: 'speaker_informed=3, materials_ready=2' }).internalTargets).toEqual({ speaker_informed: 3, materials_ready: 2 });
    expect(settableTargets().get('speaker_informed')).toEqual(['appearance']);
  });

  it('refuses a bad entry at configuration time, naming it and the settable keys', () => {
    expect(() => loadConfig({ INTERNAL_TARGETS: 'review=3' })).toThrow(/INTERNAL_TARGETS: 'review' is not an internal target; settable: .*speaker_informed.*materials_ready/);
    expect(() => loadConfig({ INTERNAL_TARGETS: 'speaker_informed' })).toThrow(/'speaker_informed' is not key=N.*settable/);
    expect(() => loadConfig({ INTERNAL_TARGETS: 'speaker_informed=two' })).toThrow(/'speaker_informed=two' is not key=N/);
    expect(() => loadConfig({ INTERNAL_TARGETS: 'speaker_informed=0' })).toThrow(/N must be 1–250/);
    expect(() => loadConfig({ INTERNAL_TARGETS: 'speaker_informed=1,speaker_informed=2' })).toThrow(/set twice/);
  });
});
