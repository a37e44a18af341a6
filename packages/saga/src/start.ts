import type { Transaction } from '@notes/postgres';
import type { StartedSaga, StartSagaRequest } from './engine-api.ts';
import { persist } from './persist.ts';
import type { SagaRuntime } from './runtime.ts';
import { createSagaStore } from './store.ts';
import type { Applied } from './transactions.ts';
import { startSaga } from './transitions.ts';

/** Starts a saga in tx (its first command goes out with it), or finds the one a unique index of the service says exists. */
export async function startIn(
  runtime: SagaRuntime,
  tx: Transaction,
  request: StartSagaRequest,
  applied: Applied[],
): Promise<StartedSaga> {
  const context = runtime.contextFor(request.type);
  const id = runtime.newId();
  const userId = request.userId ?? null;
  const transition = startSaga({ id, userId, payload: request.payload ?? {}, correlationId: id }, context);
  if (await persist(runtime.logger, tx, undefined, transition, applied))
    return { saga: transition.saga, started: true };
  const existing = await createSagaStore(tx).findNewestOf(request.type, userId);
  if (existing === undefined) throw new Error(`a ${request.type} conflicted with a saga that cannot be found`);
  return { saga: existing, started: false };
}
