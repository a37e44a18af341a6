import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallOptions, Code, ConnectError } from '@connectrpc/connect';
import { UpstreamConnectTimeout } from '@notes/grpc';
import { retryOnUnavailable } from '../../src/grpc/retry.ts';

const policy = { attempts: 3, backoffMs: 1 };

/** A call that fails with these errors, one per try, then answers 'ok'; it records each try's options. */
function flakyCall(...failures: ConnectError[]) {
  const tries: CallOptions[] = [];
  const call = async (_request: object, options: CallOptions = {}) => {
    tries.push(options);
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return 'ok';
  };
  return { call, tries };
}

const unavailable = () => new ConnectError('connection refused', Code.Unavailable);

describe('retryOnUnavailable', () => {
  it('tries again while the upstream is unavailable, up to the attempts', async () => {
    const twice = flakyCall(unavailable(), unavailable());
    assert.equal(await retryOnUnavailable(twice.call, policy)({}), 'ok');
    assert.equal(twice.tries.length, 3);

    const thrice = flakyCall(unavailable(), unavailable(), unavailable());
    await assert.rejects(retryOnUnavailable(thrice.call, policy)({}), (error: ConnectError) => {
      return error.code === Code.Unavailable;
    });
    assert.equal(thrice.tries.length, 3);
  });

  it('does not retry any other failure', async () => {
    for (const code of [Code.NotFound, Code.InvalidArgument, Code.DeadlineExceeded, Code.Internal]) {
      const flaky = flakyCall(new ConnectError('no', code));
      await assert.rejects(retryOnUnavailable(flaky.call, policy)({}));
      assert.equal(flaky.tries.length, 1, Code[code]);
    }
  });

  it('does not retry an upstream that did not accept the connection in time', async () => {
    const timedOut = new ConnectError(
      'connect timeout',
      Code.Unavailable,
      undefined,
      undefined,
      new UpstreamConnectTimeout(),
    );
    const flaky = flakyCall(timedOut);
    await assert.rejects(retryOnUnavailable(flaky.call, policy)({}));
    assert.equal(flaky.tries.length, 1);
  });

  it('gives every try what remains of the deadline, and starts none that could not end before it', async () => {
    const flaky = flakyCall(unavailable(), unavailable());
    await retryOnUnavailable(flaky.call, policy)({}, { timeoutMs: 5_000, headers: { 'x-request-id': 'r-1' } });
    const timeouts = flaky.tries.map((options) => options.timeoutMs ?? Number.NaN);
    assert.ok(timeouts.every((timeout, i) => timeout <= 5_000 && (i === 0 || timeout <= (timeouts[i - 1] ?? 0))));
    assert.ok(flaky.tries.every((options) => new Headers(options.headers).get('x-request-id') === 'r-1'));

    const slowBackoff = flakyCall(unavailable());
    await assert.rejects(
      retryOnUnavailable(slowBackoff.call, { attempts: 3, backoffMs: 10_000 })({}, { timeoutMs: 100 }),
    );
    assert.equal(slowBackoff.tries.length, 1);
  });
});
