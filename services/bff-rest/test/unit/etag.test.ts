import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagOf, parseIfMatch } from '../../src/http/etag.ts';

describe('etagOf', () => {
  it('is a strong ETag of the version', () => {
    assert.equal(etagOf(7n), '"7"');
  });
});

describe('parseIfMatch', () => {
  it('reads one of our ETags as its version', () => {
    assert.deepEqual(parseIfMatch(etagOf(42n)), { kind: 'versions', versions: [42n] });
  });

  it('reads a list, with or without spaces', () => {
    assert.deepEqual(parseIfMatch('"1", "2","3"'), { kind: 'versions', versions: [1n, 2n, 3n] });
  });

  it('reads * as any version', () => {
    assert.deepEqual(parseIfMatch(' * '), { kind: 'any' });
  });

  it('never matches weak, unquoted, foreign, zero or oversized tags', () => {
    for (const header of ['W/"3"', '3', '"abc"', '"0"', '"007"', '"1234567890123456789"', '', '"3']) {
      assert.deepEqual(parseIfMatch(header), { kind: 'versions', versions: [] }, header);
    }
  });

  it('keeps the usable tags of a mixed list', () => {
    assert.deepEqual(parseIfMatch('W/"1", "2", *'), { kind: 'versions', versions: [2n] });
  });
});
