// The ports several use cases share; each use case's *Dependencies says which ones it takes.

export interface Clock {
  now(): Date;
}

/** A new, time-ordered id (UUIDv7): users, refresh tokens, token families. */
export type NewId = () => string;

/** Refresh tokens are opaque: only the client keeps one; the database keeps what identifies it. */
export interface RefreshTokenSecrets {
  /** A new refresh token, unguessable. */
  generate(): string;
  /** What is stored and looked up instead of the token, so a database leak yields no usable token. */
  hash(refreshToken: string): Uint8Array;
}

export interface UserRecord {
  id: string;
  /** Normalised (lower-case). */
  email: string;
  passwordHash: string;
  createdAt: Date;
  /** When the account's deletion began; null for an account in use. */
  deletionRequestedAt: Date | null;
}

export interface UsersRepository {
  /** Throws EmailTaken when another account has the email. */
  insert(user: UserRecord): Promise<void>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  findById(userId: string): Promise<UserRecord | undefined>;
  /**
   * Marks the account as being deleted at `at`, unless it already is (the first time stays).
   * False when there is no such user.
   */
  markDeletionRequested(userId: string, at: Date): Promise<boolean>;
  /** Its refresh tokens go with it. No error when there is no such user: false then (nothing deleted). */
  delete(userId: string): Promise<boolean>;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  /** Shared by every token rotated from the same sign-in. */
  familyId: string;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: Uint8Array;
  expiresAt: Date;
  createdAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface RefreshTokensRepository {
  insert(token: RefreshTokenRecord): Promise<void>;
  /** Reads the token and locks its row until the transaction ends, so it is exchanged only once. */
  lockByHash(tokenHash: Uint8Array): Promise<RefreshTokenRecord | undefined>;
  markUsed(tokenId: string, at: Date): Promise<void>;
  /** Revokes every not yet revoked token of the family the token belongs to; nothing for an unknown token. */
  revokeFamilyOf(tokenHash: Uint8Array, at: Date): Promise<void>;
  /** Revokes every not yet revoked token of the user, whatever its family. */
  revokeAllOf(userId: string, at: Date): Promise<void>;
}

/**
 * Records a user's events (auth.events) in the transaction that changes the user, so an event is
 * published if and only if that change commits. Call each after the user's row was written (its
 * row lock taken): one user's events are then numbered in the order their transactions commit.
 */
export interface UserEvents {
  /** The account was created (UserCreated). */
  userCreated(user: UserRecord): Promise<void>;
  /** The account was removed (UserDeleted); only when a row was actually deleted. */
  userDeleted(userId: string): Promise<void>;
}

/** A saga's command to this service (saga.commands), as far as its reply needs to know. */
export interface SagaCommand {
  /** The saga's id: the reply's correlation id (and Kafka key). */
  sagaId: string;
  /** The command message's event id: the reply names the attempt it answers. */
  commandId: string;
  /** The command's envelope type, e.g. "saga.DeleteUser". */
  commandType: string;
}

/**
 * Records replies to saga commands (saga.replies) in the transaction of the command's effect, so
 * the orchestrator hears of an effect if and only if it committed.
 */
export interface SagaReplies {
  succeeded(command: SagaCommand): Promise<void>;
}

/** The repositories bound to one transaction, and the events and saga replies recorded with it. */
export interface TransactionScope {
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  events: UserEvents;
  replies: SagaReplies;
}

export interface UnitOfWork {
  /** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
  run<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
}

/**
 * Failed sign-ins per email in fixed windows, shared by every replica (the database). A sign-in
 * counts as failed from its start until it succeeds, so concurrent guesses cannot outrun the count.
 */
export interface SignInAttempts {
  /**
   * Counts an attempt for the email at `at`, in the window running then (a new one starts when
   * the last ended `windowSeconds` after its start): the attempts of the window so far, this
   * one included, and when the window ends.
   */
  begin(email: string, at: Date, windowSeconds: number): Promise<{ attempts: number; windowEndsAt: Date }>;
  /** The sign-in succeeded: the email's count starts afresh. */
  succeeded(email: string): Promise<void>;
  /** Forgets the windows that ended before `before`; how many were forgotten. */
  purgeEnded(before: Date, windowSeconds: number): Promise<number>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
}

export interface AccessTokenIssuer {
  /** A signed access token for the user, valid from issuedAt for `ttlSeconds`. */
  issue(userId: string, issuedAt: Date): Promise<string>;
  readonly ttlSeconds: number;
}

/** A JSON Web Key Set (RFC 7517) of the public keys that verify access tokens. */
export interface PublicKeySet {
  jwks(): { keys: Record<string, string>[] };
}
