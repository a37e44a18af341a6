// Caller authorization on the internal gRPC hops: mutual TLS says a caller holds a certificate of
// the platform CA; these allow-lists say which of those callers may call which method.
import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { DescService } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type Interceptor,
} from '@connectrpc/connect';
import type { Logger } from '@notes/logger';

/** The trust domain of the platform's SPIFFE IDs: a caller is spiffe://notes-platform/<identity>. */
export const trustDomain = 'notes-platform';

/** The identities the platform's certificates carry: each service by its name, and the operator's tools. */
export const callers = {
  authService: 'auth-service',
  notesService: 'notes-service',
  sagaOrchestrator: 'saga-orchestrator',
  bffRest: 'bff-rest',
  /** Operators' tools (the saga CLI), probes and tests. */
  operator: 'operator',
} as const;

export type CallerIdentity = (typeof callers)[keyof typeof callers];

/** Any caller whose certificate the platform CA issued: for health probes only. */
export const anyCaller = 'any platform certificate';

/** Who may call one method: named identities, or anyCaller. */
export type MethodCallers = readonly CallerIdentity[] | typeof anyCaller;

/**
 * A service's allow-list: every method of its descriptor (by its local name, e.g. `signUp`) with
 * the callers allowed, so that a new method does not compile until someone says who may call it.
 */
export type CallerAllowList<S extends DescService = DescService> = {
  readonly [M in keyof S['method']]: MethodCallers;
};

export interface ServiceCallers {
  /** The fully qualified service name, e.g. auth.v1.AuthService. */
  service: string;
  /** Method name as on the wire (e.g. SignUp) → who may call it. */
  methods: ReadonlyMap<string, MethodCallers>;
}

/** The allow-list of a service, keyed as the router sees its calls. */
export function allowCallers<S extends DescService>(service: S, allowList: CallerAllowList<S>): ServiceCallers {
  const methods = new Map<string, MethodCallers>();
  for (const method of service.methods) {
    const allowed = (allowList as Record<string, MethodCallers | undefined>)[method.localName];
    // A method the list leaves out (only possible past the type) stays out: denied to everyone.
    if (allowed !== undefined) methods.set(method.name, allowed);
  }
  return { service: service.typeName, methods };
}

/**
 * Whether caller may call service/method: only when a list names it (or allows any caller). A
 * method or service without a list is denied, as is a caller without an identity (except where
 * any caller is allowed: its certificate was still checked by the TLS handshake).
 */
export function isCallAllowed(
  lists: readonly ServiceCallers[],
  call: { service: string; method: string },
  caller: string | undefined,
): boolean {
  const allowed = lists.find((list) => list.service === call.service)?.methods.get(call.method);
  if (allowed === undefined) return false;
  if (allowed === anyCaller) return true;
  return caller !== undefined && (allowed as readonly string[]).includes(caller);
}

/**
 * The caller identity a certificate carries: the name in its SAN URI spiffe://notes-platform/<name>
 * (what local-infra, compose and cert-manager issue); failing that, its first DNS name (what Helm's
 * genSignedCert, which cannot write URIs, issues). undefined: neither.
 */
export function callerIdentityOf(certificate: X509Certificate): string | undefined {
  const names = (certificate.subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^"|"$/g, ''));
  const prefix = `URI:spiffe://${trustDomain}/`;
  const spiffe = names.find((name) => name.startsWith(prefix));
  if (spiffe !== undefined) return spiffe.slice(prefix.length);
  return names.find((name) => name.startsWith('DNS:'))?.slice('DNS:'.length);
}

/** Who is calling: the identity of a verified client certificate, or plaintext (no identity to ask). */
export type Peer = { transport: 'mtls'; caller: string | undefined } | { transport: 'plaintext' };

// Default when a server did not say: a caller without identity, denied but where any caller may call.
const peerKey = createContextKey<Peer>({ transport: 'mtls', caller: undefined }, { description: 'gRPC peer' });

/**
 * The context values of a call on a mutual-TLS server: its caller, read from the peer certificate
 * once per HTTP/2 session (every call on a connection has the same peer).
 */
export function mtlsPeerContext(): (request: Http2ServerRequest | IncomingMessage) => ContextValues {
  const sessions = new WeakMap<object, Peer>();
  return (request) => {
    const session = ('stream' in request ? request.stream.session : undefined) ?? request;
    let peer = sessions.get(session);
    if (peer === undefined) {
      const socket = request.socket as { getPeerX509Certificate?: () => X509Certificate | undefined };
      const certificate = socket.getPeerX509Certificate?.();
      peer = { transport: 'mtls', caller: certificate && callerIdentityOf(certificate) };
      sessions.set(session, peer);
    }
    return createContextValues().set(peerKey, peer);
  };
}

/** The context values of a call on a plaintext server: no peer identity exists. */
export function plaintextPeerContext(): ContextValues {
  return createContextValues().set(peerKey, { transport: 'plaintext' });
}

export interface AuthorizationOptions {
  /** The allow-lists of every service the server serves (health's included). */
  lists: readonly ServiceCallers[];
  logger: Logger;
  /** Counts a denied call (grpc_server_denied_total). */
  denied(call: { service: string; method: string }, caller: string): void;
}

/** The label and log value of a caller whose certificate carries no identity. */
const noIdentity = 'none';

/**
 * Answers PERMISSION_DENIED (logged and counted) to a caller the method's allow-list does not name.
 * On a plaintext server there is no caller to ask: every call passes (the server warns at start-up).
 */
export function authorizationInterceptor(options: AuthorizationOptions): Interceptor {
  return (next) => async (request) => {
    const peer = request.contextValues.get(peerKey);
    if (peer.transport === 'plaintext') return next(request);
    const call = { service: request.service.typeName, method: request.method.name };
    if (isCallAllowed(options.lists, call, peer.caller)) return next(request);
    const caller = peer.caller ?? noIdentity;
    options.logger.warn({ grpcService: call.service, grpcMethod: call.method, caller }, 'gRPC call denied');
    options.denied(call, caller);
    throw new ConnectError(`${caller} may not call ${call.service}/${call.method}`, Code.PermissionDenied);
  };
}
