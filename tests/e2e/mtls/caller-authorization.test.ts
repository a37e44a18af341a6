// Who may call what, on the platform as `make dev` runs it: every method of every gRPC service,
// called with the certificate of every identity the platform issues (each service's, the
// operator's), is served or answered PERMISSION_DENIED exactly as the service's allow-list says.
// The cases come from the proto descriptors: a method without an entry in its list fails here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { AuthService } from '@notes/contracts/auth/v1';
import { Health } from '@notes/contracts/health/v1';
import { NotesService } from '@notes/contracts/notes/v1';
import { SagaService } from '@notes/contracts/saga/v1';
import {
  callers,
  createGrpcTransport,
  type GrpcTls,
  healthCallers,
  isCallAllowed,
  type ServiceCallers,
} from '@notes/grpc';
import type { GrpcIdentity } from '@notes/local-infra';
import { authServiceCallers } from '../../../services/auth-service/src/grpc/callers.ts';
import { notesServiceCallers } from '../../../services/notes-service/src/grpc/callers.ts';
import { sagaServiceCallers } from '../../../services/saga-orchestrator/src/grpc/callers.ts';
import { type RunningPlatform, startTestPlatform } from '../platform.ts';

const served: { name: 'auth' | 'notes' | 'saga'; service: DescService; callers: ServiceCallers }[] = [
  { name: 'auth', service: AuthService, callers: authServiceCallers },
  { name: 'notes', service: NotesService, callers: notesServiceCallers },
  { name: 'saga', service: SagaService, callers: sagaServiceCallers },
];
const identities = Object.values(callers) satisfies GrpcIdentity[];

/** The call with an empty request (nothing valid to act on), settled to the code it got. */
async function codeOf(url: string, tls: GrpcTls, service: DescService, method: DescMethod): Promise<Code | 'OK'> {
  const client = createClient(service, createGrpcTransport(url, { tls })) as unknown as Record<
    string,
    (request: object, options: object) => Promise<unknown> | AsyncIterable<unknown>
  >;
  try {
    const answer = (client[method.localName] as (request: object, options: object) => unknown)(
      {},
      { timeoutMs: 5_000 },
    );
    if (method.methodKind === 'server_streaming') for await (const _ of answer as AsyncIterable<unknown>) break;
    else await answer;
    return 'OK';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe('caller authorization on every internal gRPC method', () => {
  let platform: RunningPlatform;
  const tlsOf = new Map<string, GrpcTls>();

  before(async () => {
    platform = await startTestPlatform();
    for (const identity of identities) {
      const tls = await platform.grpcIdentityTls(identity);
      assert.ok(tls, 'the platform runs with mutual TLS by default');
      tlsOf.set(identity, tls);
    }
  });
  after(() => platform?.close());

  for (const { name, service, callers: list } of served) {
    it(`${name}: every method of ${service.typeName} has an allow-list`, () => {
      const missing = service.methods.filter((method) => !list.methods.has(method.name)).map((m) => m.name);
      assert.deepEqual(missing, [], `methods of ${service.typeName} without callers in src/grpc/callers.ts`);
    });

    for (const target of [service, Health]) {
      it(`${name}: ${target.typeName}, every method with every identity, exactly as the list says`, async () => {
        const url = platform.grpcUrl(name);
        const seen: string[] = [];
        const expected: string[] = [];
        for (const method of target.methods) {
          for (const identity of identities) {
            const code = await codeOf(url, tlsOf.get(identity) as GrpcTls, target, method);
            const allowed = isCallAllowed(
              [list, healthCallers],
              { service: target.typeName, method: method.name },
              identity,
            );
            seen.push(`${method.name} by ${identity}: ${code === Code.PermissionDenied ? 'denied' : 'served'}`);
            expected.push(`${method.name} by ${identity}: ${allowed ? 'served' : 'denied'}`);
          }
        }
        assert.deepEqual(seen, expected);
      });
    }
  }

  it('a denied call is logged and counted with its method and caller', async () => {
    const code = await codeOf(
      platform.grpcUrl('auth'),
      tlsOf.get(callers.notesService) as GrpcTls,
      AuthService,
      AuthService.method.deleteUser,
    );
    assert.equal(code, Code.PermissionDenied, 'notes-service may not delete a user');
    const logged = platform.output
      .filter((line) => line.includes('gRPC call denied'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
    assert.ok(
      logged.some((entry) => entry.grpcMethod === 'DeleteUser' && entry.caller === 'notes-service'),
      'a warning naming the method and the caller',
    );
    const metrics = await (await fetch(`${platform.operationsUrl('auth')}/metrics`)).text();
    assert.match(
      metrics,
      /grpc_server_denied_total\{grpc_service="auth\.v1\.AuthService",grpc_method="DeleteUser",caller="notes-service"\} [1-9]/,
    );
  });
});
