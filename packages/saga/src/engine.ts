import { processDueSagas } from './deadlines.ts';
import type { SagaEngine, SagaEngineOptions } from './engine-api.ts';
import { SagaNotFound } from './errors.ts';
import { operate, withHistory } from './operator-actions.ts';
import { sagaEventHandler } from './replies.ts';
import { createSagaRuntime } from './runtime.ts';
import { startIn } from './start.ts';
import { createSagaStore } from './store.ts';
import { cancelSaga, retrySaga } from './transitions.ts';

/**
 * The orchestrator's saga engine: each verb is a module of its own (start, replies, operator
 * actions, deadlines), and every transition is written by persist in one transaction.
 */
export function createSagaEngine(options: SagaEngineOptions): SagaEngine {
  const runtime = createSagaRuntime(options);
  const { pool } = runtime;
  return {
    start: (request) => runtime.transact((tx, applied) => startIn(runtime, tx, request, applied)),
    consumerHandler: (handlerOptions) => sagaEventHandler(runtime, handlerOptions),
    async get(sagaId) {
      const saga = await createSagaStore(pool).find(sagaId);
      if (saga === undefined) throw new SagaNotFound(sagaId);
      return withHistory(pool, saga);
    },
    list: (filter) => createSagaStore(pool).list(filter),
    retry: (sagaId) => operate(runtime, sagaId, retrySaga),
    cancel: (sagaId) => operate(runtime, sagaId, cancelSaga),
    processDueSagas: (limit = 100) => processDueSagas(runtime, limit),
  };
}
