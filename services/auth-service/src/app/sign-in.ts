import { mayAuthenticate } from '../domain/account.ts';
import { normalizeEmail } from '../domain/email.ts';
import { InvalidCredentials, TooManySignInAttempts } from '../domain/errors.ts';
import type {
  Clock,
  NewId,
  PasswordHasher,
  RefreshTokensRepository,
  SignInAttempts,
  UsersRepository,
} from './ports.ts';
import type { Credentials } from './sign-up.ts';
import type { IssueTokenPair, TokenPair } from './token-pair.ts';

/** At most maxFailures failed sign-ins of an email in a window of failureWindowSeconds. */
export interface SignInLimit {
  maxFailures: number;
  failureWindowSeconds: number;
}

export interface SignInDependencies {
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  attempts: SignInAttempts;
  passwords: PasswordHasher;
  issueTokenPair: IssueTokenPair;
  clock: Clock;
  newId: NewId;
  limit: SignInLimit;
}

/**
 * Checks the password and starts a new refresh-token family. Throws InvalidCredentials, also for an
 * account being deleted (after checking the password all the same, so that takes as long too);
 * TooManySignInAttempts, without checking anything, once the email had maxFailures failed
 * sign-ins in the window, whether or not an account has it.
 */
export type SignIn = (credentials: Credentials) => Promise<TokenPair>;

export function createSignIn(deps: SignInDependencies): SignIn {
  // Made once, at start-up, with the same cost as every stored hash: an unknown email is verified
  // against it, so it takes as long to refuse as a wrong password and reveals no account.
  const dummyPasswordHash = deps.passwords.hash('not the password of any account');
  const { maxFailures, failureWindowSeconds } = deps.limit;
  return async ({ email, password }) => {
    const normalized = normalizeEmail(email);
    const now = deps.clock.now();
    // Counted before the password is checked, as a failure until it succeeds.
    const attempt = await deps.attempts.begin(normalized, now, failureWindowSeconds);
    if (attempt.attempts > maxFailures) {
      throw new TooManySignInAttempts(Math.ceil((attempt.windowEndsAt.getTime() - now.getTime()) / 1000));
    }
    const user = await deps.users.findByEmail(normalized);
    const passwordMatches = await deps.passwords.verify(user?.passwordHash ?? (await dummyPasswordHash), password);
    if (user === undefined || !passwordMatches || !mayAuthenticate(user)) throw new InvalidCredentials();
    await deps.attempts.succeeded(normalized);
    return deps.issueTokenPair(deps.refreshTokens, { userId: user.id, familyId: deps.newId() });
  };
}
