/**
 * sha-256 of a string, as lowercase hex. The string is hashed as UTF-8 (Node's default for
 * strings, written out so that nobody has to know it). Event hashes, idempotency request
 * hashes, token hashes in AUTH_FILE and the calendar data version are all this function:
 * changing it invalidates stored data.
 */
import { hash } from 'node:crypto';

export function sha256Hex(text: string): string {
  // One-shot `crypto.hash` (Node 20.12+): the same digest without a Hash object per call.
  return hash('sha256', text, 'hex');
}
