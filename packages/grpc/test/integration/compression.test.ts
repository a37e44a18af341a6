import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '@notes/contracts/health/v1';
import { createLogger } from '@notes/logger';
import { createGrpcServer, createGrpcTransport, type GrpcServer } from '../../src/index.ts';

const logger = createLogger({ service: 'grpc-compression-test', level: 'silent' });
const acceptedEncodings: (string | null)[] = [];
const recordAcceptEncoding: Interceptor = (next) => async (request) => {
  acceptedEncodings.push(request.header.get('grpc-accept-encoding'));
  return next(request);
};

let server: GrpcServer;
let url: string;
before(async () => {
  server = createGrpcServer({
    host: '127.0.0.1',
    port: 0,
    interceptors: [recordAcceptEncoding],
    tls: undefined,
    logger,
    routes: (router) =>
      router.rpc(Health.method.check, async () => ({ status: HealthCheckResponse_ServingStatus.SERVING })),
  });
  url = `http://127.0.0.1:${(await server.listen()).port}`;
});
after(() => server.close());

test('the client asks for uncompressed answers: a server compresses only what a client accepts', async () => {
  const health = createClient(Health, createGrpcTransport(url, { tls: undefined }));
  await health.check({});
  assert.deepEqual(acceptedEncodings, [null]);
});
