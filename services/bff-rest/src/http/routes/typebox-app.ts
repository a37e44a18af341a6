import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** The Fastify instance a route plugin registers on, with TypeBox typing its schemas' requests. */
export type TypeboxApp = Parameters<FastifyPluginAsyncTypebox>[0];
