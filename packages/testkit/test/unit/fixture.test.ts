import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sagaCommand, testFixture } from '../../src/index.ts';

describe('testFixture', () => {
  const closed: string[] = [];

  describe('a suite that opens three things', () => {
    const fixture = testFixture();
    test('gets back what it keeps', () => {
      for (const name of ['database', 'service', 'collector']) {
        assert.equal(
          fixture.closeAfter(name, async (opened) => closed.push(opened)),
          name,
        );
      }
      assert.deepEqual(closed, [], 'nothing is closed while the suite runs');
    });
  });

  test('closes them after the suite, the last opened first, each once', () => {
    assert.deepEqual(closed, ['collector', 'service', 'database']);
  });
});

test('sagaCommand: the saga is the aggregate and the correlation; every send is a new event', () => {
  const payload = new Uint8Array([1, 2]);
  const first = sagaCommand('saga-1', 'saga.DeleteUser', payload);
  const again = sagaCommand('saga-1', 'saga.DeleteUser', payload);
  assert.equal(first.aggregateId, 'saga-1');
  assert.equal(first.correlationId, 'saga-1');
  assert.equal(first.type, 'saga.DeleteUser');
  assert.equal(first.payload, payload);
  assert.notEqual(first.eventId, again.eventId);
});
