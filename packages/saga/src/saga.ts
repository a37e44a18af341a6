export const sagaStates = ['RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'FAILED'] as const;

/**
 * RUNNING: performing its steps in order. COMPENSATING: undoing them in reverse order after a
 * failure or a cancel. COMPLETED and COMPENSATED are final. FAILED stops for an operator: a step
 * failed with nothing to undo, or a compensation kept failing; a retry resumes it where it stopped.
 */
export type SagaState = (typeof sagaStates)[number];

/** The states in which a saga waits for a reply and has a deadline. */
export type ActiveSagaState = Extract<SagaState, 'RUNNING' | 'COMPENSATING'>;

export interface Saga {
  id: string;
  type: string;
  state: SagaState;
  /** The step being run or compensated, or where a FAILED saga stopped; null once it ended. */
  step: string | null;
  userId: string | null;
  /** Carried by the saga's commands (the saga id unless given otherwise). */
  correlationId: string;
  payload: Record<string, unknown>;
  /** How many times the current step's command (or compensation) was sent. */
  attempts: number;
  /** When the current attempt times out; null unless RUNNING or COMPENSATING. */
  deadlineAt: Date | null;
  /** The command whose reply is awaited; null while a refused compensation waits to be re-sent. */
  currentCommandId: string | null;
  /** Why the saga is compensating, compensated or failed. */
  failureReason: string | null;
  /** The state a FAILED saga failed in: a retry resumes there. */
  failedIn: ActiveSagaState | null;
  createdAt: Date;
  updatedAt: Date;
}

export const sagaLogEvents = [
  'command_sent',
  'succeeded',
  'failed',
  'timed_out',
  'compensation_sent',
  'compensated',
  'compensation_failed',
  'stale_reply',
  'retried',
  'cancelled',
  'saga_completed',
  'saga_compensated',
  'saga_failed',
] as const;

export type SagaLogEvent = (typeof sagaLogEvents)[number];

/** One line of a saga's history (saga_steps). */
export interface SagaLogEntry {
  /** The step it concerns; "" when the saga had none (a reply after its end). */
  step: string;
  event: SagaLogEvent;
  detail: string;
  at: Date;
}
