/**
 * The ledger key for the server (LEDGER_KEY_FILE; docs/audit.md "Keeping the key and the
 * checkpoints out of reach"): a production start (with AUTH_FILE) refuses to run without
 * one; a development start creates one beside the development auth file, once, like the
 * demo tokens.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generatePrivateKeyPem } from '../lib/signed-note.js';

export interface LedgerKeySource {
  pem: string;
  path: string;
  /** True when this start created the development key. */
  created: boolean;
}

/**
 * The key's PEM: LEDGER_KEY_FILE if set; else, in development (no AUTH_FILE), `devPath`,
 * created when missing (mode 0600); else an error saying what to set.
 */
export function resolveLedgerKey(o: { keyFile: string | undefined; production: boolean; devPath: string }): LedgerKeySource {
  if (o.keyFile !== undefined) {
    try {
      return { pem: readFileSync(o.keyFile, 'utf8'), path: o.keyFile, created: false };
    } catch (e) {
      throw new Error(`Bad configuration: LEDGER_KEY_FILE=${o.keyFile}: cannot read it (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  }
  if (o.production) {
    throw new Error(
      'Bad configuration: LEDGER_KEY_FILE is required with AUTH_FILE: the Ed25519 key that signs the log\'s checkpoints ' +
        '(create one with `openssl genpkey -algorithm ed25519 -out ledger.pem`, keep it off the database\'s host; see docs/audit.md)',
    );
  }
  if (existsSync(o.devPath)) return { pem: readFileSync(o.devPath, 'utf8'), path: o.devPath, created: false };
  mkdirSync(dirname(o.devPath), { recursive: true });
  const pem = generatePrivateKeyPem();
  writeFileSync(o.devPath, pem, { mode: 0o600, flag: 'wx' });
  return { pem, path: o.devPath, created: true };
}
