import { IdempotencyKeyInFlight, IdempotencyKeyReused } from '../domain/errors.ts';
import { idempotencyKeysSince, sameFingerprint } from '../domain/idempotency.ts';
import type { Clock, IdempotencyClaim, UnitOfWork } from './ports.ts';

export interface WriteOnceResult {
  answer: Uint8Array;
  /** The answer recorded with the key by an earlier request; nothing was written this time. */
  replayed: boolean;
}

/**
 * Runs `write` at most once per key: in one transaction with the key, so the key is recorded if and
 * only if the write commits. `write` gets a unit of work bound to that transaction and returns the
 * answer to record (the edge's encoding: the same bytes are answered again on a replay, whatever
 * has happened to the note since). A write that fails records nothing, so its retry runs again.
 */
export type WriteOnce = (
  claim: IdempotencyClaim,
  write: (unitOfWork: UnitOfWork) => Promise<Uint8Array>,
) => Promise<WriteOnceResult>;

export interface WriteOnceDependencies {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

export function createWriteOnce(deps: WriteOnceDependencies): WriteOnce {
  return (claim, write) =>
    deps.unitOfWork.run(async (scope) => {
      const now = deps.clock.now();
      const recorded = await scope.idempotencyKeys.claim(claim, idempotencyKeysSince(now));
      if (recorded === 'in-flight') throw new IdempotencyKeyInFlight(claim.key);
      if (recorded !== undefined) {
        if (!sameFingerprint(recorded.fingerprint, claim.fingerprint)) throw new IdempotencyKeyReused(claim.key);
        return { answer: recorded.answer, replayed: true };
      }
      const answer = await write({ run: (work) => work(scope) });
      await scope.idempotencyKeys.record(claim, answer, now);
      return { answer, replayed: false };
    });
}
