/**
 * The transparency log as the engine offers it (issue 16; docs/audit.md): its head, signed
 * checkpoints, and RFC 9162 proofs. Hashes in proofs are base64 (as in checkpoints and in
 * RFC 9162's own JSON); roots elsewhere are hex.
 */
import type { Repositories } from '../../storage/index.js';
import { EngineError } from '../errors.js';
import type { CheckpointPublisher, CheckpointView } from './checkpoints.js';
import type { TransparencyLog, TreeHead } from './log.js';

export { TransparencyLog, type TreeHead } from './log.js';
export { CheckpointPublisher, checkpointNote, publishCheckpoint, ledgerKey, DEFAULT_LEDGER_ORIGIN, DEFAULT_CHECKPOINT_EVERY_ENTRIES, DEFAULT_CHECKPOINT_EVERY_MS, type CheckpointView, type LedgerKey } from './checkpoints.js';
export { verifyLedger, type LedgerVerifyResult, type LedgerProblem, type CheckpointInput } from './verify.js';

export interface InclusionProofView {
  leafIndex: number;
  treeSize: number;
  /** The entry's canonical JSON (what the leaf hash is computed from). */
  entry: string;
  /** base64 SHA-256(0x00 || entry). */
  leafHash: string;
  /** RFC 9162 inclusion path, base64, in the order the verifier consumes it. */
  inclusionPath: string[];
  /** The checkpoint of `treeSize` the proof is for, when it is one (the default). */
  checkpoint?: CheckpointView;
}

export interface ConsistencyProofView {
  first: number;
  second: number;
  /** RFC 9162 consistency path, base64. */
  consistencyPath: string[];
}

export interface CheckpointPage {
  checkpoints: CheckpointView[];
  /** Pass as `after` for the next page; absent on the last. */
  next?: number;
}

export interface Ledger {
  head(): Promise<TreeHead>;
  /** The public key's SPKI PEM; undefined without a ledger key. */
  readonly publicKeyPem: string | undefined;
  /** The C2SP verifier key string; undefined without a ledger key. */
  readonly verifierKey: string | undefined;
  /** Signs and publishes a checkpoint of the committed tree now. */
  signCheckpoint(): Promise<CheckpointView>;
  latestCheckpoint(): Promise<CheckpointView | undefined>;
  checkpoints(page?: { after?: number; limit?: number }): Promise<CheckpointPage>;
  /**
   * An entry's inclusion proof: by position (`entry`) or an event's (`caseId`, `seq`), in the
   * tree of `treeSize` (default: the latest checkpoint's, which must cover the entry).
   */
  inclusionProof(q: { entry?: number; caseId?: string; seq?: number; treeSize?: number }): Promise<InclusionProofView>;
  consistencyProof(first: number, second: number): Promise<ConsistencyProofView>;
}

const b64 = (b: Buffer) => b.toString('base64');

export function createLedger(read: Repositories, log: TransparencyLog, publisher: CheckpointPublisher): Ledger {
  return {
    head: () => log.head(read),
    publicKeyPem: publisher.key?.publicKeyPem,
    verifierKey: publisher.key?.verifierKey,
    signCheckpoint: () => publisher.sign(),
    latestCheckpoint: async () => read.ledger.latestCheckpoint(),
    async checkpoints(page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 100, 1), 1000);
      const rows = await read.ledger.checkpoints(page.after ?? 0, limit + 1);
      const list = rows.slice(0, limit);
      const last = list.at(-1);
      return { checkpoints: list, ...(rows.length > limit && last ? { next: last.id } : {}) };
    },
    async inclusionProof(q) {
      let position = q.entry;
      if (position === undefined) {
        if (q.caseId === undefined || q.seq === undefined) throw new EngineError('invalid_request', 'give entry=<position>, or case=<id> and seq=<n> of an event', { field: 'entry' });
        const found = (await read.ledger.entriesOfCase(q.caseId)).find((e) => e.kind === 'event' && e.ref === String(q.seq));
        if (!found) throw new EngineError('not_found', `event ${q.seq} of case ${q.caseId} is not in the log`);
        position = found.position;
      }
      let checkpoint: CheckpointView | undefined;
      let treeSize = q.treeSize;
      if (treeSize === undefined) {
        checkpoint = await read.ledger.latestCheckpoint();
        if (!checkpoint || checkpoint.size <= position) {
          throw new EngineError('not_checkpointed', `no signed checkpoint covers entry ${position} yet: have one signed (POST /ledger/checkpoints) or give treeSize`, {
            entry: position,
            ...(checkpoint ? { latestCheckpointSize: checkpoint.size } : {}),
          });
        }
        treeSize = checkpoint.size;
      }
      const path = await log.inclusionProof(read, position, treeSize);
      const [row] = await read.ledger.entries(position, 1);
      if (!row || row.position !== position) throw new EngineError('not_found', `the log has no entry ${position}`);
      return {
        leafIndex: position,
        treeSize,
        entry: row.entry,
        leafHash: Buffer.from(row.leafHash, 'hex').toString('base64'),
        inclusionPath: path.map(b64),
        ...(checkpoint ? { checkpoint } : {}),
      };
    },
    async consistencyProof(first, second) {
      return { first, second, consistencyPath: (await log.consistencyProof(read, first, second)).map(b64) };
    },
  };
}
