import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTlsFiles } from '../../src/certificates.ts';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'local-infra-tls-'));
});
after(() => rm(directory, { recursive: true, force: true }));

const identities = { 'auth-service': ['auth-service', 'localhost', '127.0.0.1'], operator: ['operator'] };

test('ensureTlsFiles makes a CA and a certificate per identity, naming its hosts, for server and client use', async () => {
  const files = await ensureTlsFiles(directory, identities);
  const ca = new X509Certificate(await readFile(files.caFile));
  assert.equal(ca.ca, true);
  const auth = files.identities['auth-service'];
  assert.ok(auth);
  const cert = new X509Certificate(await readFile(auth.certFile));
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'issued and signed by the CA');
  assert.equal(cert.ca, false);
  assert.equal(cert.subjectAltName, 'DNS:auth-service, DNS:localhost, IP Address:127.0.0.1');
  assert.deepEqual(cert.keyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(cert.checkPrivateKey(createPrivateKey(await readFile(auth.keyFile))));
});

test('ensureTlsFiles keeps valid files, and makes new ones when the hosts change', async () => {
  const first = await ensureTlsFiles(directory, identities);
  const ca = await readFile(first.caFile, 'utf8');
  await ensureTlsFiles(directory, identities);
  assert.equal(await readFile(first.caFile, 'utf8'), ca, 'the same CA: reused');
  await ensureTlsFiles(directory, { ...identities, operator: ['operator', 'localhost'] });
  assert.notEqual(await readFile(first.caFile, 'utf8'), ca, 'other hosts: a new CA and certificates');
});
