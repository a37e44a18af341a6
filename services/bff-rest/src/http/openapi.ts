import { readFileSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { headersSentSometimes } from './schemas.ts';

/**
 * The platform's version, kept in the root package.json alone so that a release bumps it once
 * (the images copy that file too). tests/unit/versions.test.ts holds the Helm chart to it.
 */
const platformVersion: string = JSON.parse(
  readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8'),
).version;

/** The security scheme of the routes that need an access token (the `security` of their schema). */
export const bearerAuth = [{ bearerAuth: [] }];

/**
 * The OpenAPI 3.1 document, generated from the route schemas that also validate the requests
 * (and serialise the responses): GET /openapi.json, and Swagger UI over it at /docs (its assets
 * come with the npm package). Register it before the routes: it documents those registered after.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Notes platform API',
        version: platformVersion,
        description:
          'The public REST API of the Notes platform. Every error is an RFC 9457 problem ' +
          '(application/problem+json); every response carries X-Request-Id and X-Content-Type-Options: nosniff.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RS256), from sign-in or refresh' },
        },
      },
      tags: [
        { name: 'auth', description: 'Accounts and tokens' },
        { name: 'notes', description: "The caller's notes" },
        { name: 'sagas', description: 'Account deletion and its progress' },
        { name: 'operations', description: 'Probes and metrics' },
      ],
    },
    // Schemas added with a $id are components, named by it (not def-0, def-1, ...).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (document) =>
      markRequiredHeaders(describeBodiesAsHandled('openapiObject' in document ? document.openapiObject : {})),
  });
  app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

interface OpenApiObject {
  paths?: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content?: Record<string, { schema?: unknown }> };
        responses?: Record<string, { headers?: Record<string, { required?: boolean }> }>;
      }
    >
  >;
  components?: { schemas?: Record<string, unknown> };
}

const componentPrefix = '#/components/schemas/';

/**
 * The document with its request bodies as they are handled: Fastify's Ajv removes the members a
 * body's schema does not declare (its removeAdditional option) rather than refusing them, so the
 * schemas of bodies, and the components they use, do not say `additionalProperties: false` here:
 * a client may send other members, and they are ignored. Works on a copy: the component schemas
 * are the very objects that validate the requests.
 */
export function describeBodiesAsHandled<D>(document: D): D {
  const copy = structuredClone(document);
  const { paths, components: { schemas: components = {} } = {} } = copy as OpenApiObject;
  const opened = new Set<unknown>();
  const open = (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null || opened.has(schema)) return;
    opened.add(schema);
    const node = schema as Record<string, unknown>;
    if (node.additionalProperties === false) delete node.additionalProperties;
    if (typeof node.$ref === 'string' && node.$ref.startsWith(componentPrefix)) {
      open(components[node.$ref.slice(componentPrefix.length)]);
    }
    for (const child of Object.values(node)) open(child);
  };
  for (const operations of Object.values(paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const media of Object.values(operation.requestBody?.content ?? {})) open(media.schema);
    }
  }
  return copy;
}

/**
 * The document with each response header marked `required` (always sent with that status) unless
 * it is sent only sometimes (Idempotent-Replayed: replays only); @fastify/swagger writes neither.
 */
function markRequiredHeaders<D>(document: D): D {
  for (const operations of Object.values((document as OpenApiObject).paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        for (const [name, header] of Object.entries(response.headers ?? {})) {
          header.required = !headersSentSometimes.has(name);
        }
      }
    }
  }
  return document;
}
