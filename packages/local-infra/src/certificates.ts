// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/** A certificate and its private key, as PEM texts. */
export interface CertifiedKey {
  cert: string;
  key: string;
}

/** A certificate authority that can issue certificates (kept in memory). */
export interface CertificateAuthority {
  /** The CA certificate (PEM): what every peer trusts. */
  cert: string;
  /**
   * A certificate for both TLS server and client authentication, naming the hosts (DNS names or IP
   * addresses) and, as caller identity, the SAN URI spiffe://notes-platform/<commonName>.
   */
  issue(commonName: string, hosts: readonly string[]): Promise<CertifiedKey>;
}

/** The files of a platform's internal PKI: the CA, and one certificate + key per identity. */
export interface TlsFiles {
  caFile: string;
  /** Identity name → its certificate and key files. */
  identities: Record<string, { certFile: string; keyFile: string }>;
}

// ECDSA P-256: small keys, fast handshakes, and accepted by every TLS stack involved.
const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;

/** The caller identity a certificate carries (see @notes/grpc's authorization): its SPIFFE ID. */
export function spiffeId(identity: string): string {
  return `spiffe://notes-platform/${identity}`;
}

/** A new CA (a self-signed certificate valid validDays) for local and test use. */
export async function createCertificateAuthority(name: string, validDays = 365): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + validDays * dayMs);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    cert: caCert.toString('pem'),
    async issue(commonName, hosts) {
      const leafKeys = await generateKeys();
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${commonName}`,
        issuer: caCert.subject,
        notBefore,
        notAfter,
        signingAlgorithm: algorithm,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.SubjectAlternativeNameExtension([
            ...hosts.map((host) => ({ type: isIP(host) === 0 ? ('dns' as const) : ('ip' as const), value: host })),
            { type: 'url', value: spiffeId(commonName) },
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
      return { cert: leaf.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
    },
  };
}

/**
 * A CA and one certificate per identity (its name, carried as SAN URI, and the hosts it answers
 * as: DNS names, IP addresses) as PEM files in directory, made when missing and kept there: files
 * that are still valid for a week, issued by the CA there and with the same SANs are used as they are.
 */
export async function ensureTlsFiles(
  directory: string,
  identities: Record<string, readonly string[]>,
): Promise<TlsFiles> {
  const files: TlsFiles = {
    caFile: join(directory, 'ca.crt'),
    identities: Object.fromEntries(
      Object.keys(identities).map((name) => [
        name,
        { certFile: join(directory, `${name}.crt`), keyFile: join(directory, `${name}.key`) },
      ]),
    ),
  };
  if (await stillValid(files, identities)) return files;
  const ca = await createCertificateAuthority('notes-platform local CA');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(files.caFile, ca.cert);
  for (const [name, hosts] of Object.entries(identities)) {
    const issued = await ca.issue(name, hosts);
    const { certFile, keyFile } = files.identities[name] as { certFile: string; keyFile: string };
    await writeFile(certFile, issued.cert);
    await writeFile(keyFile, issued.key, { mode: 0o600 });
  }
  return files;
}

async function stillValid(files: TlsFiles, identities: Record<string, readonly string[]>): Promise<boolean> {
  const paths = [files.caFile, ...Object.values(files.identities).flatMap((f) => [f.certFile, f.keyFile])];
  if (!paths.every((path) => existsSync(path))) return false;
  try {
    const ca = new NodeX509Certificate(await readFile(files.caFile));
    const until = Date.now() + 7 * dayMs;
    if (Date.parse(ca.validTo) < until) return false;
    for (const [name, hosts] of Object.entries(identities)) {
      const { certFile } = files.identities[name] as { certFile: string };
      const cert = new NodeX509Certificate(await readFile(certFile));
      const names = (cert.subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^(DNS|IP Address|URI):/, ''));
      const sans = [...hosts, spiffeId(name)];
      const sameHosts = sans.length === names.length && sans.every((san) => names.includes(san));
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey) || Date.parse(cert.validTo) < until || !sameHosts) {
        return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}
