import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, SimulatedClock } from '../../engine/index.js';
import { procedures } from '../../machines/index.js';
import { parseReadings, settableReadings } from '../../server/readings.js';
import { kz } from '../helpers/app.js';

describe('DEADLINE_READINGS', () => {
  it('should allow a setting only for the Rules\' unqualified "дней"', () => {
    expect([...settableReadings().keys()].sort()).toEqual(['posting', 'rework', 'to_chairman', 'translation']);
    expect(parseReadings('translation=working, posting=calendar')).toEqual({ translation: 'working', posting: 'calendar' });
    expect(parseReadings(undefined)).toEqual({});
    expect(() => parseReadings('review=working')).toThrow(/'review' is not a deadline whose reading is a setting/);
    expect(() => parseReadings('translation=weeks')).toThrow(/'translation=weeks' is not key=calendar or key=working/);
  });

  it('should count a deadline in working days when the deployment says so, and record the reading', async () => {
    const run = async (readings: Record<string, 'calendar' | 'working'>) => {
      const dir = mkdtempSync(join(tmpdir(), 'qi-readings-'));
      const clock = new SimulatedClock('2025-04-11T05:00:00.000Z'); // Friday
      const engine = await createEngine({ databasePath: join(dir, 'db.sqlite'), calendar: kz, procedures, clock, readings });
      try {
        const initiator = { name: 'i', role: 'initiator' as const };
        const ps = { name: 'p', role: 'press_secretary' as const };
        const { view } = await engine.createCase(
          'publication',
          { title: 'T', kind: 'regular', channels: ['site'], plannedFor: '2025-04-30' },
          { actor: initiator },
        );
        const sent = await engine.applyEvent(view.id, { type: 'send_for_translation', payload: { languages: ['kk'] } }, { actor: ps });
        return sent.view.deadlines.find((d) => d.key === 'translation')!;
      } finally {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // 2 calendar days from Friday 11 April: Sunday 13 → Monday 14. 2 working days: Tuesday 15.
    expect(await run({})).toMatchObject({ reading: 'calendar', lastDay: '2025-04-14' });
    expect(await run({ translation: 'working' })).toMatchObject({ reading: 'working', lastDay: '2025-04-15' });
  });
});
