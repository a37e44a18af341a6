import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { Code } from '@connectrpc/connect';
import { IdempotencyKeyReusedSchema } from '@notes/contracts/notes/v1';
import {
  ChangeCursorExpired,
  IdempotencyKeyInFlight,
  IdempotencyKeyReused,
  InvalidChangeLimit,
  InvalidCursor,
  InvalidNote,
  InvalidPageLimit,
  NoteNotFound,
  VersionMismatch,
} from '../../src/domain/errors.ts';
import { mapNotesError } from '../../src/grpc/error-mapper.ts';

test('notes errors map to their gRPC status, keeping their message', () => {
  const cases = [
    [new NoteNotFound('n-1'), Code.NotFound],
    [new VersionMismatch('n-1', 1, 2), Code.FailedPrecondition],
    [new ChangeCursorExpired(), Code.OutOfRange],
    [new IdempotencyKeyInFlight('k-1'), Code.Aborted],
    [new IdempotencyKeyReused('k-1'), Code.FailedPrecondition],
  ] as const;
  for (const [error, code] of cases) {
    const mapped = mapNotesError(error);
    assert.equal(mapped?.code, code, error.code);
    assert.equal(mapped?.rawMessage, error.message);
  }
});

test('a reused idempotency key is told from a stale version by its IdempotencyKeyReused detail', () => {
  const reused = mapNotesError(new IdempotencyKeyReused('k-1'));
  assert.deepEqual(
    reused?.findDetails(IdempotencyKeyReusedSchema).map((detail) => detail.key),
    ['k-1'],
  );
  assert.deepEqual(mapNotesError(new VersionMismatch('n-1', 1, 2))?.findDetails(IdempotencyKeyReusedSchema), []);
});

test('an input error is INVALID_ARGUMENT with a violation naming its field, as validation answers', () => {
  const cases = [
    [new InvalidNote('title', 'title must not be blank'), 'title', 'INVALID_NOTE'],
    [new InvalidCursor(), 'cursor', 'INVALID_CURSOR'],
    [new InvalidPageLimit(101), 'limit', 'INVALID_PAGE_LIMIT'],
    [new InvalidChangeLimit(501), 'limit', 'INVALID_CHANGE_LIMIT'],
  ] as const;
  for (const [error, field, ruleId] of cases) {
    const mapped = mapNotesError(error);
    assert.equal(mapped?.code, Code.InvalidArgument, error.code);
    assert.equal(mapped?.rawMessage, `invalid request: ${field}: ${error.message}`);
    const [violations] = mapped?.findDetails(ViolationsSchema) ?? [];
    assert.deepEqual(
      violations?.violations.map((violation) => [violation.field?.elements[0]?.fieldName, violation.ruleId]),
      [[field, ruleId]],
    );
  }
});

test('any other error is left to the interceptor (INTERNAL, no detail)', () => {
  assert.equal(mapNotesError(new Error('connection refused to db.internal:5432')), undefined);
});
