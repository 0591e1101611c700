/** The log's entries (engine/ledger/entries.ts): the fast event entry is the canonical one, byte for byte. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventEntry, eventEntryReference } from '../../engine/ledger/entries.js';

describe('eventEntry', () => {
  it('writes the same text as the canonical JSON of its fields, for any values', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), fc.string({ unit: 'binary' }), fc.string(), fc.string({ unit: 'binary' }), (caseId, seq, type, recordedAt, hash) => {
        const e = { caseId, seq, type, recordedAt, hash, payloadJson: '{}', role: 'car', actor: 'a', occurredAt: recordedAt, prevHash: '', backdatingReason: null };
        expect(eventEntry(e)).toEqual(eventEntryReference(e));
      }),
      { numRuns: 2000 },
    );
  });
});
