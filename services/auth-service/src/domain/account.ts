/** What decides whether an account may still authenticate. */
export interface AccountState {
  /** Set once the account's deletion began; null for an account in use. */
  deletionRequestedAt: Date | null;
}

/**
 * An account whose deletion began authenticates no more: no sign-in, no refresh, from the moment
 * the deletion was requested until the account is gone.
 */
export function mayAuthenticate(account: AccountState): boolean {
  return account.deletionRequestedAt === null;
}
