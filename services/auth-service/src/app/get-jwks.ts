import type { PublicKeySet } from './ports.ts';

export interface GetJwksDependencies {
  keys: PublicKeySet;
}

/** The JWKS document (RFC 7517) as JSON text, for verifiers of access tokens. */
export type GetJwks = () => string;

export function createGetJwks(deps: GetJwksDependencies): GetJwks {
  return () => JSON.stringify(deps.keys.jwks());
}
