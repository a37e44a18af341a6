import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface KeyFiles {
  privateKeyFile: string;
  publicKeyFile: string;
}

/** An RS256 signing key pair for local use, created in directory when missing and kept there. */
export async function ensureSigningKeys(directory: string): Promise<KeyFiles> {
  const files = {
    privateKeyFile: join(directory, 'jwt-private.pem'),
    publicKeyFile: join(directory, 'jwt-public.pem'),
  };
  if (existsSync(files.privateKeyFile) && existsSync(files.publicKeyFile)) return files;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(files.privateKeyFile, privateKey, { mode: 0o600 });
  await writeFile(files.publicKeyFile, publicKey);
  return files;
}
