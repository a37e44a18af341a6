export type DomainErrorCode =
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_SIGN_IN_ATTEMPTS'
  | 'INVALID_REFRESH_TOKEN'
  | 'INVALID_EMAIL'
  | 'INVALID_PASSWORD'
  | 'USER_NOT_FOUND';

/** A broken business rule. `code` is stable: adapters map on it, clients may rely on it. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export class EmailTaken extends DomainError {
  override name = 'EmailTaken';
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('the email address is already registered');
  }
}

/** Wrong password, unknown email and deleted account alike, so callers cannot probe for accounts. */
export class InvalidCredentials extends DomainError {
  override name = 'InvalidCredentials';
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('invalid email or password');
  }
}

/**
 * The email had too many failed sign-ins lately: refused whatever the password, and whether or not
 * an account has the email, until `retryAfterSeconds` have passed.
 */
export class TooManySignInAttempts extends DomainError {
  override name = 'TooManySignInAttempts';
  readonly code = 'TOO_MANY_SIGN_IN_ATTEMPTS';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(`too many failed sign-ins; retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Unknown, expired, revoked or already used: the caller has to sign in again. */
export class InvalidRefreshToken extends DomainError {
  override name = 'InvalidRefreshToken';
  readonly code = 'INVALID_REFRESH_TOKEN';
  constructor() {
    super('invalid refresh token');
  }
}

export class InvalidEmail extends DomainError {
  override name = 'InvalidEmail';
  readonly code = 'INVALID_EMAIL';
}

export class InvalidPassword extends DomainError {
  override name = 'InvalidPassword';
  readonly code = 'INVALID_PASSWORD';
}

export class UserNotFound extends DomainError {
  override name = 'UserNotFound';
  readonly code = 'USER_NOT_FOUND';
  constructor(userId: string) {
    super(`user ${userId} not found`);
  }
}
