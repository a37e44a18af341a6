// Request bodies are handled as the OpenAPI document describes them: members a body's schema does
// not declare are ignored (not refused), so the document does not close the body schemas with
// `additionalProperties: false`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { generateOpenApiDocument } from '../../src/openapi-document.ts';
import { assertFieldErrors } from './assertions.ts';
import { buildTestBff, type TestBff } from './fakes.ts';

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components: { schemas: Record<string, unknown> };
}

let bff: TestBff;
before(async () => {
  bff = await buildTestBff();
});
after(() => bff.app.close());

describe('the OpenAPI document', () => {
  it('says no request body, nor any component it uses, refuses members it does not declare', async () => {
    const document = (await generateOpenApiDocument()) as OpenApiDocument;
    const bodies = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        Object.values(operation.requestBody?.content ?? {}).map(({ schema }) => ({
          name: `${method} ${path}`,
          schema,
        })),
      ),
    );
    assert.ok(bodies.length >= 6, 'the document has request bodies');
    for (const { name, schema } of bodies) {
      const seen = new Set<string>();
      const pending = [JSON.stringify(schema)];
      for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
        assert.doesNotMatch(text, /"additionalProperties":false/, name);
        for (const [, component] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
          if (component === undefined || seen.has(component)) continue;
          seen.add(component);
          pending.push(JSON.stringify(document.components.schemas[component]));
        }
      }
    }
  });
});

describe('a request body with members its schema does not declare', () => {
  const unknownMembers = { unknown_member: 1, nested: { anything: [true, null] }, id: randomUUID() };
  const password = 'correct horse battery';

  async function signedUp() {
    const email = `user-${randomUUID()}@example.com`;
    await bff.app.inject({ method: 'POST', url: '/v1/auth/sign-up', payload: { email, password } });
    return { email, password };
  }
  async function refreshToken() {
    const signIn = await bff.app.inject({ method: 'POST', url: '/v1/auth/sign-in', payload: await signedUp() });
    return { refresh_token: signIn.json().refresh_token as string };
  }
  async function note() {
    const { authorization } = await bff.signedInUser();
    const created = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: { title: 'A note' },
      headers: { authorization },
    });
    return { url: `/v1/notes/${created.json().id}`, headers: { authorization } };
  }

  const requests: Record<string, () => Promise<InjectOptions & { payload: object }>> = {
    'POST /v1/auth/sign-up': async () => ({
      method: 'POST',
      url: '/v1/auth/sign-up',
      payload: { email: `user-${randomUUID()}@example.com`, password },
    }),
    'POST /v1/auth/sign-in': async () => ({ method: 'POST', url: '/v1/auth/sign-in', payload: await signedUp() }),
    'POST /v1/auth/refresh': async () => ({ method: 'POST', url: '/v1/auth/refresh', payload: await refreshToken() }),
    'POST /v1/auth/sign-out': async () => ({ method: 'POST', url: '/v1/auth/sign-out', payload: await refreshToken() }),
    'POST /v1/notes': async () => ({ ...(await note()), method: 'POST', url: '/v1/notes', payload: { title: 'T' } }),
    'PUT /v1/notes/{id}': async () => ({ ...(await note()), method: 'PUT', payload: { title: 'T', content: 'c' } }),
  };

  it('is answered as the same body without them', async () => {
    for (const [name, request] of Object.entries(requests)) {
      const plain = await bff.app.inject(await request());
      const valid = await request();
      const extended = await bff.app.inject({ ...valid, payload: { ...valid.payload, ...unknownMembers } });
      assert.ok(plain.statusCode < 300, `${name}: ${plain.body}`);
      assert.equal(extended.statusCode, plain.statusCode, `${name}: ${extended.body}`);
      assert.ok(!extended.body.includes(unknownMembers.id), `${name} echoes an unknown member`);
    }
  });

  it('is still refused for the members it lacks or gets wrong, which the errors name', async () => {
    const { authorization } = await bff.signedInUser();
    const response = await bff.app.inject({
      method: 'POST',
      url: '/v1/notes',
      payload: { titel: 'typo', content: 5 },
      headers: { authorization },
    });
    assertFieldErrors(response, ['title', 'content']);
  });
});
