import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { createLogger } from '@notes/logger';
import { unavailableWhen } from '../../src/index.ts';

const logger = createLogger({ service: 'grpc-errors-test', level: 'silent' });
class Outage extends Error {}
class NotFound extends Error {}
const mapDomain = (error: unknown) =>
  error instanceof NotFound ? new ConnectError('no such thing', Code.NotFound) : undefined;
const mapError = unavailableWhen((error) => error instanceof Outage, mapDomain, logger);

test('a dependency that cannot serve is UNAVAILABLE, not left to be INTERNAL', () => {
  assert.equal(mapError(new Outage('timeout exceeded when trying to connect'))?.code, Code.Unavailable);
});

test("the service's own mapping comes first, and anything else stays unmapped", () => {
  assert.equal(mapError(new NotFound())?.code, Code.NotFound);
  assert.equal(mapError(new TypeError('a bug')), undefined);
});
