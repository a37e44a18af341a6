import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { Code, ConnectError } from '@connectrpc/connect';
import { IdempotencyKeyReusedSchema } from '@notes/contracts/notes/v1';
import { problemFromGrpc } from '../../src/http/problem.ts';

function violationsError(...fields: string[][]): ConnectError {
  const violations = create(ViolationsSchema, {
    violations: fields.map((path) => ({
      field: { elements: path.map((fieldName) => ({ fieldName })) },
      message: `${path.join('.')} is wrong`,
    })),
  });
  return new ConnectError('invalid', Code.InvalidArgument, undefined, [{ desc: ViolationsSchema, value: violations }]);
}

describe('problemFromGrpc', () => {
  const expected: [Code, number][] = [
    [Code.InvalidArgument, 400],
    [Code.Unauthenticated, 401],
    [Code.NotFound, 404],
    [Code.AlreadyExists, 409],
    [Code.FailedPrecondition, 412],
    [Code.Aborted, 409],
    [Code.ResourceExhausted, 429],
    [Code.Unavailable, 503],
    [Code.DeadlineExceeded, 504],
  ];
  for (const [code, status] of expected) {
    it(`maps ${Code[code]} to ${status}`, () => {
      assert.equal(problemFromGrpc(new ConnectError('upstream says', code))?.status, status);
    });
  }

  for (const code of [Code.Internal, Code.Unknown, Code.PermissionDenied, Code.Unimplemented, Code.DataLoss]) {
    it(`leaves ${Code[code]} to the generic 500`, () => {
      assert.equal(problemFromGrpc(new ConnectError('boom', code)), undefined);
    });
  }

  it('maps a FAILED_PRECONDITION with an IdempotencyKeyReused detail to 422', () => {
    const reused = new ConnectError('reused', Code.FailedPrecondition, undefined, [
      { desc: IdempotencyKeyReusedSchema, value: { key: 'k' } },
    ]);
    assert.equal(problemFromGrpc(reused)?.status, 422);
  });

  it("never passes the upstream's message on", () => {
    const problem = problemFromGrpc(new ConnectError('db host pg-7.internal refused', Code.Unavailable));
    assert.ok(problem !== undefined);
    assert.doesNotMatch(problem.message, /pg-7|refused/);
  });

  it('names the violated fields as the API spells them', () => {
    const problem = problemFromGrpc(violationsError(['note_id'], ['title'], ['cursor']));
    assert.deepEqual(problem?.errors, [
      { field: 'id', message: 'note_id is wrong' },
      { field: 'title', message: 'title is wrong' },
      { field: 'cursor', message: 'cursor is wrong' },
    ]);
  });

  it('names nested fields with dots, and a rule on the whole message "request"', () => {
    const problem = problemFromGrpc(violationsError(['user', 'email'], []));
    assert.deepEqual(
      problem?.errors?.map((error) => error.field),
      ['user.email', 'request'],
    );
  });

  it('answers an INVALID_ARGUMENT without violations with an empty field list', () => {
    assert.deepEqual(problemFromGrpc(new ConnectError('bad', Code.InvalidArgument))?.errors, []);
  });

  it("passes a 429's retry-after on, else asks for 60 seconds", () => {
    const limited = new ConnectError('slow down', Code.ResourceExhausted, { 'retry-after': '120' });
    assert.equal(problemFromGrpc(limited)?.headers['retry-after'], '120');
    const garbled = new ConnectError('slow down', Code.ResourceExhausted, { 'retry-after': 'soon' });
    assert.equal(problemFromGrpc(garbled)?.headers['retry-after'], '60');
  });
});
