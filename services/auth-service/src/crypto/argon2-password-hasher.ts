import { type Algorithm, hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../app/ports.ts';

// The package declares Algorithm as an ambient const enum, whose values TypeScript will not read
// under verbatimModuleSyntax; its run-time value for Argon2id is 2 (the unit test checks the hash says argon2id).
const argon2id: Algorithm.Argon2id = 2;

export interface Argon2Settings {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/**
 * Argon2id. hash and verify run on libuv's thread pool, so the event loop keeps serving other
 * calls meanwhile. verify takes the parameters from the stored hash, so older hashes keep working
 * after the cost settings change.
 */
export function createArgon2PasswordHasher(settings: Argon2Settings): PasswordHasher {
  const options = {
    algorithm: argon2id,
    memoryCost: settings.memoryKiB,
    timeCost: settings.iterations,
    parallelism: settings.parallelism,
  };
  return {
    hash: (password) => hash(password, options),
    verify: (passwordHash, password) => verify(passwordHash, password),
  };
}
