import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { AuthService } from '@notes/contracts/auth/v1';
import { createCertificateAuthority } from '@notes/local-infra';
import {
  allowCallers,
  anyCaller,
  type CallerAllowList,
  callerIdentityOf,
  callers,
  healthCallers,
  isCallAllowed,
} from '../../src/index.ts';

const { bffRest, sagaOrchestrator, notesService, operator } = callers;

const authCallers = allowCallers(AuthService, {
  signUp: [bffRest],
  signIn: [bffRest],
  refresh: [bffRest],
  signOut: [bffRest],
  getJwks: [bffRest, operator],
  beginUserDeletion: [sagaOrchestrator],
  deleteUser: [sagaOrchestrator],
});
const lists = [authCallers, healthCallers];
const auth = (method: string) => ({ service: 'auth.v1.AuthService', method });

describe('isCallAllowed: a method allow-list decides who may call it', () => {
  it('allows exactly the callers the method names', () => {
    assert.equal(isCallAllowed(lists, auth('DeleteUser'), sagaOrchestrator), true);
    assert.equal(isCallAllowed(lists, auth('GetJwks'), operator), true);
    for (const caller of [bffRest, notesService, operator, 'auth-service', 'someone-else']) {
      assert.equal(isCallAllowed(lists, auth('DeleteUser'), caller), false, caller);
    }
  });

  it('denies a caller whose certificate carries no identity, except where any caller may call', () => {
    assert.equal(isCallAllowed(lists, auth('SignUp'), undefined), false);
    assert.equal(isCallAllowed(lists, { service: 'grpc.health.v1.Health', method: 'Check' }, undefined), true);
  });

  it('lets any identity check health', () => {
    for (const caller of Object.values(callers)) {
      assert.equal(isCallAllowed(lists, { service: 'grpc.health.v1.Health', method: 'Check' }, caller), true);
    }
  });

  it('denies by default: a method left out of its list, a method or a service nobody listed', () => {
    // Past the type (a cast), as a list written before a method was added would be.
    const partial = allowCallers(AuthService, {
      signUp: [bffRest],
    } as unknown as CallerAllowList<typeof AuthService>);
    assert.equal(partial.methods.has('DeleteUser'), false);
    assert.equal(isCallAllowed([partial], auth('DeleteUser'), sagaOrchestrator), false);
    assert.equal(isCallAllowed(lists, auth('Impersonate'), bffRest), false);
    assert.equal(isCallAllowed(lists, { service: 'notes.v1.NotesService', method: 'GetNote' }, bffRest), false);
  });

  it('keys the list by the method names on the wire', () => {
    assert.deepEqual([...authCallers.methods.keys()].sort(), AuthService.methods.map((m) => m.name).sort());
    assert.equal(healthCallers.methods.get('Check'), anyCaller);
  });
});

describe('callerIdentityOf: the identity a client certificate carries', () => {
  let ca: Awaited<ReturnType<typeof createCertificateAuthority>>;
  before(async () => {
    ca = await createCertificateAuthority('identity test CA');
  });

  it('is the name in its SAN URI spiffe://notes-platform/<name>, whatever its DNS names', async () => {
    const issued = await ca.issue('bff-rest', ['notes-service', 'localhost', '127.0.0.1']);
    assert.equal(callerIdentityOf(new X509Certificate(issued.cert)), 'bff-rest');
  });

  it('without a SAN URI of the platform, is its first DNS name (Helm-generated certificates)', () => {
    const certificate = {
      subjectAltName: 'DNS:saga-orchestrator, DNS:notes-saga-orchestrator.default.svc, URI:spiffe://elsewhere/bff-rest',
    } as X509Certificate;
    assert.equal(callerIdentityOf(certificate), 'saga-orchestrator');
  });

  it('is undefined without a SAN URI of the platform or a DNS name', () => {
    assert.equal(callerIdentityOf({ subjectAltName: 'IP Address:127.0.0.1' } as X509Certificate), undefined);
    assert.equal(callerIdentityOf({ subjectAltName: undefined } as unknown as X509Certificate), undefined);
  });
});
