/**
 * The transparency log over HTTP (issue 16; docs/audit.md): its public key, its signed
 * checkpoints, and RFC 9162 proofs an auditor checks against a checkpoint they kept.
 *
 * The log holds no personal data (engine/ledger/entries.ts: events by their hash, messages
 * by the hash of their content), so every authenticated role reads the key and the
 * checkpoints (publish them wider still: that is their point). The proofs name cases, event
 * types and staff names of reads: the auditor's. Signing one now is the auditor's too.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Engine } from '../../engine/index.js';
import { ApiError } from '../errors.js';
import { userOf } from '../plugins/authenticate.js';
import { errorResponses, InstantSchema } from '../schemas/common.js';

const Hex = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, hex' });
const Base64Hash = Type.String({ description: 'SHA-256, base64' });
const Size = Type.Integer({ minimum: 0, description: 'A tree size (number of entries)' });

const CheckpointSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Issue order' }),
    size: Size,
    rootHash: Hex,
    signedAt: InstantSchema,
    note: Type.String({ description: 'The C2SP signed note (tlog-checkpoint): save it as a file and pass it to `npm run audit -- ledger verify --checkpoint`' }),
  },
  { description: 'A signed checkpoint' },
);

const security = [{ bearer: [] }];

function auditorOnly(request: FastifyRequest, what: string): void {
  if (!userOf(request).roles.includes('auditor')) throw new ApiError('forbidden', `Only the auditor ${what}.`, { roles: ['auditor'] });
}

/** A query number: digits only (a tree size or a position). */
const Position = Type.String({ pattern: '^\\d{1,15}$' });

export const ledgerRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (app, opts) => {
  const { ledger } = opts.engine;

  app.get(
    '/ledger/public-key',
    {
      schema: {
        tags: ['audit'],
        operationId: 'getLedgerPublicKey',
        summary: 'The Ed25519 public key that verifies the checkpoints (SPKI PEM)',
        description: 'Also printed by `npm run audit -- ledger public-key`. The header `X-Verifier-Key` carries the C2SP verifier key string for note tools.',
        security,
        produces: ['application/x-pem-file'],
        response: { 200: { type: 'string', description: 'PEM' }, ...errorResponses('unauthorized', 'rate_limited', 'ledger_key_missing') },
      },
    },
    async (_request, reply) => {
      if (!ledger.publicKeyPem) throw new ApiError('ledger_key_missing', 'This server has no ledger key (LEDGER_KEY_FILE).');
      return reply.type('application/x-pem-file').header('x-verifier-key', ledger.verifierKey ?? '').send(ledger.publicKeyPem);
    },
  );

  app.get(
    '/ledger/checkpoints',
    {
      schema: {
        tags: ['audit'],
        operationId: 'listLedgerCheckpoints',
        summary: 'The signed checkpoints, oldest first',
        security,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.Integer({ minimum: 0, description: 'The `next` of the previous page' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ checkpoints: Type.Array(CheckpointSchema), next: Type.Optional(Type.Integer()) }, { description: 'A page of checkpoints' }),
          ...errorResponses('unauthorized', 'rate_limited', 'invalid_request'),
        },
      },
    },
    async (request) => ledger.checkpoints({ ...(request.query.after !== undefined ? { after: request.query.after } : {}), ...(request.query.limit !== undefined ? { limit: request.query.limit } : {}) }),
  );

  app.get(
    '/ledger/checkpoint/latest',
    {
      schema: {
        tags: ['audit'],
        operationId: 'getLatestLedgerCheckpoint',
        summary: 'The latest signed checkpoint, as its signed note (text)',
        description: 'Save the body as a file: it is what `ledger verify --checkpoint` takes. 404 while none has been signed.',
        security,
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'The C2SP signed note' }, ...errorResponses('unauthorized', 'rate_limited', 'not_found') },
      },
    },
    async (_request, reply) => {
      const latest = await ledger.latestCheckpoint();
      if (!latest) throw new ApiError('not_found', 'No checkpoint has been signed yet: POST /ledger/checkpoints (auditor).');
      return reply.type('text/plain; charset=utf-8').send(latest.note);
    },
  );

  app.post(
    '/ledger/checkpoints',
    {
      schema: {
        tags: ['audit'],
        operationId: 'signLedgerCheckpoint',
        summary: 'Sign and publish a checkpoint of the log now (auditor)',
        description: 'Signs the committed tree, writes it to LEDGER_CHECKPOINTS when set, records it, and answers it.',
        security,
        response: { 201: CheckpointSchema, ...errorResponses('unauthorized', 'rate_limited', 'forbidden', 'ledger_key_missing', 'storage_unavailable') },
      },
    },
    async (request, reply) => {
      auditorOnly(request, 'has a checkpoint signed on request');
      return reply.status(201).send(await ledger.signCheckpoint());
    },
  );

  app.get(
    '/ledger/proof/inclusion',
    {
      schema: {
        tags: ['audit'],
        operationId: 'getLedgerInclusionProof',
        summary: 'RFC 9162 inclusion proof of a log entry (auditor)',
        description:
          'By position (`entry`) or an event (`case` and `seq`). Against the tree of `treeSize`, by default the latest checkpoint\'s, which must cover the entry ' +
          '(409 `not_checkpointed` otherwise). Verify it with the entry\'s leaf hash and the checkpoint\'s root (RFC 9162 §2.1.3.2).',
        security,
        querystring: Type.Object(
          {
            entry: Type.Optional(Position),
            case: Type.Optional(Type.String({ format: 'uuid' })),
            seq: Type.Optional(Type.Integer({ minimum: 1 })),
            treeSize: Type.Optional(Position),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              leafIndex: Type.Integer(),
              treeSize: Size,
              entry: Type.String({ description: 'The entry\'s canonical JSON' }),
              leafHash: Base64Hash,
              inclusionPath: Type.Array(Base64Hash),
              checkpoint: Type.Optional(CheckpointSchema),
            },
            { description: 'The proof' },
          ),
          ...errorResponses('unauthorized', 'rate_limited', 'forbidden', 'invalid_request', 'not_found', 'not_checkpointed'),
        },
      },
    },
    async (request) => {
      auditorOnly(request, 'reads the log\'s proofs');
      const q = request.query;
      return ledger.inclusionProof({
        ...(q.entry !== undefined ? { entry: Number(q.entry) } : {}),
        ...(q.case !== undefined ? { caseId: q.case } : {}),
        ...(q.seq !== undefined ? { seq: q.seq } : {}),
        ...(q.treeSize !== undefined ? { treeSize: Number(q.treeSize) } : {}),
      });
    },
  );

  app.get(
    '/ledger/proof/consistency',
    {
      schema: {
        tags: ['audit'],
        operationId: 'getLedgerConsistencyProof',
        summary: 'RFC 9162 consistency proof between two tree sizes (auditor)',
        description: 'That the tree of `to` entries extends the tree of `from` entries unchanged (RFC 9162 §2.1.4.2): check it against two checkpoints.',
        security,
        querystring: Type.Object({ from: Position, to: Position }, { additionalProperties: false }),
        response: {
          200: Type.Object({ first: Size, second: Size, consistencyPath: Type.Array(Base64Hash) }, { description: 'The proof' }),
          ...errorResponses('unauthorized', 'rate_limited', 'forbidden', 'invalid_request'),
        },
      },
    },
    async (request) => {
      auditorOnly(request, 'reads the log\'s proofs');
      return ledger.consistencyProof(Number(request.query.from), Number(request.query.to));
    },
  );
};
