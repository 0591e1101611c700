/**
 * sha-256 of a string, as lowercase hex. The string is hashed as UTF-8 (Node's default for
 * strings, written out so that nobody has to know it). Event hashes, idempotency request
 * hashes, token hashes in AUTH_FILE and the calendar data version are all this function:
 * changing it invalidates stored data.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
