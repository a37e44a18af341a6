export type OrchestratorErrorCode = 'USER_NOT_FOUND' | 'ACCOUNTS_UNAVAILABLE';

/** A rule of the orchestrator's domain that a request broke. `code` is stable: logs and callers may rely on it. */
export class OrchestratorError extends Error {
  readonly code: OrchestratorErrorCode;

  constructor(code: OrchestratorErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** auth-service knows no such user: there is nothing to delete. */
export class UserNotFound extends OrchestratorError {
  constructor(userId: string) {
    super('USER_NOT_FOUND', `user ${userId} not found`);
  }
}

/** auth-service did not begin the deletion (down, too slow, or it failed): nothing was started. */
export class AccountsUnavailable extends OrchestratorError {
  constructor(detail: string) {
    super('ACCOUNTS_UNAVAILABLE', `auth-service could not begin the user deletion: ${detail}`);
  }
}
