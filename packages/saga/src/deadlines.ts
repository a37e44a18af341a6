import { ROOT_CONTEXT } from '@opentelemetry/api';
import { linksToPrevious, persist } from './persist.ts';
import type { SagaRuntime } from './runtime.ts';
import type { Saga } from './saga.ts';
import { createSagaStore } from './store.ts';
import { applyDeadline } from './transitions.ts';

/**
 * Handles up to `limit` sagas whose deadline passed (re-send, compensate or fail), each in its own
 * transaction; returns how many. A saga whose transition fails (its step no longer defined, a lost
 * connection) is left for the next scan rather than retried at once, so it cannot hold up the others.
 */
export async function processDueSagas(runtime: SagaRuntime, limit: number): Promise<number> {
  const skipped: string[] = [];
  let processed = 0;
  while (processed + skipped.length < limit) {
    let claimed: Saga | undefined;
    try {
      const found = await runtime.transact(async (tx, applied) => {
        claimed = await createSagaStore(tx).claimDue(runtime.clock.now(), runtime.types, skipped);
        if (claimed === undefined) return false;
        // A deadline is a trace of its own, linked to the transition that set it.
        await persist(runtime.logger, tx, claimed, applyDeadline(claimed, runtime.contextFor(claimed.type)), applied, {
          parent: ROOT_CONTEXT,
          links: await linksToPrevious(tx, claimed.id),
        });
        return true;
      });
      if (!found) break;
      processed += 1;
    } catch (error) {
      if (claimed === undefined) throw error;
      skipped.push(claimed.id);
      runtime.logger.error({ err: error, sagaId: claimed.id }, 'a due saga could not be advanced; next scan');
    }
  }
  return processed;
}
