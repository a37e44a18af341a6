import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../../src/http/problem.ts';
import { refuseUnstorableText } from '../../src/http/text-input.ts';

function request(parts: { body?: unknown; query?: unknown; params?: unknown }): FastifyRequest {
  return { body: undefined, query: {}, params: {}, ...parts } as FastifyRequest;
}

describe('refuseUnstorableText', () => {
  it('lets any well-formed text through: SQL metacharacters, emoji, right-to-left marks, escapes', async () => {
    const texts = ["' OR 1=1--", '🙂 \u202e \u200b', '%00', '\\0', 'line\nbreak\ttab'];
    await refuseUnstorableText(request({ body: { title: texts[0], content: texts.join('') }, query: { cursor: 'a' } }));
  });

  it('refuses NUL and unpaired surrogates wherever they are, naming each field', async () => {
    const refused = await refuseUnstorableText(
      request({
        params: { id: 'a\u0000' },
        query: { cursor: '\udfff' },
        body: { title: 'fine', content: 'x\ud800y', nested: { list: ['ok', '\u0000'] } },
      }),
    ).then(
      () => assert.fail('accepted'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ProblemError);
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.errors?.map((error) => error.field),
      ['id', 'cursor', 'content', 'nested.list.1'],
    );
  });

  it('names a top-level string body "request"', async () => {
    await assert.rejects(refuseUnstorableText(request({ body: '\u0000' })), (error: ProblemError) => {
      assert.equal(error.errors?.[0]?.field, 'request');
      return true;
    });
  });
});
