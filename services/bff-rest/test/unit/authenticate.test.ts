import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBearerCredentials } from '../../src/http/authenticate.ts';

describe('parseBearerCredentials', () => {
  it('takes the token of a Bearer header, the scheme in any case', () => {
    assert.deepEqual(parseBearerCredentials('Bearer abc.DEF-_~+/='), { kind: 'token', token: 'abc.DEF-_~+/=' });
    assert.deepEqual(parseBearerCredentials('bearer abc'), { kind: 'token', token: 'abc' });
  });

  it('sees no credentials without a header or with another scheme', () => {
    assert.deepEqual(parseBearerCredentials(undefined), { kind: 'none' });
    assert.deepEqual(parseBearerCredentials('Basic dXNlcjpwYXNz'), { kind: 'none' });
    assert.deepEqual(parseBearerCredentials('Bearerabc'), { kind: 'none' });
  });

  it('finds a Bearer header without a well-formed token malformed', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a"b', 'Bearer =abc']) {
      assert.deepEqual(parseBearerCredentials(header), { kind: 'malformed' }, header);
    }
  });
});
