import { IdempotencyKeyInFlight, IdempotencyKeyReused } from '../domain/errors.ts';
import { idempotencyKeysSince, sameFingerprint } from '../domain/idempotency.ts';
import type { Clock, IdempotencyClaim, RecordedIdempotencyKeys, UnitOfWork } from './ports.ts';

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
  keys: RecordedIdempotencyKeys;
  clock: Clock;
}

/**
 * A committed key is final, so it is looked up first, outside any transaction: the same request
 * gets its answer again, another one IdempotencyKeyReused. Otherwise the write runs with the key
 * taken (another transaction holding it: IdempotencyKeyInFlight) and recorded with it; when a
 * request under the key committed in between, the write rolls back and that request's answer is
 * looked up instead. A create with a key is thus two statements (ADR 0013).
 */
export function createWriteOnce(deps: WriteOnceDependencies): WriteOnce {
  const recordedAnswer = async (claim: IdempotencyClaim, since: Date): Promise<WriteOnceResult | undefined> => {
    const recorded = await deps.keys.find(claim, since);
    if (recorded === undefined) return undefined;
    if (!sameFingerprint(recorded.fingerprint, claim.fingerprint)) throw new IdempotencyKeyReused(claim.key);
    return { answer: recorded.answer, replayed: true };
  };
  return async (claim, write) => {
    const now = deps.clock.now();
    const since = idempotencyKeysSince(now);
    const recorded = await recordedAnswer(claim, since);
    if (recorded !== undefined) return recorded;
    try {
      const answer = await deps.unitOfWork.run(async (scope) => {
        await scope.idempotencyKeys.take(claim);
        const written = await write({ run: (work) => work(scope) });
        await scope.idempotencyKeys.record(claim, written, now, since);
        return written;
      });
      return { answer, replayed: false };
    } catch (error) {
      const failure = deps.keys.failureOf(error);
      if (failure === 'in-flight') throw new IdempotencyKeyInFlight(claim.key);
      if (failure === 'recorded-meanwhile') {
        const meanwhile = await recordedAnswer(claim, since);
        if (meanwhile !== undefined) return meanwhile;
      }
      throw error;
    }
  };
}
