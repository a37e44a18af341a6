/** auth-service's part in deleting an account. */
export interface Accounts {
  /**
   * Marks the account as being deleted: no sign-in from now on, refresh tokens revoked. Idempotent.
   * Throws UserNotFound for an unknown user, AccountsUnavailable when auth-service did not do it.
   */
  beginUserDeletion(userId: string): Promise<void>;
}

/** Starts a saga about a user, or hands back the one a new saga would duplicate (one per user rules). */
export interface SagaStarter<Started> {
  start(request: { type: string; userId: string }): Promise<Started>;
}
