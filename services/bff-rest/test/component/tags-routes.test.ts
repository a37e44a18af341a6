import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertProblem, assertStandardHeaders } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

describe('GET /v1/tags', () => {
  it("answers the caller's tags with their counts, as notes-service counts them, asking for the caller only", async () => {
    const caller = await bff.signedInUser();
    const post = (tags: string[]) =>
      bff.app.inject({
        method: 'POST',
        url: '/v1/notes',
        payload: { title: 't', tags },
        headers: { authorization: caller.authorization },
      });
    await post(['work', 'b']);
    await post(['work']);
    await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: { title: 'theirs', tags: ['other'] },
      headers: { authorization: (await bff.signedInUser()).authorization },
    });

    const response = await bff.app.inject({ url: '/v1/tags', headers: { authorization: caller.authorization } });
    assert.equal(response.statusCode, 200, response.body);
    assertStandardHeaders(response);
    assert.deepEqual(response.json(), {
      items: [
        { tag: 'work', count: 2 },
        { tag: 'b', count: 1 },
      ],
    });
    assert.equal(bff.upstreams.callsTo('ListTags').at(-1)?.message.ownerId, caller.userId);
  });

  it('answers an empty list to a caller without tags, and 401 without a token', async () => {
    const caller = await bff.signedInUser();
    const response = await bff.app.inject({ url: '/v1/tags', headers: { authorization: caller.authorization } });
    assert.deepEqual(response.json(), { items: [] });
    assertProblem(await bff.app.inject({ url: '/v1/tags' }), 401);
  });
});
