import { describe, expect, it } from 'vitest';
import { recipientsFor, type StaffDirectory } from '../../../engine/notifications/directory.js';

const dir: StaffDirectory = {
  members: [
    { name: 'PS', roles: ['press_secretary'], email: 'ps@corp.kz' },
    { name: 'PS2', roles: ['press_secretary', 'administrator'], email: 'PS@corp.kz' }, // the same mailbox, another case
    { name: 'Aset', roles: ['unit'], units: ['Legal'], email: 'aset@corp.kz', language: 'kk' },
    { name: 'Bota', roles: ['unit'], units: ['Export'], email: 'bota@corp.kz' },
    { name: 'NoMail', roles: ['unit'], units: ['Export'] },
  ],
  unitMailboxes: new Map([['Legal', 'legal@corp.kz']]),
};

describe('who a staff mail goes to', () => {
  it('should mail a named role (the press secretary for posting), each address once', () => {
    expect(recipientsFor(dir, ['press_secretary'], { waitingRoles: ['unit'], unit: 'Legal' })).toEqual([{ name: 'PS', email: 'ps@corp.kz', language: 'ru' }]);
  });
  it('for unit: the person who took the case, else the mailbox, else the unit\'s people with an address', () => {
    expect(recipientsFor(dir, ['unit'], { waitingRoles: ['unit'], unit: 'Legal', assignee: 'Aset' })).toEqual([{ name: 'Aset', email: 'aset@corp.kz', language: 'kk' }]);
    expect(recipientsFor(dir, ['unit'], { waitingRoles: ['unit'], unit: 'Legal' })).toEqual([{ name: 'Legal', email: 'legal@corp.kz', language: 'ru', unit: 'Legal' }]);
    expect(recipientsFor(dir, ['unit'], { waitingRoles: ['unit'], unit: 'Export' })).toEqual([{ name: 'Bota', email: 'bota@corp.kz', language: 'ru' }]);
    // Taken by someone without an address: the unit's mailbox / people instead.
    expect(recipientsFor(dir, ['unit'], { waitingRoles: ['unit'], unit: 'Export', assignee: 'NoMail' })).toEqual([{ name: 'Bota', email: 'bota@corp.kz', language: 'ru' }]);
    expect(recipientsFor(dir, ['unit'], { waitingRoles: ['unit'] })).toEqual([]);
  });
});
