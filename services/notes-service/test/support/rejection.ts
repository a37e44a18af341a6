import assert from 'node:assert/strict';
import { ConnectError } from '@connectrpc/connect';

/** The error a gRPC call was rejected with; fails the test when the call succeeded. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  return assert.fail('the call succeeded');
}
