import type { Pool } from '@notes/postgres';
import { context } from '@opentelemetry/api';
import type { SagaWithHistory } from './engine-api.ts';
import { SagaNotFound } from './errors.ts';
import { linksToPrevious, persist } from './persist.ts';
import type { SagaRuntime } from './runtime.ts';
import type { Saga } from './saga.ts';
import { createSagaStore } from './store.ts';
import type { retrySaga } from './transitions.ts';

/** An operator's transition of one saga (retry, cancel), in its own transaction. */
export async function operate(
  runtime: SagaRuntime,
  sagaId: string,
  decide: typeof retrySaga,
): Promise<SagaWithHistory> {
  const saga = await runtime.transact(async (tx, applied) => {
    const current = await createSagaStore(tx).lock(sagaId);
    if (current === undefined) throw new SagaNotFound(sagaId);
    const transition = decide(current, runtime.contextFor(current.type));
    // Under the operator's call, linked to where the saga stood.
    await persist(runtime.logger, tx, current, transition, applied, {
      parent: context.active(),
      links: await linksToPrevious(tx, current.id),
    });
    return transition.saga;
  });
  return withHistory(runtime.pool, saga);
}

export async function withHistory(pool: Pool, saga: Saga): Promise<SagaWithHistory> {
  return { saga, history: await createSagaStore(pool).history(saga.id) };
}
