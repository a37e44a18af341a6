// In-memory fakes of auth-service's ports, for use-case tests with no I/O. Each keeps the rules of
// the adapter it stands for that a use case relies on (a unique email, tokens going with their
// user, a transaction that rolls back when its work throws, fixed sign-in windows) and records
// what was written so that a test can assert it.
import type {
  AccessTokenIssuer,
  PasswordHasher,
  PublicKeySet,
  RefreshTokenRecord,
  RefreshTokenSecrets,
  RefreshTokensRepository,
  SagaCommand,
  SagaReplies,
  SignInAttempts,
  TransactionScope,
  UnitOfWork,
  UserEvents,
  UserRecord,
  UsersRepository,
} from '../../src/app/ports.ts';
import { EmailTaken } from '../../src/domain/errors.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** The refresh_tokens table. */
export class InMemoryRefreshTokens implements RefreshTokensRepository {
  rows: RefreshTokenRecord[] = [];

  async insert(token: RefreshTokenRecord): Promise<void> {
    this.rows.push({ ...token });
  }

  async lockByHash(tokenHash: Uint8Array): Promise<RefreshTokenRecord | undefined> {
    const row = this.rows.find((token) => sameBytes(token.tokenHash, tokenHash));
    return row === undefined ? undefined : { ...row };
  }

  async markUsed(tokenId: string, at: Date): Promise<void> {
    for (const row of this.rows) if (row.id === tokenId) row.usedAt = at;
  }

  async revokeFamilyOf(tokenHash: Uint8Array, at: Date): Promise<void> {
    const familyId = this.rows.find((token) => sameBytes(token.tokenHash, tokenHash))?.familyId;
    for (const row of this.rows) if (row.familyId === familyId && row.revokedAt === null) row.revokedAt = at;
  }

  async revokeAllOf(userId: string, at: Date): Promise<void> {
    for (const row of this.rows) if (row.userId === userId && row.revokedAt === null) row.revokedAt = at;
  }
}

/** The users table: one account per (normalised) email; deleting a user deletes its refresh tokens. */
export class InMemoryUsers implements UsersRepository {
  rows: UserRecord[] = [];
  private readonly refreshTokens: InMemoryRefreshTokens;

  constructor(refreshTokens: InMemoryRefreshTokens) {
    this.refreshTokens = refreshTokens;
  }

  async insert(user: UserRecord): Promise<void> {
    if (this.rows.some((row) => row.email === user.email)) throw new EmailTaken();
    this.rows.push({ ...user });
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const row = this.rows.find((user) => user.email === email);
    return row === undefined ? undefined : { ...row };
  }

  async findById(userId: string): Promise<UserRecord | undefined> {
    const row = this.rows.find((user) => user.id === userId);
    return row === undefined ? undefined : { ...row };
  }

  async markDeletionRequested(userId: string, at: Date): Promise<boolean> {
    const row = this.rows.find((user) => user.id === userId);
    if (row === undefined) return false;
    row.deletionRequestedAt ??= at;
    return true;
  }

  async delete(userId: string): Promise<boolean> {
    const before = this.rows.length;
    this.rows = this.rows.filter((user) => user.id !== userId);
    this.refreshTokens.rows = this.refreshTokens.rows.filter((token) => token.userId !== userId);
    return this.rows.length < before;
  }
}

export type RecordedUserEvent =
  | { type: 'userCreated'; userId: string; email: string }
  | { type: 'userDeleted'; userId: string };

/** The events the use cases recorded, in order. */
export class RecordingUserEvents implements UserEvents {
  recorded: RecordedUserEvent[] = [];

  async userCreated(user: UserRecord): Promise<void> {
    this.recorded.push({ type: 'userCreated', userId: user.id, email: user.email });
  }

  async userDeleted(userId: string): Promise<void> {
    this.recorded.push({ type: 'userDeleted', userId });
  }
}

/** The saga replies the use cases recorded, in order. */
export class RecordingSagaReplies implements SagaReplies {
  recorded: SagaCommand[] = [];

  async succeeded(command: SagaCommand): Promise<void> {
    this.recorded.push(command);
  }
}

/**
 * The database with its events and replies; `run` is a transaction over them: when the work
 * throws, users, tokens, events and replies are as they were before it.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  readonly refreshTokens = new InMemoryRefreshTokens();
  readonly users = new InMemoryUsers(this.refreshTokens);
  readonly events = new RecordingUserEvents();
  readonly replies = new RecordingSagaReplies();

  get scope(): TransactionScope {
    return { users: this.users, refreshTokens: this.refreshTokens, events: this.events, replies: this.replies };
  }

  async run<T>(work: (scope: TransactionScope) => Promise<T>): Promise<T> {
    const before = structuredClone({
      users: this.users.rows,
      refreshTokens: this.refreshTokens.rows,
      events: this.events.recorded,
      replies: this.replies.recorded,
    });
    try {
      return await work(this.scope);
    } catch (error) {
      this.users.rows = before.users;
      this.refreshTokens.rows = before.refreshTokens;
      this.events.recorded = before.events;
      this.replies.recorded = before.replies;
      throw error;
    }
  }
}

/** Fixed windows per email: a new one starts at the first attempt after the last one ended. */
export class InMemorySignInAttempts implements SignInAttempts {
  windows = new Map<string, { startedAt: Date; attempts: number }>();

  async begin(email: string, at: Date, windowSeconds: number): Promise<{ attempts: number; windowEndsAt: Date }> {
    const current = this.windows.get(email);
    const window =
      current === undefined || at.getTime() >= endOf(current.startedAt, windowSeconds).getTime()
        ? { startedAt: at, attempts: 1 }
        : { startedAt: current.startedAt, attempts: current.attempts + 1 };
    this.windows.set(email, window);
    return { attempts: window.attempts, windowEndsAt: endOf(window.startedAt, windowSeconds) };
  }

  async succeeded(email: string): Promise<void> {
    this.windows.delete(email);
  }

  async purgeEnded(before: Date, windowSeconds: number): Promise<number> {
    let purged = 0;
    for (const [email, window] of this.windows) {
      if (endOf(window.startedAt, windowSeconds).getTime() < before.getTime()) {
        this.windows.delete(email);
        purged += 1;
      }
    }
    return purged;
  }
}

const endOf = (startedAt: Date, windowSeconds: number) => new Date(startedAt.getTime() + windowSeconds * 1000);

/** A "hash" a test can read: the password behind a prefix. */
export class FakePasswordHasher implements PasswordHasher {
  async hash(password: string): Promise<string> {
    return `hashed:${password}`;
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    return passwordHash === `hashed:${password}`;
  }
}

/** Access tokens that say whom they are for and when they were issued. */
export class FakeAccessTokens implements AccessTokenIssuer, PublicKeySet {
  readonly ttlSeconds = 900;

  async issue(userId: string, issuedAt: Date): Promise<string> {
    return `access:${userId}@${issuedAt.toISOString()}`;
  }

  jwks(): { keys: Record<string, string>[] } {
    return { keys: [{ kty: 'RSA', kid: 'test-key', use: 'sig' }] };
  }
}

/** Refresh tokens refresh-1, refresh-2, ..., "hashed" to their bytes behind a prefix. */
export class FakeRefreshTokenSecrets implements RefreshTokenSecrets {
  private issued = 0;

  generate(): string {
    this.issued += 1;
    return `refresh-${this.issued}`;
  }

  hash(refreshToken: string): Uint8Array {
    return new TextEncoder().encode(`hash:${refreshToken}`);
  }
}
