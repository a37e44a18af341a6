import { createHash, type Hash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { IdempotencySchema } from '@notes/contracts/notes/v1';
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { Type } from 'typebox';

/** 1 to 255 visible ASCII characters (draft-ietf-httpapi-idempotency-key-header). */
export const idempotencyKeyPattern = '^[!-~]{1,255}$';

const idempotencyKeyRule = new RegExp(idempotencyKeyPattern);

/** Whether a header value is an idempotency key the API takes. */
export function isIdempotencyKey(value: string): boolean {
  return idempotencyKeyRule.test(value);
}

/** The request header of the note writes; one that breaks the rule is a 400 naming it. */
export const idempotencyKeyHeader = {
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: idempotencyKeyPattern,
      description:
        'Makes the write safe to retry: for 24 hours the same key with the same request (method, path, body) ' +
        'gets the first answer again (with `Idempotent-Replayed: true`) and writes nothing more; with another ' +
        'request it is a 422, while the first is still being processed a 409. 1 to 255 visible ASCII characters, ' +
        'per user (a UUID is a good choice).',
    }),
  ),
};

// The fingerprint of each request with a key, filled as its body is read.
const fingerprints = new WeakMap<FastifyRequest, Hash>();

/**
 * A preParsing hook of the note writes: for a request with an Idempotency-Key, the body's bytes as
 * they arrive go into the request's fingerprint (SHA-256 of the method, the path and the body), so
 * that notes-service tells a repeated request from another one under the same key. Requests
 * without the header are left untouched.
 */
export async function fingerprintRequest(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: RequestPayload,
): Promise<RequestPayload> {
  if (request.headers['idempotency-key'] === undefined) return payload;
  const hash = createHash('sha256').update(`${request.method} ${request.url}\n`);
  fingerprints.set(request, hash);
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // An aborted or failed upload reaches the body parser as an error of the stream it reads.
  return pipeline(payload, hashing, () => undefined) as Transform & RequestPayload;
}

/** What notes-service needs of the request's key: the key and the fingerprint; undefined without one. */
export function idempotencyOf(request: FastifyRequest): MessageInitShape<typeof IdempotencySchema> | undefined {
  const key = request.headers['idempotency-key'];
  const hash = fingerprints.get(request);
  if (typeof key !== 'string' || hash === undefined) return undefined;
  return { key, fingerprint: hash.digest() };
}

/** An answer given again for its key says so (`Idempotent-Replayed: true`). */
export function markReplayed(reply: FastifyReply, replayed: boolean): void {
  if (replayed) reply.header('idempotent-replayed', 'true');
}
