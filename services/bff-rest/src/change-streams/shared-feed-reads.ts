import type { ChangeFeedPage, ReadChangeFeed } from './change-feed.ts';

/** A read of one owner's feed after one cursor, not started yet: whoever asks for the same joins it. */
interface GatheringRead {
  page: Promise<ChangeFeedPage>;
  /** Callers still waiting for it; when the last one gives up (aborts), the read is abandoned. */
  waiting: number;
  abandon: AbortController;
}

/**
 * One feed read for all the callers that ask for the same owner's changes after the same cursor
 * in the same turn of the event loop (the streams a signal has just woken): the read starts once
 * they have all asked (`schedule`, the next turn), never before, so each gets exactly what a read
 * of its own started then would have returned — the changes after its cursor, including every
 * change whose signal woke it. A caller never joins a read already under way: that read's snapshot
 * may predate the change the caller was woken for.
 */
export function shareFeedReads(
  read: ReadChangeFeed,
  schedule: (start: () => void) => void = setImmediate,
): ReadChangeFeed {
  /** By owner, then by cursor ('' for none: a full sync). */
  const gathering = new Map<string, Map<string, GatheringRead>>();

  function gather(ownerId: string, cursor: string | undefined): GatheringRead {
    const byCursor = gathering.get(ownerId) ?? new Map<string, GatheringRead>();
    gathering.set(ownerId, byCursor);
    const abandon = new AbortController();
    const { promise, resolve, reject } = Promise.withResolvers<ChangeFeedPage>();
    const pending: GatheringRead = { page: promise, waiting: 0, abandon };
    byCursor.set(cursor ?? '', pending);
    schedule(() => {
      byCursor.delete(cursor ?? '');
      if (byCursor.size === 0) gathering.delete(ownerId);
      if (abandon.signal.aborted) reject(abandon.signal.reason);
      else resolve(read(ownerId, cursor, abandon.signal));
    });
    // Every caller that gave up has had its own rejection: the abandoned read's is nobody's.
    promise.catch(() => undefined);
    return pending;
  }

  return (ownerId, cursor, signal) => {
    const shared = gathering.get(ownerId)?.get(cursor ?? '') ?? gather(ownerId, cursor);
    shared.waiting += 1;
    if (signal === undefined) return shared.page;
    return new Promise<ChangeFeedPage>((resolve, reject) => {
      const giveUp = () => {
        reject(signal.reason);
        shared.waiting -= 1;
        if (shared.waiting === 0) shared.abandon.abort(signal.reason);
      };
      if (signal.aborted) return giveUp();
      signal.addEventListener('abort', giveUp, { once: true });
      shared.page.then(resolve, reject).finally(() => signal.removeEventListener('abort', giveUp));
    });
  };
}
