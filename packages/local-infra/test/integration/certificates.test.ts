import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCertificateAuthority, ensureTlsFiles } from '../../src/certificates.ts';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'local-infra-tls-'));
});
after(() => rm(directory, { recursive: true, force: true }));

const identities = { 'auth-service': ['auth-service', 'localhost', '127.0.0.1'], operator: ['operator'] };

test('ensureTlsFiles makes a CA and a certificate per identity, naming its hosts and its caller identity, for server and client use', async () => {
  const files = await ensureTlsFiles(directory, identities);
  const ca = new X509Certificate(await readFile(files.caFile));
  assert.equal(ca.ca, true);
  const auth = files.identities['auth-service'];
  assert.ok(auth);
  const cert = new X509Certificate(await readFile(auth.certFile));
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'issued and signed by the CA');
  assert.equal(cert.ca, false);
  assert.equal(
    cert.subjectAltName,
    'DNS:auth-service, DNS:localhost, IP Address:127.0.0.1, URI:spiffe://notes-platform/auth-service',
  );
  const operator = new X509Certificate(await readFile(files.identities.operator?.certFile ?? ''));
  assert.equal(operator.subjectAltName, 'DNS:operator, URI:spiffe://notes-platform/operator');
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

test('ensureTlsFiles makes new files when a certificate does not carry its caller identity', async () => {
  const files = await ensureTlsFiles(directory, identities);
  // Valid files of the same hosts, but the certificate of auth-service names another identity.
  const other = await createCertificateAuthority('another local CA');
  const misnamed = await other.issue('bff-rest', identities['auth-service']);
  const auth = files.identities['auth-service'];
  assert.ok(auth);
  await Promise.all([
    writeFile(files.caFile, other.cert),
    writeFile(auth.certFile, misnamed.cert),
    writeFile(auth.keyFile, misnamed.key),
  ]);
  await ensureTlsFiles(directory, identities);
  const cert = new X509Certificate(await readFile(auth.certFile));
  assert.match(cert.subjectAltName ?? '', /URI:spiffe:\/\/notes-platform\/auth-service$/);
});
