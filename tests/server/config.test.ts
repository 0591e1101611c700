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

  it('should take STAFF_BASE_URL as an http(s) origin with an optional path, without its trailing slash', () => {
    expect(loadConfig({}).staffBaseUrl).toBeUndefined();
    expect(loadConfig({ STAFF_BASE_URL: 'https://procedures.qazindustry.kz/' }).staffBaseUrl).toBe('https://procedures.qazindustry.kz');
    expect(loadConfig({ STAFF_BASE_URL: 'http://10.0.0.5:3000/staff' }).staffBaseUrl).toBe('http://10.0.0.5:3000/staff');
    expect(() => loadConfig({ STAFF_BASE_URL: 'procedures.qazindustry.kz' })).toThrow(/STAFF_BASE_URL/);
    expect(() => loadConfig({ STAFF_BASE_URL: 'https://x.kz/?a=1' })).toThrow(/STAFF_BASE_URL/);
  });
});
