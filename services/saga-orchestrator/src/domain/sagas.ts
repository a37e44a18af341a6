// The platform's sagas, as plans: which step sends which command and what undoes it. The
// commands are the saga.v1 messages (proto/saga/v1/messages.proto), each about the saga's user.

export type SagaCommandName = 'CreateWelcomeNote' | 'DeleteUserNotes' | 'DeleteUser';

export interface SagaStepPlan {
  name: string;
  command: SagaCommandName;
  /** Undoes the step (and stands in for a step that failed half-way); none when it is never undone. */
  compensation?: SagaCommandName;
}

export interface SagaPlan {
  type: string;
  steps: readonly SagaStepPlan[];
}

/**
 * Started by auth.UserCreated, once per user ever: gives the new user a welcome note. A user who
 * cannot get one is deleted again, which undoes the sign-up.
 */
export const signUpSaga = {
  type: 'SignUpSaga',
  steps: [{ name: 'create_welcome_note', command: 'CreateWelcomeNote', compensation: 'DeleteUser' }],
} as const satisfies SagaPlan;

/**
 * Started through StartDeleteUserSaga once auth-service has locked the account: removes the
 * user's notes, then the account (which frees the email). Deletion only moves forward: no step is
 * undone, and a step that keeps failing leaves the saga FAILED for an operator to retry. At most
 * one unfinished per user.
 */
export const deleteUserSaga = {
  type: 'DeleteUserSaga',
  steps: [
    { name: 'delete_notes', command: 'DeleteUserNotes' },
    { name: 'delete_account', command: 'DeleteUser' },
  ],
} as const satisfies SagaPlan;

export const sagaPlans: readonly SagaPlan[] = [signUpSaga, deleteUserSaga];
