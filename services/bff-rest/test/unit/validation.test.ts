import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorsFromValidation } from '../../src/http/validation.ts';

const error = (keyword: string, instancePath: string, params: Record<string, unknown>) => ({
  keyword,
  instancePath,
  schemaPath: '',
  params,
  message: 'ajv says',
});

describe('fieldErrorsFromValidation', () => {
  it('names a missing field by its name', () => {
    assert.deepEqual(fieldErrorsFromValidation([error('required', '', { missingProperty: 'email' })], 'body'), [
      { field: 'email', message: 'is required' },
    ]);
  });

  it('names an invalid field by its path', () => {
    assert.deepEqual(fieldErrorsFromValidation([error('maximum', '/limit', { limit: 100 })], 'querystring'), [
      { field: 'limit', message: 'must be at most 100' },
    ]);
    assert.deepEqual(fieldErrorsFromValidation([error('type', '/items/0/title', { type: 'string' })], 'body'), [
      { field: 'items[0].title', message: 'must be of type string' },
    ]);
    // Array items are named as the contract names them: `tags[3]`.
    assert.deepEqual(fieldErrorsFromValidation([error('type', '/tags/3', { type: 'string' })], 'body'), [
      { field: 'tags[3]', message: 'must be of type string' },
    ]);
  });

  it('names the request part when the whole of it is wrong', () => {
    assert.deepEqual(fieldErrorsFromValidation([error('type', '', { type: 'object' })], 'body'), [
      { field: 'body', message: 'must be of type object' },
    ]);
  });

  it('says what is wrong in words', () => {
    const messages = fieldErrorsFromValidation(
      [
        error('minLength', '/password', { limit: 12 }),
        error('maxLength', '/password', { limit: 128 }),
        error('format', '/email', { format: 'email' }),
        error('format', '/id', { format: 'uuid' }),
        error('pattern', '/title', { pattern: '\\S' }),
        error('minimum', '/limit', { limit: 1 }),
        error('enum', '/x', {}),
      ],
      'body',
    ).map((fieldError) => fieldError.message);
    assert.deepEqual(messages, [
      'must be at least 12 characters long',
      'must be at most 128 characters long',
      'must be an email address',
      'must be a UUID',
      'must not be blank',
      'must be at least 1',
      'ajv says',
    ]);
  });
});
