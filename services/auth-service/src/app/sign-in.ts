import { v7 as uuidv7 } from 'uuid';
import { mayAuthenticate } from '../domain/account.ts';
import { normalizeEmail } from '../domain/email.ts';
import { InvalidCredentials } from '../domain/errors.ts';
import type { PasswordHasher, RefreshTokensRepository, UsersRepository } from './ports.ts';
import type { Credentials } from './sign-up.ts';
import type { IssueTokenPair, TokenPair } from './token-pair.ts';

export interface SignInDependencies {
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  passwords: PasswordHasher;
  issueTokenPair: IssueTokenPair;
}

/**
 * Checks the password and starts a new refresh-token family. Throws InvalidCredentials, also for an
 * account being deleted (after checking the password all the same, so that takes as long too).
 */
export type SignIn = (credentials: Credentials) => Promise<TokenPair>;

export function createSignIn(deps: SignInDependencies): SignIn {
  // Made once, at start-up, with the same cost as every stored hash: an unknown email is verified
  // against it, so it takes as long to refuse as a wrong password and reveals no account.
  const dummyPasswordHash = deps.passwords.hash('not the password of any account');
  return async ({ email, password }) => {
    const user = await deps.users.findByEmail(normalizeEmail(email));
    const passwordMatches = await deps.passwords.verify(user?.passwordHash ?? (await dummyPasswordHash), password);
    if (user === undefined || !passwordMatches || !mayAuthenticate(user)) throw new InvalidCredentials();
    return deps.issueTokenPair(deps.refreshTokens, { userId: user.id, familyId: uuidv7() });
  };
}
