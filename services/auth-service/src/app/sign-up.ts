import { normalizeEmail } from '../domain/email.ts';
import { checkNewPassword } from '../domain/password.ts';
import type { Clock, NewId, PasswordHasher, UnitOfWork } from './ports.ts';

export interface SignUpDependencies {
  unitOfWork: UnitOfWork;
  passwords: PasswordHasher;
  clock: Clock;
  newId: NewId;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface RegisteredUser {
  userId: string;
  email: string;
  createdAt: Date;
}

/** Creates an account and records UserCreated with it. Throws EmailTaken, InvalidEmail, InvalidPassword. */
export type SignUp = (credentials: Credentials) => Promise<RegisteredUser>;

export function createSignUp(deps: SignUpDependencies): SignUp {
  return async ({ email, password }) => {
    const normalizedEmail = normalizeEmail(email);
    checkNewPassword(password);
    const user = {
      id: deps.newId(),
      email: normalizedEmail,
      passwordHash: await deps.passwords.hash(password),
      createdAt: deps.clock.now(),
      deletionRequestedAt: null,
    };
    // One transaction: the account and its UserCreated event commit together, or (EmailTaken) neither.
    await deps.unitOfWork.run(async ({ users, events }) => {
      await users.insert(user);
      await events.userCreated(user);
    });
    return { userId: user.id, email: user.email, createdAt: user.createdAt };
  };
}
