/** The staff's addresses for reminders and digests: AUTH_FILE `email`/`language`, UNITS_FILE `email`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAuthFile } from '../../server/auth.js';
import { loadUnitsFile } from '../../server/units.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'staff-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const user = (o: Record<string, unknown>) => ({ name: 'Dana', roles: ['car'], tokenSha256: 'a'.repeat(64), ...o });

describe('the staff directory from the users and units files', () => {
  it('should read the users\' e-mail and language and the units\' mailboxes', () => {
    const units = join(dir, 'units.json');
    writeFileSync(units, JSON.stringify({ units: [{ id: 'legal', name: 'Legal', email: 'legal@corp.kz' }, { name: 'Export' }] }));
    const list = loadUnitsFile(units);
    expect([...list.mailboxes]).toEqual([['Legal', 'legal@corp.kz']]);
    const users = join(dir, 'users.json');
    writeFileSync(
      users,
      JSON.stringify({
        users: [
          user({ email: 'dana@corp.kz' }),
          user({ name: 'Aset', roles: ['unit'], units: ['legal'], tokenSha256: 'b'.repeat(64), email: 'aset@corp.kz', language: 'kk' }),
          user({ name: 'Chair', roles: ['chairman'], tokenSha256: 'c'.repeat(64) }),
        ],
      }),
    );
    expect(loadAuthFile(users, list).staff).toEqual([
      { name: 'Dana', roles: ['car'], email: 'dana@corp.kz' },
      { name: 'Aset', roles: ['unit'], units: ['Legal'], email: 'aset@corp.kz', language: 'kk' },
      { name: 'Chair', roles: ['chairman'] },
    ]);
  });

  it('should refuse a bad address or language, naming the entry', () => {
    const users = join(dir, 'users.json');
    writeFileSync(users, JSON.stringify({ users: [user({ email: 'not an address' })] }));
    expect(() => loadAuthFile(users)).toThrow(/\/users\/0\/email/);
    writeFileSync(users, JSON.stringify({ users: [user({ language: 'de' })] }));
    expect(() => loadAuthFile(users)).toThrow(/\/users\/0\/language/);
    const units = join(dir, 'units.json');
    writeFileSync(units, JSON.stringify({ units: [{ name: 'Legal', email: 'legal' }] }));
    expect(() => loadUnitsFile(units)).toThrow(/\/units\/0\/email/);
  });
});
