import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ViolationSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { apiFieldName } from '../../src/http/violations.ts';

describe('apiFieldName', () => {
  it("names a repeated field's item by its index, as the contract does (tags[3])", () => {
    const violation = create(ViolationSchema, {
      field: { elements: [{ fieldName: 'tags', subscript: { case: 'index', value: 3n } }] },
    });
    assert.equal(apiFieldName(violation), 'tags[3]');
  });

  it('spells upstream names the API spells differently, and names the whole request when no field is given', () => {
    assert.equal(apiFieldName(create(ViolationSchema, { field: { elements: [{ fieldName: 'note_id' }] } })), 'id');
    assert.equal(apiFieldName(create(ViolationSchema, {})), 'request');
  });
});
