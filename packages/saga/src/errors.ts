import type { Saga } from './saga.ts';

export type SagaErrorCode = 'SAGA_NOT_FOUND' | 'SAGA_STATE_CONFLICT';

/** An operator's request the engine refuses. `code` is stable: services map it to a status. */
export class SagaError extends Error {
  readonly code: SagaErrorCode;

  constructor(code: SagaErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export class SagaNotFound extends SagaError {
  constructor(sagaId: string) {
    super('SAGA_NOT_FOUND', `saga ${sagaId} not found`);
  }
}

/** A retry of a saga that is not FAILED, or a cancel of one that is not RUNNING. */
export class SagaStateConflict extends SagaError {
  constructor(saga: Pick<Saga, 'id' | 'state'>, action: 'retry' | 'cancel') {
    const allowed = action === 'retry' ? 'only a FAILED saga can be retried' : 'only a RUNNING saga can be cancelled';
    super('SAGA_STATE_CONFLICT', `saga ${saga.id} is ${saga.state}: ${allowed}`);
  }
}
