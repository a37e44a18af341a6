import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIdFor } from '../../src/http/request-id.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFor', () => {
  it('echoes an acceptable incoming id', () => {
    for (const id of ['abc', 'A.b_c-1', 'x'.repeat(128)]) assert.equal(requestIdFor(id), id);
  });

  it('generates a UUID when there is none, or it is unacceptable', () => {
    for (const header of [undefined, '', 'x'.repeat(129), 'has space', 'quote"', 'new\nline', 'ü', ['a', 'b']]) {
      assert.match(requestIdFor(header), uuid, String(header));
    }
  });

  it('generates a new id every time', () => {
    assert.notEqual(requestIdFor(undefined), requestIdFor(undefined));
  });
});
