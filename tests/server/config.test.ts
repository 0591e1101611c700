import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';

describe('configuration by environment', () => {
  it('should default to 127.0.0.1:3000 and an SQLite file under data/', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', database: 'data/qazindustry.sqlite', synchronous: 'FULL' });
    expect(c.calendarStatutoryOnly).toBe(false);
    expect(c.smtpUrl).toBeUndefined();
  });

  it('should read the variables of the contract', () => {
    const c = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATABASE: '/tmp/x.db', LOG_LEVEL: 'warn', CALENDAR_STATUTORY_ONLY: '1' });
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', database: '/tmp/x.db', logLevel: 'warn', calendarStatutoryOnly: true });
  });

  it('should fail naming the variable when a value is bad', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'OFF' })).toThrow(/SQLITE_SYNCHRONOUS/);
  });
});
